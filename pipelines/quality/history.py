"""Every check's outcome, run by run, as Dagster keeps it (`tokenroi checks`)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime

import dagster as dg
from dagster._core.storage.asset_check_execution_record import (
    AssetCheckExecutionRecordStatus as Status,
)

DONE = {Status.SUCCEEDED, Status.FAILED}


def check_history(instance: dg.DagsterInstance, keys: Iterable[dg.AssetCheckKey],
                  limit: int = 50) -> list[dict]:
    """Oldest first: one entry per evaluation of each check (the latest ``limit`` each)."""
    entries = []
    for key in keys:
        records = instance.event_log_storage.get_asset_check_execution_history(
            key, limit=limit, status=DONE)
        for record in records:
            evaluation = record.event.dagster_event.event_specific_data if record.event else None
            if evaluation is None:
                continue
            entries.append({
                "checked_at": datetime.fromtimestamp(record.create_timestamp, UTC)
                .isoformat(timespec="seconds"),
                "run_id": record.run_id, "check": key.name,
                "asset": key.asset_key.to_user_string(),
                "severity": evaluation.severity.value, "passed": evaluation.passed,
                "summary": evaluation.description or ("passed" if evaluation.passed
                                                      else "failed")})
    return sorted(entries, key=lambda e: e["checked_at"])


def check_states(history: list[dict]) -> list[dict]:
    """Per check, its latest entry plus ``outcome`` (pass / warn / FAIL) and ``since`` /
    ``since_run``: when it took that outcome (started failing, or recovered)."""
    states: dict[str, dict] = {}
    for entry in history:
        outcome = ("pass" if entry["passed"]
                   else "warn" if entry.get("severity") == "WARN" else "FAIL")
        name = f"{entry['asset']}:{entry['check']}"
        previous = states.get(name)
        since = (previous["since"], previous["since_run"]) if (
            previous and previous["outcome"] == outcome) else (entry["checked_at"],
                                                               entry["run_id"])
        states[name] = {**entry, "outcome": outcome, "since": since[0], "since_run": since[1]}
    return list(states.values())
