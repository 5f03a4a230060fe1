"""Text from the sources reaches the report as text: feature, team, person and account names
and commit messages and authors carrying markup, quotes, semicolons and unicode flow through
dbt unchanged and are shown, not run, in a real headless Chromium."""

from __future__ import annotations

import csv
import json
import os
import subprocess

import pytest
from test_report_browser import CHROMIUM, FLAGS

pytestmark = pytest.mark.e2e

TEAM = "plat'form \"core\"; DROP TABLE people; -- <b>ü✓</b>"
FEATURE = "Search <script>window.__pwned = 'feature'</script> \"v2\"; ünï 🦆"
SVG_BREAK = "</svg></text><img src=x onerror=\"window.__pwned = 'svg'\">"
PERSON = "Zoë \"Z\" O'Brien; DELETE FROM people; -- <i onmouseover=alert(1)>✓</i>"
ACCOUNT = "Umbrella <script>window.__pwned = 'account'</script> O'Neil; ✓"
AUTHOR = "Bo \"O'Neil\"; DROP TABLE commits; -- ✓ ü"  # git itself drops < and > here
TRAILER = "Reviewed-by: <script>window.__pwned = 'commit'</script> \"x\"; ünï"


def _rewrite_csv(path, change) -> None:
    with path.open(newline="") as handle:
        reader = csv.DictReader(handle)
        fields, rows = reader.fieldnames, [change(dict(row)) for row in reader]
    with path.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=fields)
        writer.writeheader()
        writer.writerows(rows)


def _hostile_landing(landing) -> None:
    reference = landing / "reference"
    for name in ("people.csv", "budgets.csv", "features.csv"):
        _rewrite_csv(reference / name, lambda row: {k: TEAM if v == "platform" else v
                                                   for k, v in row.items()})
    people = iter([PERSON])
    _rewrite_csv(reference / "people.csv", lambda row: {**row, "name": next(people, row["name"])})
    names = iter([SVG_BREAK])
    _rewrite_csv(reference / "features.csv",
                 lambda row: {**row, "name": next(names, FEATURE)})
    deals = landing / "crm" / "canonical" / "deal_events.jsonl"
    events = [json.loads(line) for line in deals.read_text().splitlines() if line.strip()]
    deals.write_text("".join(json.dumps({**e, "account": ACCOUNT}) + "\n" for e in events))


def _hostile_commit(landing, work, when: str) -> str:
    """A commit whose author and message carry markup and quotes, pushed to one of the
    org's repositories (real git); its sha."""
    repository = sorted((landing / "git" / "repos").glob("*.git"))[0]
    env = {**os.environ, "GIT_AUTHOR_NAME": AUTHOR, "GIT_AUTHOR_EMAIL": "bo@example.com",
           "GIT_COMMITTER_NAME": AUTHOR, "GIT_COMMITTER_EMAIL": "bo@example.com",
           "GIT_AUTHOR_DATE": when, "GIT_COMMITTER_DATE": when}

    def git(*args: str) -> str:
        return subprocess.run(["git", "-C", str(work), *args], env=env, check=True,
                              capture_output=True, text=True).stdout.strip()

    subprocess.run(["git", "clone", "-q", str(repository), str(work)], check=True)
    (work / "hostile.txt").write_text("</svg>\n")
    git("add", "hostile.txt")
    subject = "Fix </svg> <img src=x onerror=\"window.__pwned = 'm'\">"
    git("commit", "-q", "-m", f"{subject}\n\n{TRAILER}")
    git("push", "-q", "origin", "HEAD")
    return git("rev-parse", "HEAD")


@pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed "
                    "(make test installs it with apt-get where the package can be had)")
def test_hostile_names_flow_through_unchanged_and_no_script_runs(baseline_copy, tmp_path):
    from playwright.sync_api import sync_playwright

    workspace, truth = baseline_copy
    _hostile_landing(workspace.landing)
    sha = _hostile_commit(workspace.landing, tmp_path / "clone",
                          f"{truth['generator']['start']}T12:00:00+00:00")
    workspace.run()

    # dbt and the warehouse keep every character
    assert (TEAM,) in workspace.query("select distinct team from marts.dim_people")
    features = {name for (name,) in
                workspace.query("select feature_name from marts.dim_features")}
    assert {FEATURE, SVG_BREAK} <= features
    assert (ACCOUNT,) in workspace.query("select distinct account from marts.fct_deals")
    assert (PERSON,) in workspace.query("select person_name from marts.dim_people")
    [(author, trailers)] = workspace.query(
        "select author_name, trailers from marts.fct_commits where sha = ?", [sha])
    assert author == AUTHOR and TRAILER in trailers

    month = truth["generator"]["start"][:7]
    report = workspace.data / "reports" / month / "outcome_report.html"
    html = report.read_text()
    assert "<script>window.__pwned" not in html and "<img src=x" not in html
    problems, requests = [], []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        page = browser.new_page()
        page.on("pageerror", lambda error: problems.append(f"page error: {error}"))
        page.on("dialog", lambda dialog: problems.append(f"dialog: {dialog.message}"))
        page.on("request", lambda r: requests.append(r.url))
        page.goto(report.as_uri(), wait_until="load")
        pwned = page.evaluate("() => window.__pwned === undefined ? null : window.__pwned")
        text = page.inner_text("body")
        browser.close()
    assert pwned is None and problems == []
    assert requests == [report.as_uri()]  # no injected image or script was fetched
    assert TEAM in text and FEATURE in text  # shown as text, as written
