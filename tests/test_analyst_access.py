"""What an analyst meets: a documented warehouse that stays readable while a run replaces it."""

from __future__ import annotations

import json
import subprocess
import sys
import time

import duckdb
import pytest

from conftest import TOKENROI, Workspace

pytestmark = pytest.mark.e2e

PEOPLE = "email,name,team,annual_cost_usd,aliases\nada@acme.example,Ada,payments,120000,\n"


def _calls(prefix: str, n: int, day: str) -> str:
    return "".join(json.dumps({
        "event_id": f"{prefix}{i}", "occurred_at": f"{day}T10:{i % 60:02d}:00Z",
        "provider": "anthropic", "model": "claude-sonnet-4-5", "person_email": "ada@acme.example",
        "input_tokens": 1_000_000, "output_tokens": 0}) + "\n" for i in range(n))


def _count_in_new_process(workspace: Workspace) -> int:
    """Rows seen by a fresh process (in this one DuckDB would reuse the open instance)."""
    code = ("import duckdb, sys; con = duckdb.connect(sys.argv[1], read_only=True); "
            "print(con.execute('select count(*) from marts.fct_agent_calls').fetchall()[0][0])")
    done = subprocess.run([sys.executable, "-c", code, str(workspace.warehouse)],
                          capture_output=True, text=True, check=True)
    return int(done.stdout.split()[0])


@pytest.fixture(scope="module")
def published(tmp_path_factory) -> Workspace:
    workspace = Workspace(tmp_path_factory.mktemp("analyst") / "data")
    calls = workspace.landing / "agent_calls" / "canonical"
    calls.mkdir(parents=True)
    # sonnet 4.5 input at $3 per Mtok: 20 calls of 1M tokens = $60
    (calls / "first.jsonl").write_text(_calls("a", 20, "2026-10-05"))
    (workspace.landing / "reference").mkdir()
    (workspace.landing / "reference" / "people.csv").write_text(PEOPLE)
    workspace.run()
    return workspace


def test_tables_and_columns_carry_the_dbt_docs(published):
    [(table_comment,)] = published.query(
        "select comment from duckdb_tables() where schema_name = 'marts' "
        "and table_name = 'fct_spend_daily'")
    assert table_comment.startswith("Spend per day, person, model and task class.")
    columns = dict(published.query(
        "select column_name, comment from duckdb_columns() where schema_name = 'marts' "
        "and table_name = 'fct_monthly_headlines' and comment is not null"))
    assert columns["total_spend_change"].startswith("Relative change of the projected spend")
    assert published.query("select round(total_spend_usd, 2) from marts.fct_monthly_headlines"
                           ) == [(60,)]


def test_a_read_only_connection_keeps_working_during_and_after_a_run(published):
    con = duckdb.connect(str(published.warehouse), read_only=True)
    try:
        before = con.execute("select count(*) from marts.fct_agent_calls").fetchall()[0][0]
        assert before == 20
        (published.landing / "agent_calls" / "canonical" / "second.jsonl").write_text(
            _calls("b", 5, "2026-10-06"))
        run = subprocess.Popen([TOKENROI, "run"], env=published.env(), text=True,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        answers_during = 0
        while run.poll() is None:
            # the analyst's connection answers throughout, from the snapshot it opened
            assert con.execute("select count(*) from marts.fct_agent_calls"
                               ).fetchall()[0][0] == before
            answers_during += 1
            time.sleep(0.2)
        out, err = run.communicate()
        assert run.returncode == 0, out + err
        assert answers_during > 10  # the run took seconds, the connection answered all along
        assert con.execute("select count(*) from marts.fct_agent_calls"
                           ).fetchall()[0][0] == before
        assert _count_in_new_process(published) == 25  # a new connection sees the new file
    finally:
        con.close()
