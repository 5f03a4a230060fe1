"""A build belongs to one event log: a build made from another log, from an older backup of
this one, or before batches were removed, is dropped and rebuilt, never mixed."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from conftest import Workspace
from pipelines.eventlog.provenance import foreign_build, record_build
from pipelines.eventlog.store import EventLog, ManifestEntry
from pipelines.sources.reference.reference_files import REFERENCE_SCHEMAS


def _log(path, batches=("b1", "b2")) -> EventLog:
    log = EventLog(path)
    log.ensure_layout(REFERENCE_SCHEMAS)
    for batch in batches:
        log.record(ManifestEntry("agent_calls", f"agent_calls/canonical/{batch}.jsonl",
                                 batch * 8, batch, 1, 0, "2026-10-01T00:00:00"))
    return log


def test_a_build_is_foreign_to_another_log_a_restored_log_and_a_log_missing_batches(tmp_path):
    build = tmp_path / "build" / "tokenroi_build.duckdb"
    lake_a, lake_b = _log(tmp_path / "a"), _log(tmp_path / "b")
    assert foreign_build(build, lake_a) is None  # no build yet
    build.parent.mkdir()
    build.write_bytes(b"")
    assert "does not say which event log" in foreign_build(build, lake_a)
    record_build(build, lake_a)
    assert foreign_build(build, lake_a) is None
    assert lake_a.lake_id() != lake_b.lake_id()
    assert "another event log" in foreign_build(build, lake_b)
    # the same log, with a batch the build read taken out (or an older backup restored)
    manifest = lake_a.manifest_path.read_text().splitlines(keepends=True)
    lake_a.manifest_path.write_text("".join(line for line in manifest if '"b2"' not in line))
    assert "1 batch(es) the build read are no longer" in foreign_build(build, lake_a)
    # a batch added since is what the next incremental build reads: the build still belongs
    record_build(build, lake_a)
    lake_a.record(ManifestEntry("agent_calls", "agent_calls/canonical/b3.jsonl", "c" * 64,
                                "b3", 1, 0, "2026-10-02T00:00:00"))
    assert foreign_build(build, lake_a) is None
    # a build recorded under another event contract (before an upgrade added a field)
    record = json.loads(build.with_name(build.name + ".eventlog.json").read_text())
    for contract in ("0123456789abcdef", None):
        record["contract"] = contract
        build.with_name(build.name + ".eventlog.json").write_text(json.dumps(record))
        assert "the event contract changed" in foreign_build(build, lake_a)


@pytest.mark.e2e
def test_a_run_on_another_lake_with_the_same_build_file_publishes_only_that_lake(tmp_path):
    """Lake A's org is built first; then lake B (another org) with the same build file: the
    warehouse holds B's spend to the cent, none of A's calls."""
    first = Workspace(tmp_path / "a")
    calls = first.landing / "agent_calls" / "canonical"
    calls.mkdir(parents=True)
    (calls / "a.jsonl").write_text("".join(json.dumps({  # $10 each (gpt-5: $10 per Mtok out)
        "event_id": f"a-{n}", "occurred_at": "2026-10-02T10:00:00Z", "provider": "openai",
        "model": "gpt-5", "person_email": "ada@acme.example", "output_tokens": 1_000_000})
        + "\n" for n in range(3)))
    (first.landing / "reference").mkdir()
    (first.landing / "reference" / "people.csv").write_text(
        "email,name,team,annual_cost_usd,aliases\nada@acme.example,Ada,payments,120000,\n")
    second = Workspace(tmp_path / "b")
    second.tokenroi("generate", "--out", str(second.landing), "--engineers", "6", "--days", "5",
                    "--seed", "29")
    truth_b = json.loads((second.landing / "truth.json").read_text())
    shared_build = str(tmp_path / "shared" / "tokenroi_build.duckdb")
    for workspace in (first, second):
        workspace.settings["TOKENROI_BUILD_DB"] = shared_build
        outcome = workspace.run()
        if workspace is first:
            assert first.query("select sum(cost_usd) from marts.fct_agent_calls") == [(30,)]
    assert any("another event log" in warning for warning in outcome.logged_warnings)
    total = second.query("select sum(cost_usd) from marts.fct_agent_calls")[0][0]
    assert round(total, 2) == round(Decimal(truth_b["total_spend_usd"]), 2)
