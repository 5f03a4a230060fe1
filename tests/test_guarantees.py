"""Event-log guarantees through the job's steps: an edited file adds only its new events."""

from __future__ import annotations

import json

import pytest

from conftest import Workspace

pytestmark = pytest.mark.e2e

PEOPLE = "email,name,team,annual_cost_usd,aliases\nada@acme.example,Ada,payments,180000,\n"


def call(event_id: str, output_tokens: int) -> str:
    return json.dumps({"event_id": event_id, "occurred_at": "2026-10-05T10:00:00Z",
                       "provider": "openai", "model": "gpt-5",
                       "person_email": "ada@acme.example", "output_tokens": output_tokens})


def test_an_edited_file_adds_only_its_new_events_and_the_newest_version_wins(tmp_path):
    workspace = Workspace(tmp_path)
    calls = workspace.landing / "agent_calls" / "canonical" / "calls.jsonl"
    calls.parent.mkdir(parents=True)
    (workspace.landing / "reference").mkdir()
    (workspace.landing / "reference" / "people.csv").write_text(PEOPLE)
    calls.write_text(call("a", 1_000_000) + "\n" + call("b", 1_000_000) + "\n")
    workspace.run()
    assert workspace.query("select count(*) from marts.fct_agent_calls")[0][0] == 2
    # Re-landed with a correction to "b" and a new "c": 3 events, "b" at its new size.
    calls.write_text(call("a", 1_000_000) + "\n" + call("b", 2_000_000) + "\n"
                     + call("c", 1_000_000) + "\n")
    workspace.run()
    rows = dict(workspace.query("select event_id, cost_usd from marts.fct_agent_calls"))
    # gpt-5: $10 per million output tokens
    assert {k: float(v) for k, v in rows.items()} == {"a": 10.0, "b": 20.0, "c": 10.0}
    # The second run merged only the new batch into the incremental staging tables: a
    # rebuild from the whole event log gives the same marts.
    incremental = workspace.query("select * from marts.fct_agent_calls order by event_id")
    daily = workspace.query("select * from marts.fct_spend_daily order by all")
    workspace.run(full_refresh=True)
    assert workspace.query("select * from marts.fct_agent_calls order by event_id") == incremental
    assert workspace.query("select * from marts.fct_spend_daily order by all") == daily
