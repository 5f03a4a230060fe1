"""The outcome report in a real headless Chromium (Debian's `chromium`, driven by
Playwright): it renders offline, logs no error, requests nothing but itself, and shows
the warehouse's headline numbers."""

from __future__ import annotations

import shutil

import pytest

pytestmark = pytest.mark.e2e

CHROMIUM = shutil.which("chromium")
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--no-first-run", "--disable-sync", "--disable-quic"]


def short_usd(amount: float) -> str:
    """The report's short money format, written out again for the test."""
    if amount >= 1000:
        return f"${amount / 1000:.1f}k"
    return f"${amount:,.0f}" if amount >= 100 else f"${amount:,.2f}"


@pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed "
                    "(make test installs it with apt-get where the package can be had)")
def test_report_renders_offline_without_errors_and_shows_the_warehouse_headlines(
        pipeline_run, tmp_path):
    from playwright.sync_api import sync_playwright

    workspace, truth, _ = pipeline_run
    month = truth["generator"]["start"][:7]
    report = workspace.data / "reports" / month / "outcome_report.html"
    problems, requests = [], []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        page = browser.new_page(viewport={"width": 1200, "height": 1600})
        page.on("console", lambda m: problems.append(f"console {m.type}: {m.text}")
                if m.type in ("error", "warning") else None)
        page.on("pageerror", lambda error: problems.append(f"page error: {error}"))
        page.on("requestfailed", lambda r: problems.append(f"failed request: {r.url}"))
        page.on("request", lambda r: requests.append(r.url))
        page.goto(report.as_uri(), wait_until="load")
        screenshot = tmp_path / "report.png"
        page.screenshot(path=str(screenshot), full_page=True)
        shown = {element_id: (page.get_attribute(f"#{element_id}", "data-value"),
                              page.inner_text(f"#{element_id}"))
                 for element_id in ("headline-total-spend", "headline-pct-payroll",
                                    "headline-routing-savings", "headline-frontier-waste")}
        charts = page.locator("svg").count()
        sections = page.locator("h2").all_inner_texts()
        browser.close()

    assert problems == []
    assert requests == [report.as_uri()]  # the page itself, nothing else
    assert screenshot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert screenshot.stat().st_size > 50_000
    assert charts >= 5  # daily by team, tier, task class, waste, salary shares
    assert {"Spend by day and team", "Frontier waste", "Budgets", "Feature ROI",
            "Spend as a share of salary", "Load-bearing view", "Data quality"} <= set(sections)

    # Headlines against the warehouse, and the month's spend against the daily mart.
    (spend, pct, savings, waste), = workspace.query(
        "select total_spend_usd, spend_pct_of_payroll, routing_savings_usd, frontier_waste_usd "
        "from marts.fct_monthly_headlines where month = ?", [month])
    daily = workspace.query("select sum(cost_usd) from marts.fct_spend_daily "
                            "where strftime(day, '%Y-%m') = ?", [month])[0][0]
    assert round(float(daily), 2) == round(float(spend), 2)
    assert shown["headline-total-spend"] == (f"{float(spend):.2f}", short_usd(float(spend)))
    assert float(shown["headline-pct-payroll"][0]) == pytest.approx(pct, rel=1e-5)
    assert shown["headline-pct-payroll"][1] == f"{pct * 100:.2f}%"
    assert shown["headline-routing-savings"] == (f"{float(savings):.2f}",
                                                 short_usd(float(savings)))
    assert shown["headline-frontier-waste"] == (f"{float(waste):.2f}", short_usd(float(waste)))
    # Truth's spend for the month, independent of the pipeline, is what the page shows.
    truth_month = sum(float(v) for day, v in truth["spend_by_day_usd"].items()
                      if day.startswith(month))
    assert float(shown["headline-total-spend"][0]) == pytest.approx(truth_month, abs=0.006)
