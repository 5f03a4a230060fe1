"""The monthly outcome report: one self-contained HTML file plus a Markdown summary.

It reads the published warehouse only (pipelines/report/load.py) and formats what the
marts hold: charts are inline SVG, the page loads nothing (its Content-Security-Policy
forbids any fetch), every text from the data is escaped.
"""

from __future__ import annotations

import functools
import hashlib
import logging
import sys
from datetime import date
from html import escape
from pathlib import Path

from pipelines.report import charts, load
from pipelines.report.charts import (
    bar_chart,
    column_chart,
    format_change,
    format_pct,
    format_usd,
    stacked_columns,
)
from pipelines.report.load import MonthReport, available_months, load_month

__all__ = ["available_months", "render_month"]

STYLE = """
body { font: 15px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: #1f2933;
       max-width: 1000px; margin: 2rem auto; padding: 0 1rem; }
h1 { font-size: 1.6rem; margin-bottom: .2rem; } h2 { margin-top: 2.2rem; }
.muted { color: #616e7c; } .small { font-size: .85rem; }
.headlines { display: flex; gap: .8rem; flex-wrap: wrap; margin: 1.5rem 0; }
.headline { border: 1px solid #d9e2ec; border-radius: 8px; padding: .7rem .9rem; width: 175px; }
.headline .number { font-size: 1.5rem; font-weight: 600; }
.headline .change { font-size: .85rem; color: #3e4c59; }
table { border-collapse: collapse; margin: .5rem 0 1.5rem; }
td, th { padding: .3rem .7rem; border-bottom: 1px solid #e4e7eb; text-align: left; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
.status-over { color: #b42318; font-weight: 600; } .status-at_risk { color: #b54708; }
.columns { display: flex; gap: 2rem; flex-wrap: wrap; }
svg .bar { fill: #0072B2; } svg .label, svg .value { font-size: 11px; fill: #323f4b; }
svg .chart-title { font-size: 13px; font-weight: 600; fill: #1f2933; }
svg .grid { stroke: #e4e7eb; }
@media print { body { margin: 0; max-width: none; } h2 { break-after: avoid; } }
"""


def _month_name(month: str) -> str:
    return date.fromisoformat(f"{month}-01").strftime("%B %Y")


def _period(h: dict) -> str:
    text = f"{h['first_day']:%-d %b} to {h['last_day']:%-d %b %Y}"
    if h["covered_days"] < h["days_in_month"]:
        text += (f" ({h['covered_days']} of {h['days_in_month']} days: month to date; "
                 "changes compare run rates)")
    return text


def _headline(element_id: str, label: str, value, shown: str, note: str) -> str:
    """``value`` goes to data-value: a preformatted string as it is, a share to 6 digits."""
    if value is None:
        data = ""
    elif isinstance(value, str):
        data = value
    else:
        data = f"{float(value):.6g}"
    return (f'<div class="headline"><div class="muted">{escape(label)}</div>'
            f'<div class="number" id="{element_id}" data-value="{escape(data, quote=True)}">'
            f"{escape(shown)}</div><div class=\"change\">{escape(note)}</div></div>")


def _versus(h: dict) -> str:
    return f" vs {h['previous_month']}" if h["previous_month"] else ""


def headlines(report: MonthReport) -> str:
    h = report.headline
    cards = [
        _headline("headline-total-spend", "Token spend", f"{float(h['total_spend_usd']):.2f}",
                  format_usd(h["total_spend_usd"]),
                  format_change(h["total_spend_change"]) + _versus(h)),
        _headline("headline-pct-payroll", "Spend as share of payroll",
                  h["spend_pct_of_payroll"], format_pct(h["spend_pct_of_payroll"], 2),
                  format_change(h["spend_pct_of_payroll_change_points"], points=True)
                  + _versus(h)),
        _headline("headline-revenue-per-dollar", "Revenue per token dollar",
                  h["revenue_per_token_dollar"],
                  "n/a" if h["revenue_per_token_dollar"] is None
                  else f"${float(h['revenue_per_token_dollar']):,.1f}",
                  f"on {format_pct(h['spend_coverage'], 0)} of spend attributed, "
                  f"{format_pct(h['revenue_coverage'], 0)} of won revenue credited"),
        _headline("headline-routable-share", "Frontier spend routable to open models",
                  h["routable_share_of_frontier_spend"],
                  format_pct(h["routable_share_of_frontier_spend"], 0),
                  format_change(h["routable_share_change_points"], points=True) + _versus(h)),
        _headline("headline-routing-savings", "Savings if routed",
                  f"{float(h['routing_savings_usd'] or 0):.2f}",
                  format_usd(h["routing_savings_usd"]),
                  format_change(h["routing_savings_change"]) + _versus(h)),
        _headline("headline-frontier-waste", "Frontier spend on trivial and non-work",
                  f"{float(h['frontier_waste_usd'] or 0):.2f}",
                  format_usd(h["frontier_waste_usd"]),
                  f"{format_pct(h['frontier_waste_share'])} of frontier spend; "
                  f"{classifier_precision()}"),
    ]
    return f'<section class="headlines">{"".join(cards)}</section>'


def _table(headers: list[str], rows: list[list[str]], numeric: set[int],
           element_id: str = "", row_classes: list[str] | None = None) -> str:
    head = "".join(f"<th{' class=num' if i in numeric else ''}>{escape(h)}</th>"
                   for i, h in enumerate(headers))
    body = "".join(
        f"<tr{' class=' + repr(row_classes[r]) if row_classes else ''}>"
        + "".join(f"<td{' class=num' if i in numeric else ''}>{escape(cell)}</td>"
                  for i, cell in enumerate(row)) + "</tr>"
        for r, row in enumerate(rows))
    ident = f' id="{element_id}"' if element_id else ""
    return f"<table{ident}><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _money_share_table(items: list[tuple[str, float, float]], heading: str) -> str:
    return _table([heading, "Spend", "Share"],
                  [[label, format_usd(usd), format_pct(share)] for label, usd, share in items],
                  {1, 2})


def spend_sections(report: MonthReport) -> str:
    return f"""
<h2>Spend by day and team</h2>
{stacked_columns(report.days, report.daily_by_team, "Daily token spend by team (USD)")}
<h2>Spend by model tier and task class</h2>
<div class="columns"><div>
{bar_chart([(t, usd) for t, usd, _ in report.by_tier], "By model tier (USD)", width=460)}
{_money_share_table(report.by_tier, "Model tier")}
</div><div>
{bar_chart([(c, usd) for c, usd, _ in report.by_class], "By task class (USD)", width=460)}
{_money_share_table(report.by_class, "Task class")}
</div></div>"""


def classifier_precision() -> str:
    """How far the waste figure's task classes can be trusted: the shipped classifier's
    precision on trivial and non-work prompts, measured on its held-out test split."""
    from pipelines.classify.evaluate import shipped_scores

    scores = shipped_scores()
    if scores is None:
        return "task classifier precision not measured"
    per_class = scores["model"]["per_class"]
    return (f"task classifier precision {per_class['trivial']['precision']:.0%} on trivial and "
            f"{per_class['non_work']['precision']:.0%} on non-work prompts "
            f"({scores['model']['prompts']:,} held-out prompts)")


def waste_section(report: MonthReport) -> str:
    examples = _table(
        ["Class", "Team", "Model", "Prompt chars", "Tokens", "Cost"],
        [[e["task_class"], e["team"], f"{e['provider']}/{e['model']}",
          f"{e['prompt_chars'] or 0:,}", f"{e['total_tokens']:,}", format_usd(e["cost_usd"])]
         for e in report.waste_examples], {3, 4, 5}, "waste-examples")
    return f"""
<h2>Frontier waste</h2>
<p>Frontier-model spend on prompts that needed no frontier model (trivial look-ups and
acknowledgements, and non-work chat). Prompts are shown by size only. The classes come from
the source's own task tag or the task classifier: {escape(classifier_precision())}.</p>
{bar_chart(report.waste_by_team, "Frontier spend on trivial and non-work prompts, by team")}
<h3>The costliest examples</h3>
{examples}"""


def budget_section(report: MonthReport) -> str:
    label = {"over": "over", "at_risk": "at risk", "ok": "ok"}
    rows = [[b["scope"], b["scope_id"], format_usd(b["limit_usd"]), format_usd(b["spend_usd"]),
             format_usd(b["projected_usd"]), label[b["status"]]] for b in report.budgets]
    table = _table(["Scope", "Who", "Monthly limit", "Spent", "Projected", "Status"], rows,
                   {2, 3, 4}, "budgets", [f"status-{b['status']}" for b in report.budgets])
    return f"<h2>Budgets</h2><p>Over and at-risk budgets first.</p>{table}"


def feature_section(report: MonthReport) -> str:
    def rows(features):
        return [[f["feature_key"], f["name"] or "", f"{f['shipped_at']:%Y-%m-%d}",
                 f"{f['ai_assisted_commits']} of {f['commits']}",
                 format_usd(f["agent_cost_usd"]), format_usd(f["attributed_revenue_usd"]),
                 f"${float(f['revenue_per_token_dollar'] or 0):,.1f}"] for f in features]
    headers = ["Feature", "Name", "Shipped", "AI-assisted commits", "Agent cost",
               "Credited revenue", "Revenue per token $"]
    c = report.feature_coverage
    coverage = (f"Attribution covers {format_pct(c.get('spend_coverage'), 0)} of all token "
                f"spend and {format_pct(c.get('revenue_coverage'), 0)} of won revenue so "
                "far; features outside that coverage are not ranked.")
    return f"""
<h2>Feature ROI</h2>
<p>Shipped features with agent spend, all time. {escape(coverage)}</p>
<h3>Highest revenue per token dollar</h3>
{_table(headers, rows(report.top_features), {3, 4, 5, 6}, "features-top")}
<h3>Lowest</h3>
{_table(headers, rows(report.bottom_features), {3, 4, 5, 6}, "features-bottom")}"""


def people_sections(report: MonthReport) -> str:
    distribution = column_chart(report.salary_distribution,
                                "People by token spend as a share of their salary",
                                value_format=lambda v: f"{int(v)}", width=760)
    people = _table(
        ["Person", "Team", "Spend (all time)", "AI-assisted commits", "Shipped features",
         "Credited revenue"],
        [[p["person_email"], p["team"], format_usd(p["spend_usd"]),
          f"{p['ai_assisted_commits']:,}", f"{p['shipped_features']:,}",
          format_usd(p["credited_revenue_usd"])] for p in report.people],
        {2, 3, 4, 5}, "load-bearing")
    return f"""
<h2>Spend as a share of salary</h2>
<p>Everyone in the people list, including those who spent nothing.</p>
{distribution}
<h2>Load-bearing view</h2>
<p>The heaviest spenders beside what they shipped: AI-assisted commits, shipped features
they committed to, and revenue credited in proportion to their share of each feature's
agent cost.</p>
{people}"""


def _measure(row: dict) -> str:
    if row["unit"] == "hours":
        return f"{row['observed_value']:.0f} h (limit {row['threshold']:g} h)"
    bound = "floor" if row["check_name"] == "telemetry_coverage" else "limit"
    return f"{format_pct(row['observed_value'])} ({bound} {format_pct(row['threshold'])})"


def quality_section(rows: list[dict]) -> str:
    """Gates outside their thresholds, then the quarantine by source and reason."""
    flagged = [r for r in rows if r["status"] != "pass"]
    quarantine = [r for r in rows if r["check_name"] == "quarantined_records"]
    measured = rows[0]["measured_at"] if rows else None
    summary = (f"{len(rows) - len(flagged)} of {len(rows)} quality gates pass"
               + (f" (measured {measured:%Y-%m-%d %H:%M} UTC)" if measured else ""))
    parts = [f"<p id='quality-summary' data-flagged='{len(flagged)}'>{escape(summary)}. "
             "Blocking checks (conservation, non-negative money, unique keys, referential "
             "integrity, unpriced share) all passed, or this report would not exist.</p>"]
    if flagged:
        body = "".join(
            f"<tr data-check='{escape(r['check_name'])}'><td>{escape(r['status'])}</td>"
            f"<td>{escape(r['check_name'])}</td><td>{escape(r['subject'])}</td>"
            f"<td class='num'>{escape(_measure(r))}</td><td>{escape(r['detail'])}</td></tr>"
            for r in flagged)
        parts.append("<table id='quality-warnings'><thead><tr><th>Status</th><th>Check</th>"
                     "<th>Source</th><th class='num'>Measured</th><th>Detail</th></tr></thead>"
                     f"<tbody>{body}</tbody></table>")
    if quarantine:
        body = "".join(
            f"<tr><td>{escape(r['subject'])}</td><td class='num'>{int(r['affected_rows']):,}</td>"
            f"<td>{escape(r['detail'])}</td></tr>" for r in quarantine)
        parts.append("<h3>Quarantined records</h3><table id='quality-quarantine'><thead><tr>"
                     "<th>Source</th><th class='num'>Records</th><th>Reason</th></tr></thead>"
                     f"<tbody>{body}</tbody></table>")
    else:
        parts.append("<p>No record was quarantined.</p>")
    return "\n".join(parts)


def render_html(report: MonthReport) -> str:
    h = report.headline
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<title>tokenroi outcome report {escape(report.month)}</title><style>{STYLE}</style></head>
<body>
<h1>What did our token spend buy? — {escape(_month_name(report.month))}</h1>
<p class="muted">Data from {escape(_period(h))}. {h['active_people']:,} people used agents.
Generated by tokenroi from the published warehouse; every figure is in its marts.</p>
{headlines(report)}
{spend_sections(report)}
{waste_section(report)}
{budget_section(report)}
{feature_section(report)}
{people_sections(report)}
<section id="data-quality">
<h2>Data quality</h2>
{quality_section(report.quality)}
</section>
</body></html>
"""


def render_markdown(report: MonthReport) -> str:
    h = report.headline
    lines = [
        f"# tokenroi outcome summary — {_month_name(report.month)}", "",
        f"Data from {_period(h)}.", "",
        f"- Token spend: **{format_usd(h['total_spend_usd'])}** "
        f"(${float(h['total_spend_usd']):,.2f}; {format_change(h['total_spend_change'])}"
        f"{_versus(h)})",
        f"- Spend as a share of payroll: {format_pct(h['spend_pct_of_payroll'], 2)} "
        f"({format_change(h['spend_pct_of_payroll_change_points'], points=True)})",
        "- Revenue per token dollar: "
        + ("n/a" if h["revenue_per_token_dollar"] is None
           else f"${float(h['revenue_per_token_dollar']):,.1f}")
        + f" (spend attributed {format_pct(h['spend_coverage'], 0)}, won revenue credited "
          f"{format_pct(h['revenue_coverage'], 0)})",
        f"- Frontier spend routable to open models: "
        f"{format_pct(h['routable_share_of_frontier_spend'], 0)}; savings if routed "
        f"{format_usd(h['routing_savings_usd'])}",
        f"- Frontier spend on trivial and non-work prompts: {format_usd(h['frontier_waste_usd'])}"
        f" ({classifier_precision()})",
        "", "| Team | Spend |", "|---|---:|"]
    lines += [f"| {team} | ${usd:,.2f} |" for team, usd, _ in report.by_team]
    flagged = [b for b in report.budgets if b["status"] != "ok"]
    lines += ["", "## Budgets over or at risk", ""]
    lines += [f"- {b['scope']} {b['scope_id']}: {b['status'].replace('_', ' ')} — spent "
              f"{format_usd(b['spend_usd'])}, projected {format_usd(b['projected_usd'])} of "
              f"{format_usd(b['limit_usd'])}" for b in flagged] or ["- none"]
    flagged_quality = [r for r in report.quality if r["status"] != "pass"]
    lines += ["", "## Data quality", "",
              f"{len(report.quality) - len(flagged_quality)} of {len(report.quality)} quality "
              "gates pass."]
    lines += [f"- **{r['status']}** {r['check_name']} — {r['subject']}: {_measure(r)}, "
              f"{r['detail']}" for r in flagged_quality]
    lines += [f"- quarantined: {r['subject']} — {int(r['affected_rows']):,} × {r['detail']}"
              for r in report.quality if r["check_name"] == "quarantined_records"]
    return "\n".join(lines) + "\n"


def render_pdf(html: str, pdf_path: Path) -> str | None:
    """The same page as PDF (WeasyPrint); on failure the reason, and no PDF."""
    try:
        import weasyprint

        weasyprint.HTML(string=html, base_url=str(pdf_path.parent)).write_pdf(pdf_path)
    except Exception as error:  # a machine without pango: the HTML report still stands
        pdf_path.unlink(missing_ok=True)
        return f"no PDF ({type(error).__name__}: {error})"
    return None


FINGERPRINT = ".fingerprint"  # beside each month's report


@functools.cache
def _renderer_source() -> str:
    return "".join(Path(module.__file__).read_text(encoding="utf-8")
                   for module in (charts, load, sys.modules[__name__]))


def fingerprint(report: MonthReport) -> str:
    """What a month's report says about its month (MonthReport.own) and the code that
    renders it: a month is rendered again when either moves."""
    shown = repr(report.own()) + _renderer_source()
    return hashlib.sha256(shown.encode("utf-8")).hexdigest()


def render_month(warehouse: Path, month: str, reports_dir: Path, pdf: bool = True,
                 only_if_changed: bool = False) -> tuple[Path, bool]:
    """Write reports_dir/YYYY-MM/outcome_report.html, summary.md and (when WeasyPrint can)
    outcome_report.pdf; return the HTML path and whether it was written.

    With only_if_changed, a month whose fingerprint matches the one stored beside its
    report is left as it is: the daily run re-renders the months whose own numbers or gate
    statuses moved, and a closed month keeps its all-time sections as last rendered."""
    report = load_month(warehouse, month)
    folder = reports_dir / month
    folder.mkdir(parents=True, exist_ok=True)
    html_path = folder / "outcome_report.html"
    stamp, stored = fingerprint(report), folder / FINGERPRINT
    complete = html_path.exists() and (not pdf or (folder / "outcome_report.pdf").exists())
    if only_if_changed and complete and stored.exists() and stored.read_text() == stamp:
        return html_path, False
    stored.unlink(missing_ok=True)
    html = render_html(report)
    html_path.write_text(html, encoding="utf-8")
    (folder / "summary.md").write_text(render_markdown(report), encoding="utf-8")
    if pdf:
        problem = render_pdf(html, folder / "outcome_report.pdf")
        if problem:
            logging.getLogger(__name__).warning("%s: %s", html_path, problem)
    stored.write_text(stamp)
    return html_path, True
