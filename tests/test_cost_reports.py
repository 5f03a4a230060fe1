"""The cost-endpoint readers on broken records: a bad line is quarantined with its
number and reason, the good lines of the same file still load, and a re-read gives the
same event ids (so a re-landed page never counts twice)."""

from __future__ import annotations

import json
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipelines.sources.agent_calls.canonical import merged
from pipelines.sources.agent_calls.cost_reports import (
    openai_line_model,
    read_anthropic_costs_parts,
    read_openai_costs_parts,
)


def _openai_page(*results: dict) -> dict:
    return {"object": "page", "data": [{"object": "bucket", "start_time": 1778457600,
                                        "end_time": 1778544000, "results": list(results)}]}


def test_a_broken_openai_cost_line_is_quarantined_and_the_rest_of_the_file_loads(tmp_path):
    page = tmp_path / "costs.json"
    page.write_text(json.dumps(_openai_page(
        {"amount": {"value": "1.25", "currency": "usd"}, "line_item": "gpt-4.1, input"},
        {"amount": {"value": "n/a", "currency": "usd"}, "line_item": "gpt-4.1, output"},
        {"amount": {"value": 2.5, "currency": "eur"}, "line_item": None},
        {"amount": {"value": -0.5, "currency": "usd"}, "line_item": "credit"},
        {"line_item": "web search tool calls"},
        {"amount": {"value": 0.1, "currency": "usd"}, "line_item": "Vector storage"})))
    part = merged(read_openai_costs_parts(page))
    assert [(r["source_line"], r["bill_amount_usd"]) for r in part.valid.to_pylist()] == [
        (1, "1.25"), (6, "0.1")]
    assert {r["source_line"]: r["reason"] for r in part.rejected.to_pylist()} == {
        2: "amount.value is not a number",
        3: "amount.currency is 'eur': bills are reconciled in USD only",
        4: "amount.value is negative (a credit is not spend)",
        5: "amount is missing"}
    again = merged(read_openai_costs_parts(page))
    assert again.valid["event_id"].to_pylist() == part.valid["event_id"].to_pylist()


def test_anthropic_cents_become_exact_dollars_and_a_line_without_amount_is_refused(tmp_path):
    pages = tmp_path / "cost_report.jsonl"
    bucket = {"starting_at": "2026-04-20T00:00:00Z", "ending_at": "2026-04-21T00:00:00Z"}
    pages.write_text("\n".join([
        json.dumps({"data": [bucket | {"results": [
            {"amount": "0.000000000000000001", "currency": "USD", "cost_type": "tokens",
             "description": "Claude Opus 4.6 Usage - Input Tokens", "model": "claude-opus-4-6",
             "workspace_id": None},
            {"amount": None, "currency": "USD", "cost_type": "web_search"}]}]}),
        "{not json",
        json.dumps({"data": [bucket | {"results": [{"amount": 12345, "currency": "USD"}]}]}),
    ]) + "\n")
    part = merged(read_anthropic_costs_parts(pages))
    # 1e-18 cents = 1e-20 dollars; 12345 cents = $123.45
    assert [Decimal(r["bill_amount_usd"]) for r in part.valid.to_pylist()] == [
        Decimal("1E-20"), Decimal("123.45")]
    assert {r["source_line"]: r["reason"].split(" (")[0]
            for r in part.rejected.to_pylist()} == {2: "amount is missing", 3: "malformed JSON"}


def test_an_openai_line_item_names_its_model_before_the_first_comma():
    assert openai_line_model("priority | gpt-5.4-2026-03-05, output, long context") == \
        "gpt-5.4-2026-03-05"
    assert openai_line_model("gpt-4o-mini-2024-07-18, cached input") == "gpt-4o-mini-2024-07-18"
    assert openai_line_model("web search tool calls") is None
    assert openai_line_model("Realtime API, audio") is None
    assert openai_line_model(None) is None


_scalars = (st.none() | st.booleans() | st.integers(-(10**30), 10**30)
            | st.floats(allow_nan=True, allow_infinity=True)
            | st.sampled_from(["", "1e999", "NaN", "-0", "12.50", "０１２", "usd", "EUR", "🦆"]))
_values = st.recursive(_scalars, lambda inner: st.lists(inner, max_size=3)
                       | st.dictionaries(st.sampled_from(["value", "currency", "x"]), inner,
                                         max_size=3), max_leaves=6)
_OPENAI_PATHS = [("start_time",), ("end_time",), ("results",), ("results", 0, "amount"),
                 ("results", 0, "amount", "value"), ("results", 0, "amount", "currency"),
                 ("results", 0, "line_item"), ("results", 0, "project_id"),
                 ("results", 0, "api_key_id")]
_ANTHROPIC_PATHS = [("starting_at",), ("ending_at",), ("results",), ("results", 0, "amount"),
                    ("results", 0, "currency"), ("results", 0, "description"),
                    ("results", 0, "cost_type"), ("results", 0, "model"),
                    ("results", 0, "workspace_id")]


def _with(bucket: dict, path: tuple, value) -> dict:
    bucket = json.loads(json.dumps(bucket))
    node = bucket
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    return bucket


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(openai=st.tuples(st.sampled_from(_OPENAI_PATHS), _values),
       anthropic=st.tuples(st.sampled_from(_ANTHROPIC_PATHS), _values))
def test_cost_pages_never_crash_and_every_record_is_loaded_or_refused_with_a_reason(
        tmp_path, openai, anthropic):
    good_openai = {"start_time": 1778457600, "end_time": 1778544000, "results": [
        {"amount": {"value": 1.5, "currency": "usd"}, "line_item": "gpt-4.1, input"},
        {"amount": {"value": "0.25", "currency": "usd"}, "line_item": None}]}
    good_anthropic = {"starting_at": "2026-04-20T00:00:00Z", "ending_at": "2026-04-21T00:00:00Z",
                      "results": [{"amount": "150", "currency": "USD", "cost_type": "tokens",
                                   "model": "claude-opus-4-6", "workspace_id": "w"},
                                  {"amount": "25", "currency": "USD"}]}
    for reader, bucket, (path, value) in ((read_openai_costs_parts, good_openai, openai),
                                          (read_anthropic_costs_parts, good_anthropic,
                                           anthropic)):
        page = tmp_path / "page.json"
        page.write_text(json.dumps({"data": [_with(bucket, path, value), bucket]}))
        part = merged(reader(page))
        loaded = 0 if part.valid is None else part.valid.num_rows
        refused = [] if part.rejected is None else part.rejected["reason"].to_pylist()
        assert all(refused)
        assert loaded >= 2  # the untouched bucket's two lines load
        for amount in [] if part.valid is None else part.valid["bill_amount_usd"].to_pylist():
            assert Decimal(0) <= Decimal(amount) < Decimal(10) ** 12
