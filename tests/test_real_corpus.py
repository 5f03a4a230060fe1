"""The readers on files nobody here wrote: records in exactly the shapes real exporters
produce (vendors' documented examples, other projects' fixtures), under
tests/fixtures/real/<format>/ with the origin of every shape in its SOURCES.md and the
numbers worked out by hand from each source's documented convention in its expected.json
(never from tokenroi's output).

Every record of every file is accounted for (loaded, quarantined, or skipped by a named
rule) and every call's disjoint token buckets, request count, reported cost, identity and
time equal the hand computation.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pipelines.sources.agent_calls.canonical import merged
from pipelines.sources.registry import AGENT_CALL_ADAPTERS

REAL = Path(__file__).parent / "fixtures" / "real"
BUCKETS = ("input_tokens", "cache_read_tokens", "cache_write_tokens", "cache_write_1h_tokens",
           "output_tokens")
# format folder -> (the corpus folder, how an expected call's source_id is found on a row)
CORPORA = {
    "claude_code": (REAL / "claude_code", lambda row: row["event_id"].split(":", 1)[1]),
    "otlp": (REAL / "otlp", lambda row: (
        row["event_id"].rsplit(":", 1)[1] if row["event_id"].startswith("otlp:span:")
        else row["request_id"] or "{}@{}.{:03d}Z".format(
            row["session_id"], row["occurred_at"].strftime("%Y-%m-%dT%H:%M:%S"),
            row["occurred_at"].microsecond // 1000))),
    "litellm": (REAL / "litellm", lambda row: row["request_id"]),
    "openai_usage": (REAL / "usage_exports" / "openai_usage", None),
    "anthropic_usage": (REAL / "usage_exports" / "anthropic_usage", None),
}
# The cost endpoints: bill lines in money, no tokens (expected calls carry amount and day).
COST_CORPORA = {
    "openai_costs": (REAL / "usage_exports" / "openai_costs", None),
    "anthropic_costs": (REAL / "usage_exports" / "anthropic_costs", None),
}


def _read(fmt: str) -> tuple[dict, dict[str, object]]:
    folder, _ = (CORPORA | COST_CORPORA)[fmt]
    expected = json.loads((folder / "expected.json").read_text())
    adapter = AGENT_CALL_ADAPTERS[fmt]
    return expected, {name: merged(adapter.read(folder / name, folder))
                      for name in expected["files"]}


@pytest.mark.parametrize("fmt", sorted(CORPORA | COST_CORPORA))
def test_every_record_of_a_real_export_is_loaded_quarantined_or_skipped_by_rule(fmt):
    expected, parts = _read(fmt)
    for name, want in expected["files"].items():
        part = parts[name]
        loaded = 0 if part.valid is None else part.valid.num_rows
        quarantined = 0 if part.rejected is None else part.rejected.num_rows
        assert (loaded, quarantined, part.skipped) == (
            want["loaded"], want["quarantined"], want.get("skipped", {})), name
        assert loaded + quarantined + sum(part.skipped.values()) == want["records"], name
    refused = {(name, row["source_line"]) for name, part in parts.items()
               if part.rejected is not None for row in part.rejected.to_pylist()}
    assert refused == {(q["file"], q["record"]) for q in expected["quarantine"]}


def _rows(fmt: str, parts: dict) -> dict:
    """Each call once, keyed as the expected calls are: a message a subagent transcript
    replays, or a row two overlapping exports repeat, has one event id (the warehouse keeps
    one row per event id)."""
    _, key = CORPORA[fmt]
    rows, seen = {}, set()
    for name, part in parts.items():
        for row in [] if part.valid is None else part.valid.to_pylist():
            if row["event_id"] in seen:
                continue
            seen.add(row["event_id"])
            rows[key(row) if key else (name, row["source_line"])] = row
    return rows


@pytest.mark.parametrize("fmt", sorted(CORPORA))
def test_real_calls_have_the_hand_computed_buckets_identity_and_time(fmt):
    expected, parts = _read(fmt)
    rows = _rows(fmt, parts)
    calls = {call["source_id"] if CORPORA[fmt][1] else (call["file"], call["record"]): call
             for call in expected["calls"]}
    assert set(rows) == set(calls)
    for key, call in calls.items():
        row = rows[key]
        assert tuple(row[b] for b in BUCKETS) == tuple(call[b] for b in BUCKETS), key
        if call.get("request_count") is not None:
            assert row["request_count"] == call["request_count"], key
        reported = call.get("reported_cost_usd")
        assert row["reported_cost_usd"] == pytest.approx(reported, abs=1e-12) if reported \
            is not None else row["reported_cost_usd"] is None, key
        # spend without a person is still spend: the best identity the record has, else unknown
        identity = row["person_email"] or row["user_key"]
        assert identity == (call.get("identity") or identity if fmt.endswith("_usage")
                            else call.get("identity") or "unknown"), key
        assert row["occurred_at"].isoformat()[:19] == call["occurred_at"][:19], key
        # the model id without a LiteLLM-style "provider/" prefix
        assert row["model"] == (call["model"].split("/", 1)[1] if row["provider"]
                                and (call["model"] or "").startswith(f"{row['provider']}/")
                                else call["model"]), key
        # a provider the record names (its spelling lower-cased); where it names none, the
        # warehouse infers it from the model (test_real_corpus_publishes)
        assert row["provider"] in (call["provider"], None), key
        if call.get("speed") == "fast":
            assert row["speed"] == "fast", key


@pytest.mark.parametrize("fmt", sorted(COST_CORPORA))
def test_real_cost_lines_have_the_hand_computed_amount_day_line_model_and_identity(fmt):
    from decimal import Decimal

    expected, parts = _read(fmt)
    rows = {(name, row["source_line"]): row for name, part in parts.items()
            for row in ([] if part.valid is None else part.valid.to_pylist())}
    calls = {(call["file"], call["record"]): call for call in expected["calls"]}
    assert set(rows) == set(calls)
    assert len({row["event_id"] for row in rows.values()}) == len(rows)  # re-ingest: same ids
    for key, call in calls.items():
        row = rows[key]
        # exact decimals: Anthropic's cents already divided by 100 in expected.json
        assert Decimal(row["bill_amount_usd"]) == Decimal(call["amount"]), key
        assert call["currency"].upper() == "USD"
        assert row["occurred_at"].date().isoformat() == call["day"], key
        assert row["provider"] == call["provider"], key
        assert row["bill_line_item"] == call.get("line_item", call.get("description")), key
        if "cost_type" in call:
            assert row["bill_cost_type"] == call["cost_type"], key
        assert row["model"] == call["model"], key
        # an org-wide line (no api key, project or workspace) is the organization's
        assert row["user_key"] == (call["identity"] or f"{call['provider']}-organization"), key
        assert row["source"] == fmt and row["request_count"] == 0, key
        assert all(row[b] == 0 for b in BUCKETS), key
    total = sum(Decimal(row["bill_amount_usd"]) for row in rows.values())
    assert total == Decimal(expected["totals"]["amount_by_currency"]["USD"])


# Hand-computed catalog costs: the call's buckets (expected.json) × the list price per
# million tokens (Anthropic's price page for Claude Sonnet 4 — $3 input, $0.30 cache read,
# $3.75 5-minute write, $15 output — and Opus 4.1 — $15, $1.50, $18.75, $75; LiteLLM's map
# for gpt-4.1-mini — $0.40, $0.10, $1.60 — and Vertex's gemini-2.0-flash — $0.15, $0.60).
HAND_COSTS = {
    # 4 × 3 + 27,188 × 3.75 + 611 × 15 = 111,132 → $0.111132
    "msg_01abLAPN6VarKvWDMFHENibT": "0.111132",
    # 6 × 3 + 27,188 × 0.30 + 702 × 3.75 + 88 × 15 = 12,126.9 → $0.0121269
    "msg_01BKToACXIDTi8YJuGIFarAQ": "0.0121269",
    # 4 × 15 + 24,113 × 18.75 + 147 × 75 = 463,203.75 → $0.46320375
    "msg_01d2YmqjTFMoL8P4RIOaZu44": "0.46320375",
    # 812 × 0.40 + 24 × 1.60 = 363.2 → $0.0003632 (no provider on the span: openai, inferred)
    "otlp:5d4ffc25659ddfb8": "0.0003632",
    # 1,003 × 0.15 + 88 × 0.60 = 203.25 → $0.00020325 (inferred: vertex_ai, the only
    # provider LiteLLM's map lists gemini-2.0-flash under)
    "otlp:8d36a267bedd7416": "0.00020325",
}


@pytest.mark.e2e
def test_the_real_corpus_publishes_with_default_thresholds_and_nothing_vanishes(tmp_path):
    from decimal import Decimal

    from test_real_crm import assert_crm_deals_converted, land_crm_corpus

    from conftest import Workspace

    workspace = Workspace(tmp_path / "data")
    calls = workspace.landing / "agent_calls"
    for fmt, (folder, _) in (CORPORA | COST_CORPORA).items():
        for name in json.loads((folder / "expected.json").read_text())["files"]:
            target = calls / fmt / name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes((folder / name).read_bytes())
    reference = workspace.landing / "reference"
    reference.mkdir(parents=True)
    (reference / "people.csv").write_text("email,name,team,annual_cost_usd,aliases\n"
                                          "ana@example.com,Ana,platform,180000,\n"
                                          "bo@example.com,Bo,web,150000,bo\n")
    (reference / "budgets.csv").write_text("scope,scope_id,monthly_limit_usd\norg,acme,1000\n")
    (reference / "features.csv").write_text("feature_key,name,product_area\n")
    land_crm_corpus(workspace.landing)  # deals in their currencies (test_real_crm.py)
    workspace.run()  # succeeds: every blocking check passed, with default thresholds

    accounted = {(source_file.split("/", 2)[1], source_file.split("/", 2)[2]):
                 (records, loaded, quarantined, skipped)
                 for source_file, records, loaded, quarantined, skipped in workspace.query(
                     "select source_file, records, loaded, quarantined, skipped "
                     "from marts.fct_ingested_files where stream = 'agent_calls'")}
    expected = {(fmt, name): (want["records"], want["loaded"], want["quarantined"],
                              sum(want.get("skipped", {}).values()))
                for fmt, (folder, _) in (CORPORA | COST_CORPORA).items()
                for name, want in json.loads((folder / "expected.json").read_text())[
                    "files"].items()}
    assert accounted == expected
    months = [m for (m,) in workspace.query(
        "select month from marts.fct_monthly_headlines order by month")]
    assert months[0] == "2025-05" and months[-1] == "2026-05" and len(months) == 13
    costs = dict(workspace.query(
        "select replace(event_id, 'claude_code:', ''), cost_usd "
        "from marts.fct_agent_calls where source = 'claude_code'"))
    spans = dict(workspace.query(
        "select 'otlp:' || split_part(event_id, ':', 4), cost_usd from marts.fct_agent_calls "
        "where event_id like 'otlp:span:%'"))
    for key, cost in HAND_COSTS.items():
        assert (spans if key.startswith("otlp:") else costs)[key] == Decimal(cost), key
    assert workspace.query("select count(*) from marts.fct_agent_calls "
                           "where cost_source = 'unpriced'")[0][0] == 0

    # The bill at the grain it has. No per-call log of the corpus falls on a bill's
    # provider-day below (the logged days are listed in the expected.json files), so each
    # row's coverage is 0 and its remainder is the whole bill.
    bill = {(provider, str(day), model): row for provider, day, model, *row in workspace.query(
        "select provider, day, model, grain, bill_source, billed_cost_usd, non_token_cost_usd, "
        "billed_tokens, unlogged_tokens, unlogged_cost_usd, telemetry_coverage, coverage_basis "
        "from marts.fct_bill_reconciliation")}
    # Usage pages grouped by no model (model null): per provider and day, in tokens (no
    # price without a model) = input + cache read + cache writes + output of expected.json.
    model_less_tokens = {
        ("openai", "2025-11-03"): 16466 + 31744 + 9134,  # 57,344
        ("openai", "2025-11-10"): 118377 + 7702,  # 126,079
        ("openai", "2025-11-11"): 1717087 + 1187328 + 81230,  # 2,985,645
        ("openai", "2025-11-13"): 36137 + 4480 + 31288,  # 71,905
        ("openai", "2025-11-14"): 917 + 1406,  # 2,323
        # two hourly buckets of one day: 35,421 + 38,474
        ("anthropic", "2025-08-04"): 131 + 18906 + 15872 + 512 + 96 + 34778 + 2310 + 1290,
        ("anthropic", "2025-09-01"): 23871 + 1406322 + 88412 + 61530,  # 1,580,135
        ("anthropic", "2025-09-03"): 15502 + 512774 + 20480 + 32768 + 40219,  # 621,743
    }
    for (provider, day), tokens in model_less_tokens.items():
        assert bill[(provider, day, None)] == [
            "provider_day", "usage_export", None, 0, tokens, tokens, None, 0.0, "tokens"], day
    # The cost endpoints: expected.json's exact dollar amounts (Anthropic's cents / 100),
    # summed per provider, model (from the line) and day; a line naming no model (the day
    # without group_by, web search, code execution, storage, sessions) per provider and day.
    # (billed, of which tokens cannot price it)
    cost_bill = {
        ("openai", "2025-10-06", None): ("2.46177125", "0"),  # no group_by: the day's bill
        ("openai", "2025-10-08", None): ("0.734219", "0"),
        ("openai", "2026-05-11", "gpt-4.1"): ("9.928505", "0"),  # 3.385785 + 0.41472 + 6.128
        ("openai", "2026-05-11", "gpt-4o-mini"): ("0.021345", "0"),
        ("openai", "2026-05-11", None): ("0.275", "0.275"),  # web search tool calls
        ("openai", "2026-05-12", "gpt-5.4"): ("9.06125", "0"),  # priority, long context
        ("openai", "2026-05-12", "gpt-4.1"): ("7.7595425", "0"),  # 2.9071425 + 4.8524
        ("openai", "2026-05-12", None): ("0.0410958904109589", "0.0410958904109589"),
        # "Text tokens" 17.30 + "Web search tool calls" "0.95"
        ("openai", "2026-05-13", None): ("18.25", "0.95"),
        ("openai", "2026-05-14", None): ("6.4", "0"),
        # 1.9512 + 0.90112 + 0.3072 + 4.3941
        ("openai", "2026-05-15", "gpt-5.5"): ("7.55362", "0"),
        # web search 0.5 + Vector storage 0.30000000000000004, exact
        ("openai", "2026-05-15", None): ("0.80000000000000004", "0.80000000000000004"),
        # (1843.29105 + 2671.2 + 66.35583 + 412.0125) / 100
        ("anthropic", "2025-08-01", "claude-sonnet-4"): ("49.9285938", "0"),
        ("anthropic", "2025-08-01", None): ("2.655", "2.655"),  # web search 2.30 + code 0.355
        ("anthropic", "2025-08-11", None): ("52.30448205", "0"),  # 5230.448205 cents
        ("anthropic", "2025-08-13", None): ("18.779", "0"),
        ("anthropic", "2026-04-20", "claude-opus-4-6"): ("54.72625", "0"),  # 9.625 + 45.10125
        ("anthropic", "2026-04-20", "claude-sonnet-4-6"): ("2.88", "0"),
        ("anthropic", "2026-04-20", None): ("0.48", "0.48"),  # Managed Agents sessions
        ("anthropic", "2026-04-21", "claude-haiku-4-5"): ("0.137741", "0"),
        ("anthropic", "2026-04-21", None): ("0.7", "0.7"),  # web search
    }
    for key, (billed, non_token) in cost_bill.items():
        grain, source, billed_usd, non_token_usd, tokens, _, unlogged_usd, coverage, basis = \
            bill[key]
        assert (grain, source, tokens, coverage, basis) == (
            "provider_day" if key[2] is None else "provider_model_day", "cost_endpoint", None,
            0.0, "cost"), key
        assert (billed_usd, non_token_usd, unlogged_usd) == (
            Decimal(billed), Decimal(non_token), Decimal(billed)), key
    # ... and every dollar of them is spend: booked as unlogged at the provider's amount
    # (each row kept to 12 decimal places): 63.28634864041095894 and 182.59106685 in all.
    booked = dict(workspace.query(
        "select provider, sum(cost_usd) from marts.fct_agent_calls where is_unlogged "
        "and source like '%_costs' and cost_source = 'reported' group by provider"))
    assert abs(booked["openai"] - Decimal("63.28634864041095894")) < Decimal("1e-9")
    assert abs(booked["anthropic"] - Decimal("182.59106685")) < Decimal("1e-9")

    # Deals in their currency (tests/test_real_crm.py): each in US dollars at its close
    # date's rate, to 6 decimals; the one no rate prices has a reason and no revenue.
    assert_crm_deals_converted(workspace)
