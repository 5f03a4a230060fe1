"""The event log's guarantees: lineage, idempotent re-ingest, batches per changed file."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest

from pipelines.eventlog.ingest import LandingError, check_landing, ingest_stream
from pipelines.eventlog.store import EventLog
from pipelines.sources.reference.reference_files import REFERENCE_SCHEMAS, read_reference_csv

CALL = {"occurred_at": "2026-10-02T09:30:00Z", "provider": "openai", "model": "gpt-5-mini",
        "person_email": "ada@acme.example", "output_tokens": 10}


def landing_with(tmp_path: Path, records: list[dict], name: str = "a.jsonl") -> Path:
    folder = tmp_path / "landing" / "agent_calls" / "canonical"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text("".join(json.dumps(r) + "\n" for r in records))
    return tmp_path / "landing"


def lake_rows(lake: Path) -> list[tuple]:
    with duckdb.connect() as con:
        return con.execute(
            "select event_id, source_file, source_line, batch_id from read_parquet(?) "
            "order by batch_id, source_line", [str(lake / "agent_calls" / "**" / "*.parquet")]
        ).fetchall()


def make_log(tmp_path: Path) -> EventLog:
    log = EventLog(tmp_path / "lake")
    log.ensure_layout(REFERENCE_SCHEMAS)
    return log


def test_rows_carry_lineage_and_land_in_their_date_partition(tmp_path):
    later = {**CALL, "event_id": "b", "occurred_at": "2026-10-03T01:00Z"}
    landing = landing_with(tmp_path, [{**CALL, "event_id": "a"}, later])
    log = make_log(tmp_path)
    result = ingest_stream(landing, log, "agent_calls")
    assert (result.files_ingested, result.rows, result.quarantined) == (1, 2, 0)
    rows = lake_rows(log.lake)
    assert [(e, f, line) for e, f, line, _ in rows] == [
        ("a", "agent_calls/canonical/a.jsonl", 1), ("b", "agent_calls/canonical/a.jsonl", 2)]
    assert sorted(p.parent.name for p in (log.lake / "agent_calls").rglob("date=*/*.parquet")) \
        == ["date=2026-10-02", "date=2026-10-03"]


def test_the_same_file_twice_is_a_no_op(tmp_path):
    landing = landing_with(tmp_path, [{**CALL, "event_id": "a"}])
    log = make_log(tmp_path)
    ingest_stream(landing, log, "agent_calls")
    again = ingest_stream(landing, log, "agent_calls")
    assert (again.files_ingested, again.files_skipped, again.rows) == (0, 1, 0)
    assert len(lake_rows(log.lake)) == 1


def test_an_edited_file_is_a_new_batch_holding_the_old_events_again(tmp_path):
    landing = landing_with(tmp_path, [{**CALL, "event_id": "a"}])
    log = make_log(tmp_path)
    ingest_stream(landing, log, "agent_calls")
    landing_with(tmp_path, [{**CALL, "event_id": "a"}, {**CALL, "event_id": "b"}])
    second = ingest_stream(landing, log, "agent_calls")
    assert (second.files_ingested, second.rows) == (1, 2)
    # The log keeps both batches; staging collapses duplicates on event_id.
    assert sorted(e for e, *_ in lake_rows(log.lake)) == ["a", "a", "b"]
    assert len({b for *_, b in lake_rows(log.lake)}) == 2


def test_bad_records_go_to_the_quarantine_with_file_line_and_reason(tmp_path):
    landing = landing_with(tmp_path, [{**CALL, "event_id": "a"}, {**CALL, "output_tokens": -1}])
    log = make_log(tmp_path)
    result = ingest_stream(landing, log, "agent_calls")
    assert (result.rows, result.quarantined) == (1, 1)
    with duckdb.connect() as con:
        rows = con.execute("select stream, source_file, source_line, reason from read_parquet(?)",
                           [str(log.lake / "_quarantine" / "agent_calls" / "*.parquet")]).fetchall()
    assert rows == [("agent_calls", "agent_calls/canonical/a.jsonl", 2,
                     "output_tokens is negative")]


def test_an_unknown_format_folder_is_an_error_naming_it(tmp_path):
    landing = landing_with(tmp_path, [CALL])
    (landing / "agent_calls" / "copilot_export").mkdir()
    log = make_log(tmp_path)
    try:
        ingest_stream(landing, log, "agent_calls")
    except LandingError as error:
        assert "copilot_export" in str(error)
    else:
        raise AssertionError("an unknown format folder was accepted")
    (landing / "billing").mkdir()
    try:
        check_landing(landing)
    except LandingError as error:
        assert "billing" in str(error)
    else:
        raise AssertionError("an unknown landing folder was accepted")


PEOPLE_HEADER = "email,name,team,annual_cost_usd,aliases"


@pytest.mark.parametrize("text, outcome", [
    ("\ufeff" + PEOPLE_HEADER + "\r\nada@x.example,Ada,core,100,\r\n", ["Ada"]),
    (PEOPLE_HEADER + '\nada@x.example,"O\'Neil ""Ada""; <b>\nsecond line</b> ✓",core,1,\n',
     ["O'Neil \"Ada\"; <b>\nsecond line</b> ✓"]),
    ("", "not a readable CSV"),
    (PEOPLE_HEADER + "\nada@x.example,Ada,core,100,,extra\n", "not a readable CSV"),
    (PEOPLE_HEADER + ",Team\nada@x.example,Ada,core,100,,c\n", "team appear more than once"),
    ("email,name\nada@x.example,Ada\n", "missing column(s) team, annual_cost_usd, aliases"),
])
def test_a_reference_file_loads_or_fails_in_one_line_naming_it(tmp_path, text, outcome):
    """Reference files are hand-kept: BOM, CRLF, quotes and newlines in a value load; a file
    that is not the CSV it should be stops the run naming the file and what is wrong."""
    path = tmp_path / "people.csv"
    path.write_text(text, encoding="utf-8", newline="")
    if isinstance(outcome, list):
        assert read_reference_csv(path, "people")["name"].to_pylist() == outcome
        return
    with pytest.raises(LandingError) as raised:
        read_reference_csv(path, "people")
    assert str(raised.value).startswith(f"{path}: ") and outcome in str(raised.value)
