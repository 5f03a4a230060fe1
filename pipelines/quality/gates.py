"""The quality gates: one dbt model and one dbt test each (models/marts/gates/), judged by
dbt with the severity its var gives (``<gate>_severity``: error stops publication, warn
shows in the run's output and the report). marts.data_quality is their union.

dbt says a gate failed and on how many subjects; this says which and by how much, for the
one-line reason a run prints.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

GATE_MODEL_PREFIX = "gate_"


def describe_gate_rows(rows: list[dict]) -> str:
    """'agent_calls/otlp: 180.0 h (limit 48 h), newest event …' for each row not passing."""
    parts = []
    for row in rows:
        observed, threshold, unit = row["observed_value"], row["threshold"], row["unit"]
        if unit == "hours":
            measure = f"{observed:.1f} h (limit {threshold:g} h)"
        else:
            bound = "floor" if row["check_name"] == "telemetry_coverage" else "limit"
            measure = f"{observed:.1%} ({bound} {threshold:.1%})"
        parts.append(f"{row['subject']}: {measure}, {row['detail']}")
    return "; ".join(parts)


def describe_gate(marts_db: Path, model: str) -> str | None:
    """The subjects outside ``model``'s threshold in the build (the gate's view holds this
    run's rows even when its failure kept data_quality from being rebuilt); None if the
    build cannot say."""
    if not marts_db.exists():
        return None
    try:
        with duckdb.connect(str(marts_db), read_only=True) as con:
            cursor = con.execute(f'select * from marts."{model}" where status <> \'pass\' '
                                 "order by subject, detail")
            names = [column[0] for column in cursor.description]
            rows = [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
    except duckdb.Error:
        return None
    return describe_gate_rows(rows) if rows else None
