"""The outcome report renders in a real headless Chromium (Debian's `chromium`)."""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest

pytestmark = pytest.mark.e2e

CHROMIUM = shutil.which("chromium")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--no-first-run", "--disable-sync"]


def chromium(tmp_path, *args: str) -> subprocess.CompletedProcess:
    profile = tmp_path / f"profile-{len(list(tmp_path.iterdir()))}"
    return subprocess.run([CHROMIUM, *FLAGS, f"--user-data-dir={profile}", *args],
                          capture_output=True, text=True, timeout=120)


@pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed "
                    "(make test installs it with apt-get where the package can be had)")
def test_report_renders_and_shows_the_warehouse_headline(pipeline_run, tmp_path):
    workspace, truth, _ = pipeline_run
    month = truth["generator"]["start"][:7]
    report = workspace.data / "reports" / month / "outcome_report.html"
    screenshot = tmp_path / "report.png"
    shot = chromium(tmp_path, f"--screenshot={screenshot}", "--window-size=1200,1600",
                    report.as_uri())
    assert screenshot.exists() and screenshot.stat().st_size > 10_000, shot.stderr
    assert screenshot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    dom = chromium(tmp_path, "--dump-dom", report.as_uri()).stdout
    total = float(workspace.query("select sum(cost_usd) from marts.fct_spend_daily "
                                  "where strftime(day, '%Y-%m') = ?", [month])[0][0])
    match = re.search(r'id="headline-total-spend" data-value="([0-9.]+)">([^<]+)<', dom)
    assert match, "the rendered page has no total-spend headline"
    assert match.group(1) == f"{total:.2f}"
    shown = f"${total / 1000:.1f}k" if total >= 1000 else f"${total:,.0f}"
    assert match.group(2) == shown
    assert dom.count("<svg") >= 2
