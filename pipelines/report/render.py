"""The monthly outcome report: one self-contained HTML file plus a Markdown summary.

It reads the published warehouse only, and shows numbers the marts already hold.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from html import escape
from pathlib import Path

import duckdb

from pipelines.report.charts import bar_chart, format_pct, format_usd

STYLE = """
body { font: 15px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: #1f2933;
       max-width: 960px; margin: 2rem auto; padding: 0 1rem; }
h1 { font-size: 1.6rem; margin-bottom: .2rem; } .muted { color: #616e7c; }
.headlines { display: flex; gap: 1rem; flex-wrap: wrap; margin: 1.5rem 0; }
.headline { border: 1px solid #d9e2ec; border-radius: 8px; padding: .8rem 1rem; min-width: 160px; }
.headline .number { font-size: 1.6rem; font-weight: 600; }
table { border-collapse: collapse; margin: .5rem 0 1.5rem; }
td, th { padding: .3rem .8rem; border-bottom: 1px solid #e4e7eb; text-align: left; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
svg .bar { fill: #3e7cb1; } svg .label, svg .value { font-size: 12px; fill: #323f4b; }
svg .chart-title { font-size: 13px; font-weight: 600; fill: #1f2933; }
"""


@dataclass(frozen=True)
class MonthFigures:
    month: str
    total_cost_usd: float
    calls: int
    people: int
    first_day: date | None
    last_day: date | None
    by_team: list[tuple[str, float]]
    by_tier: list[tuple[str, float]]
    # marts.data_quality rows for this report: the run-wide gates, and the month's own
    quality: list[dict]


def available_months(warehouse: Path) -> list[str]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        rows = con.execute(
            "select distinct strftime(day, '%Y-%m') from marts.fct_spend_daily order by 1"
        ).fetchall()
    return [r[0] for r in rows]


def load_month(warehouse: Path, month: str) -> MonthFigures:
    month_filter = "strftime(day, '%Y-%m') = ?"
    with duckdb.connect(str(warehouse), read_only=True) as con:
        total, calls, people, first_day, last_day = con.execute(
            "select coalesce(sum(cost_usd), 0), coalesce(sum(calls), 0), "
            "count(distinct person_email), min(day), max(day) "
            f"from marts.fct_spend_daily where {month_filter}", [month]).fetchall()[0]
        by_team = con.execute(
            f"select team, sum(cost_usd) from marts.fct_spend_daily where {month_filter} "
            "group by team order by 2 desc, 1", [month]).fetchall()
        by_tier = con.execute(
            f"select model_tier, sum(cost_usd) from marts.fct_spend_daily where {month_filter} "
            "group by model_tier order by 2 desc, 1", [month]).fetchall()
        quality = con.execute(
            "select check_name, subject, severity, status, observed_value, threshold, unit, "
            "affected_rows, detail, measured_at from marts.data_quality "
            "where check_name not in ('unpriced_token_share', 'unknown_identity_spend') "
            "or subject = ? order by status = 'pass', check_name, subject, detail",
            [month]).df().to_dict("records")
    return MonthFigures(month, float(total), int(calls), int(people), first_day, last_day,
                        [(t, float(v)) for t, v in by_team], [(t, float(v)) for t, v in by_tier],
                        quality)


def _measure(row: dict) -> str:
    if row["unit"] == "hours":
        return f"{row['observed_value']:.0f} h (limit {row['threshold']:g} h)"
    bound = "floor" if row["check_name"] == "telemetry_coverage" else "limit"
    return f"{format_pct(row['observed_value'])} ({bound} {format_pct(row['threshold'])})"


def _quality_section(rows: list[dict]) -> str:
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


def _table(rows: list[tuple[str, float]], total: float, heading: str) -> str:
    body = "".join(
        f"<tr><td>{escape(label)}</td><td class='num'>{escape(format_usd(value))}</td>"
        f"<td class='num'>{escape(format_pct(value / total if total else None))}</td></tr>"
        for label, value in rows)
    return (f"<table><thead><tr><th>{escape(heading)}</th><th class='num'>Spend</th>"
            f"<th class='num'>Share</th></tr></thead><tbody>{body}</tbody></table>")


def render_html(figures: MonthFigures) -> str:
    period = (f"{figures.first_day} to {figures.last_day}" if figures.first_day
              else "no activity")
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<title>tokenroi outcome report {escape(figures.month)}</title><style>{STYLE}</style></head>
<body>
<h1>What did our token spend buy? — {escape(figures.month)}</h1>
<p class="muted">Data from {escape(period)}. Generated by tokenroi from the published warehouse.</p>
<section class="headlines">
  <div class="headline"><div class="muted">Token spend</div>
    <div class="number" id="headline-total-spend" data-value="{figures.total_cost_usd:.2f}">{escape(format_usd(figures.total_cost_usd))}</div></div>
  <div class="headline"><div class="muted">Agent calls</div>
    <div class="number" id="headline-calls" data-value="{figures.calls}">{figures.calls:,}</div></div>
  <div class="headline"><div class="muted">People using agents</div>
    <div class="number" id="headline-people" data-value="{figures.people}">{figures.people:,}</div></div>
</section>
<h2>Spend by team</h2>
{bar_chart(figures.by_team, "Token spend by team (USD)")}
{_table(figures.by_team, figures.total_cost_usd, "Team")}
<h2>Spend by model tier</h2>
{bar_chart(figures.by_tier, "Token spend by model tier (USD)")}
{_table(figures.by_tier, figures.total_cost_usd, "Model tier")}
<section id="data-quality">
<h2>Data quality</h2>
{_quality_section(figures.quality)}
</section>
</body></html>
"""


def render_markdown(figures: MonthFigures) -> str:
    lines = [f"# tokenroi outcome summary — {figures.month}", "",
             f"- Token spend: **{format_usd(figures.total_cost_usd)}** "
             f"(${figures.total_cost_usd:,.2f})",
             f"- Agent calls: {figures.calls:,} by {figures.people:,} people", "",
             "| Team | Spend |", "|---|---:|"]
    lines += [f"| {team} | ${value:,.2f} |" for team, value in figures.by_team]
    lines += ["", "| Model tier | Spend |", "|---|---:|"]
    lines += [f"| {tier} | ${value:,.2f} |" for tier, value in figures.by_tier]
    flagged = [r for r in figures.quality if r["status"] != "pass"]
    lines += ["", "## Data quality", "",
              f"{len(figures.quality) - len(flagged)} of {len(figures.quality)} quality gates pass."]
    lines += [f"- **{r['status']}** {r['check_name']} — {r['subject']}: {_measure(r)}, "
              f"{r['detail']}" for r in flagged]
    lines += [f"- quarantined: {r['subject']} — {int(r['affected_rows']):,} × {r['detail']}"
              for r in figures.quality if r["check_name"] == "quarantined_records"]
    return "\n".join(lines) + "\n"


def render_month(warehouse: Path, month: str, reports_dir: Path) -> Path:
    """Write reports_dir/YYYY-MM/outcome_report.html and summary.md; return the HTML path."""
    figures = load_month(warehouse, month)
    folder = reports_dir / month
    folder.mkdir(parents=True, exist_ok=True)
    html_path = folder / "outcome_report.html"
    html_path.write_text(render_html(figures), encoding="utf-8")
    (folder / "summary.md").write_text(render_markdown(figures), encoding="utf-8")
    return html_path
