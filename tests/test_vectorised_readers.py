"""Each format has one mapping; the ways a file reaches it (canonical JSONL whole or line
by line; LiteLLM as a CSV DuckDB reads, a CSV only Python's tokenizer takes, or JSON; OTLP as
JSON lines or one pretty-printed document) give the same rows and reasons, odd values
included."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime

import pyarrow as pa
import pyarrow.compute  # noqa: F401
import pytest

from pipelines.sources.agent_calls import canonical, litellm, otlp
from pipelines.sources.reading.lines import numbered_lines

ODD_VALUES = [0, -3, 12.0, 12.5, "12", " 7 ", "12.0", "x", "", None, True, 10**13, 1e300,
              "NaN", [1], {"a": 1}, "🦆", "０１２"]


def _call_lines() -> list[str]:
    good = {"event_id": "e", "occurred_at": "2026-10-05T10:00:00Z", "provider": "anthropic",
            "model": "claude-sonnet-4-5", "person_email": "ada@example.com",
            "input_tokens": 10, "output_tokens": 5, "tags": {"task": "planning"}}
    lines = []
    for field in ("input_tokens", "output_tokens", "occurred_at", "model", "person_email",
                  "reported_cost_usd", "tags", "task_class", "prompt", "request_count"):
        for number, value in enumerate(ODD_VALUES):
            lines.append(json.dumps(dict(good, event_id=f"{field}-{number}", **{field: value})))
    lines.append(json.dumps({"occurred_at": "2026-10-05T10:00:00Z", "provider": "openai",
                             "model": "gpt-5", "user_key": "k", "prompt": "fix the typo",
                             "tags": ["task:trivial", "feature:PAY-1"], "extra": {"x": 1}}))
    return lines


def _both_canonical(path):
    fast = canonical._check_whole_file("agent_calls", path)
    slow = canonical.check_batches("agent_calls", numbered_lines(path))
    return fast, slow


def _assert_same(fast, slow):
    assert fast is not None, "the vectorised reader refused a file it should take"
    for ours, theirs in zip(fast[:2], slow[:2], strict=True):
        if ours is None or theirs is None:
            assert ours is None and theirs is None
            continue
        ours, theirs = ours.sort_by("source_line"), theirs.sort_by("source_line")
        assert ours.column_names == theirs.column_names
        for name in ours.column_names:
            assert ours[name].to_pylist() == theirs[name].to_pylist(), name


def test_canonical_whole_file_agrees_with_line_path(tmp_path):
    path = tmp_path / "calls.jsonl"
    path.write_text("\n".join(_call_lines()) + "\n")
    fast, slow = _both_canonical(path)
    _assert_same(fast, slow)
    assert slow[0].num_rows > 20 and slow[1].num_rows > 20  # both kinds of row exercised


@pytest.mark.parametrize("text", ['{"a": 1}\n\n{"b": 2}\n', '{"a": 1}\n{"b": \n',
                                  '[1, 2]\n{"a": 1}\n'])
def test_canonical_whole_file_declines_what_only_lines_can_number(tmp_path, text):
    path = tmp_path / "calls.jsonl"
    path.write_text(text)
    assert canonical._check_whole_file("agent_calls", path) is None


LITELLM_COLUMNS = ["request_id", "startTime", "model", "custom_llm_provider", "user",
                   "api_key", "prompt_tokens", "completion_tokens", "spend", "metadata",
                   "request_tags", "messages", "session_id"]


def _litellm_rows() -> list[dict]:
    base = {"request_id": "r", "startTime": "2026-10-05T10:00:00.000Z",
            "model": "claude-sonnet-4-5", "custom_llm_provider": "anthropic", "user": "gw-ada",
            "api_key": "", "prompt_tokens": "1200", "completion_tokens": "50",
            "spend": "0.01", "metadata": json.dumps({"usage_object": {
                "cache_read_input_tokens": 900, "cache_creation_input_tokens": 200}}),
            "request_tags": '["task:implementation"]', "messages": "", "session_id": ""}
    variants = [
        {"prompt_tokens": v} for v in ("", "12.0", "-5", "x", " 30 ", "99999999999999999")
    ] + [
        {"completion_tokens": v} for v in ("", "1.5", "-1", "nan")
    ] + [
        {"metadata": json.dumps(m)} for m in (
            {}, {"usage_object": None}, {"usage_object": {"cache_read_input_tokens": 0,
             "prompt_tokens_details": {"cached_tokens": 100}}},
            {"usage_object": {"cache_read_input_tokens": "40"}},
            {"usage_object": {"cache_read_input_tokens": 4.5}},
            {"usage_object": {"cache_read_input_tokens": True}},
            {"usage_object": {"cache_creation_input_tokens": [1]}},
            {"tags": ["task:trivial"], "user_api_key_user_id": "gw-meta",
             "custom_llm_provider": "openai", "session_id": "s-meta"}, [1, 2])
    ] + [
        {"metadata": "not json"}, {"request_tags": "[]"}, {"request_tags": '{"task": "planning"}'},
        {"request_tags": "plain"}, {"user": "", "api_key": "sk-live-secret"},
        {"user": "", "api_key": "a" * 64}, {"user": "", "api_key": ""},
        {"custom_llm_provider": "", "model": "openai/gpt-5"},
        {"custom_llm_provider": "", "model": " gpt-5 "},
        {"model": "anthropic/claude-haiku-4-5"}, {"startTime": ""}, {"startTime": "yesterday"},
        {"spend": "-1"}, {"spend": "abc"}, {"session_id": "s1"}, {"request_id": ""},
        {"request_tags": "", "messages": json.dumps([
            {"role": "user", "content": "first"}, {"role": "assistant", "content": "ok"},
            {"role": "user", "content": "rename the variable"}])},
        {"request_tags": "", "messages": json.dumps([
            {"role": "user", "content": [{"type": "text", "text": "plan the"},
                                         {"type": "image"}, {"type": "text", "text": "",
                                                             "content": "migration"}]}])},
        {"request_tags": "", "messages": json.dumps([{"role": "user", "parts": [
            {"type": "text", "content": "hello"}]}])},
        {"request_tags": "", "messages": json.dumps([{"role": "user", "content": None}])},
        {"request_tags": "", "messages": "[broken"},
        {"model": "", "custom_llm_provider": ""}, {"user": "ünï 'q\"; drop"},
    ]
    return [dict(base, **{"request_id": f"r{number}", **variant})
            for number, variant in enumerate(variants)]


def _csv(rows: list[dict], columns: list[str]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns)
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def _without_raw(part):
    """Rows and reasons; the quarantine's text differs by shape (a CSV row, a JSON object)."""
    valid, rejected, skipped = part
    return valid, None if rejected is None else rejected.drop_columns(["raw"]), skipped


def test_litellm_csv_json_and_tokenised_csv_agree(tmp_path):
    rows = _litellm_rows()
    path = tmp_path / "spend.csv"
    path.write_text(_csv(rows, LITELLM_COLUMNS))
    duckdb_csv = litellm._read_csv(path)
    tokenised = canonical.merged(litellm.run_on_texts(
        litellm._json_query(False, "{}", False), litellm._csv_texts(path), renumber=False))
    _assert_same(_without_raw(duckdb_csv), _without_raw(tokenised))
    as_json = tmp_path / "spend.json"
    as_json.write_text(json.dumps(rows))
    from_json = canonical.merged(litellm.read_litellm_parts(as_json))
    # JSON rows are numbered 1, 2, …; CSV rows by their line (the header is line 1)
    renumbered = from_json.valid.set_column(
        from_json.valid.schema.get_field_index("source_line"), "source_line",
        pa.compute.add(from_json.valid["source_line"], 1))
    assert renumbered.sort_by("source_line").drop_columns(["event_id"]).equals(
        duckdb_csv.valid.sort_by("source_line").drop_columns(["event_id"]))
    assert duckdb_csv.valid.num_rows > 20 and duckdb_csv.rejected.num_rows > 5


def test_litellm_csv_with_a_ragged_row_and_quoted_newlines(tmp_path):
    path = tmp_path / "spend.csv"
    path.write_text("request_id,startTime,model,custom_llm_provider,user,messages\n"
                    'a,2026-10-05T10:00:00Z,gpt-5,openai,gw-ada,"x\ny"\n')
    valid, rejected = litellm.read_litellm(path)
    # a CSV record's number (the header is 1): its line unless a value holds a newline
    assert valid["source_line"].to_pylist() == [2] and rejected is None
    path.write_text("request_id,startTime,model,prompt_tokens\n"
                    "a,2026-10-05T10:00:00Z,gpt-5,10\n"
                    "b,2026-10-05T10:00:00Z,gpt-5,10,extra,cells\n"
                    "c,2026-10-05T10:00:00Z,gpt-5,10\n")
    assert litellm._read_csv(path) is None  # DuckDB's strict reader refuses the ragged row
    valid, rejected = litellm.read_litellm(path)
    assert valid["request_id"].to_pylist() == ["a", "b", "c"] and rejected is None


# ---- OTLP GenAI spans ----------------------------------------------------------------------
def _any_values(value) -> list:
    """The ways an OTLP/JSON exporter may write one value (ints as strings or numbers)."""
    if isinstance(value, bool):
        return [{"boolValue": value}]
    if isinstance(value, int):
        return [{"intValue": str(value)}, {"intValue": value}]
    if isinstance(value, float):
        return [{"doubleValue": value}]
    if value is None:
        return [{"stringValue": None}, {"kvlistValue": {"values": []}}, {}]
    return [{"stringValue": value}]


def _span(number: int, attributes: dict, **fields) -> dict:
    attrs = [{"key": "gen_ai.system", "value": {"stringValue": "openai"}},
             {"key": "gen_ai.request.model", "value": {"stringValue": "gpt-5"}},
             {"key": "gen_ai.usage.output_tokens", "value": {"intValue": "5"}}]
    attrs += [{"key": key, "value": value} for key, value in attributes.items()]
    return {"traceId": f"t{number}", "spanId": f"s{number}",
            "startTimeUnixNano": "1791364500123456789", "attributes": attrs, **fields}


def _otlp_lines() -> list[str]:
    token_keys = ["gen_ai.usage.input_tokens", "gen_ai.usage.prompt_tokens",
                  "gen_ai.usage.cache_read.input_tokens",
                  "gen_ai.usage.cache_creation_input_tokens", "gen_ai.usage.output_tokens"]
    text_keys = ["gen_ai.provider.name", "gen_ai.response.model", "user.email", "user.id",
                 "enduser.id", "service.name", "gen_ai.conversation.id", "gen_ai.response.id",
                 "tokenroi.task", "tokenroi.feature", "gen_ai.prompt"]
    odd = [0, -3, 12.0, 12.5, 10**13, 1e300, True, False, "12", " 7 ", "12.0", "x", "", None,
           "🦆", "０１２", "ada@acme.example", " gw-bo ", "az.ai.openai", "trivial"]
    spans = []
    for key in token_keys + text_keys:
        for value in odd:
            if key.endswith(".id") and value == 1e300:
                continue  # a float user id: Python writes 1e+300, DuckDB 1e300
            for any_value in _any_values(value):
                spans.append(_span(len(spans), {key: any_value}))
    messages = [
        [{"role": "user", "content": "first"}, {"role": "user", "content": "fix the typo"}],
        [{"role": "user", "parts": [{"type": "text", "content": "plan the migration"},
                                    {"type": "image"}]}],
        [{"role": "user", "content": ""}], [{"role": "assistant", "content": "hi"}], {"a": 1}]
    for transcript in messages:
        for prompt in (None, "what are my macros"):
            attributes = {"gen_ai.input.messages": {"stringValue": json.dumps(transcript)}}
            if prompt:
                attributes["gen_ai.prompt"] = {"stringValue": prompt}
            spans.append(_span(len(spans), attributes))
    spans.append(_span(len(spans), {"gen_ai.input.messages": {"stringValue": "[broken"}}))
    spans.append(_span(len(spans), {"gen_ai.input.messages": {"intValue": "4"}}))
    for start in (None, "", "x", 1.5, 1791364500e9, -5, "99999999999999999999999",
                  "1791364500000000500", "1791364500000001500", 253402300800 * 10**9, True):
        spans.append(_span(len(spans), {}, startTimeUnixNano=start))
    spans.append({"spanId": "no-trace", "startTimeUnixNano": "1791364500000000000",
                  "attributes": [{"key": "gen_ai.usage.input_tokens", "value": {"intValue": "3"}},
                                 {"key": "gen_ai.request.model", "value": "raw text"}]})
    # a span's attribute overrides the resource's; the last of a repeated key wins
    spans.append(_span(len(spans), {"user.email": {"stringValue": "bo@acme.example"}}))
    spans[-1]["attributes"] += [{"key": "gen_ai.request.model", "value": {"stringValue": "o3"}}]
    plain = {"traceId": "p", "spanId": "p", "attributes": [
        {"key": "http.method", "value": {"stringValue": "GET"}},
        {"key": "tags", "value": {"arrayValue": {"values": [{"stringValue": "x"}]}}}]}
    resource = {"attributes": [{"key": "user.email", "value": {"stringValue": "ada@acme.example"}},
                               {"key": "service.name", "value": {"stringValue": "agent"}}]}
    lines = []
    for start in range(0, len(spans), 7):  # several spans, scopes and resources per export
        chunk = spans[start:start + 7]
        lines.append(json.dumps({"resourceSpans": [
            {"resource": resource, "scopeSpans": [{"spans": chunk[:3]}, {"spans": [plain]}]},
            {"scopeSpans": [{"spans": chunk[3:]}]}]}))
        if start % 21 == 0:
            lines.append("")  # blank lines do not count: spans are numbered, not lines
    return lines


def test_otlp_json_lines_and_one_document_agree(tmp_path):
    lines = _otlp_lines()
    path = tmp_path / "otel.jsonl"
    path.write_text("\n".join(lines) + "\n")
    as_lines = canonical.merged(otlp.read_otlp_parts(path))
    # the same exports as one pretty-printed document (one request listing every resource)
    document = {"resourceSpans": [resource for line in lines if line
                                  for resource in json.loads(line)["resourceSpans"]]}
    pretty = tmp_path / "otel.json"
    pretty.write_text(json.dumps(document, indent=2))
    as_document = canonical.merged(otlp.read_otlp_parts(pretty))
    _assert_same(as_lines, as_document)
    plain_spans = sum(1 for line in lines if line)  # one plain span per export
    assert as_lines.skipped == as_document.skipped == {"not_a_model_request": plain_spans}
    assert as_lines.valid.num_rows > 100 and as_lines.rejected.num_rows > 50
    reasons = set(as_lines.rejected["reason"].to_pylist())
    assert {"startTimeUnixNano is out of range", "missing required field occurred_at",
            "gen_ai.usage.input_tokens is not a whole number"} <= reasons


def test_otlp_sub_microsecond_start_times_round_as_python_does(tmp_path):
    starts = [1791364500123456789, 1791364500000000500, 1791364500000001500, 999, -1500]
    path = tmp_path / "otel.jsonl"
    path.write_text(json.dumps({"resourceSpans": [{"scopeSpans": [{"spans": [
        _span(n, {"user.id": {"stringValue": "gw-ada"}}, startTimeUnixNano=str(start))
        for n, start in enumerate(starts)]}]}]}) + "\n")
    valid, _ = otlp.read_otlp(path)
    expected = [datetime.fromtimestamp(start / 1e9, UTC).replace(tzinfo=None) for start in starts]
    assert valid.sort_by("source_line")["occurred_at"].to_pylist() == expected


@pytest.mark.parametrize(("export", "outcome"), [
    ({"resourceLogs": [{"scopeLogs": [{"logRecords": [{"body": {"stringValue": "x"}}]}]}]},
     {"skipped": {"other_event": 1}}),
    ({"resourceSpans": [{"scopeSpans": [{"spans": [_span(1, {"gen_ai.request.model": {
        "arrayValue": {"values": [{"stringValue": "gpt-5"}]}}})]}]}]},
     {"reason": "model is not a single value"}),
    ({"resourceSpans": {"not": "a list"}}, {"reason": "resourceSpans is not a list"}),
    ({"resourceSpans": [{"scopeSpans": [{"spans": [7]}]}]},
     {"reason": "an entry of spans is not an object"}),
    ({"resourceSpans": []}, {"skipped": {"empty_export": 1}}),
    ({"traces": []}, {"reason": "not an OTLP export (no resourceSpans or resourceLogs)"}),
])
def test_otlp_exports_of_odd_shapes_are_each_accounted_for(tmp_path, export, outcome):
    path = tmp_path / "otel.jsonl"
    path.write_text(json.dumps(export) + "\n" + '{"resourceSpans": [\n')
    valid, rejected, skipped = canonical.merged(otlp.read_otlp_parts(path))
    reasons = [] if rejected is None else rejected["reason"].to_pylist()
    assert valid is None and reasons[-1] == "malformed JSON"
    assert reasons[:-1] == ([outcome["reason"]] if "reason" in outcome else [])
    assert skipped == outcome.get("skipped", {})
