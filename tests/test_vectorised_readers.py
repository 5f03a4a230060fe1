"""The vectorised readers (a whole file in one DuckDB pass) agree with the record-by-record
path on every value the contract cares about, including the odd ones; a file they cannot
take falls back to the record path."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime

import pytest

from pipelines.adapters import canonical, litellm, otlp
from pipelines.adapters.lines import numbered_lines

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
    for ours, theirs in zip(fast, slow, strict=True):
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


def test_litellm_csv_sql_path_agrees_with_record_path(tmp_path):
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=LITELLM_COLUMNS)
    writer.writeheader()
    writer.writerows(_litellm_rows())
    path = tmp_path / "spend.csv"
    path.write_text(out.getvalue())
    fast = litellm._read_csv_whole(path, min_bytes=1)
    slow = canonical.joined(litellm._record_parts(path))
    _assert_same(fast, slow)
    assert slow[0].num_rows > 20 and slow[1].num_rows > 5


def test_litellm_csv_with_few_columns_and_quoted_newlines(tmp_path):
    path = tmp_path / "spend.csv"
    path.write_text("request_id,startTime,model,prompt_tokens\n"
                    "a,2026-10-05T10:00:00Z,gpt-5,10\n")
    _assert_same(litellm._read_csv_whole(path, min_bytes=1),
                 canonical.joined(litellm._record_parts(path)))
    path.write_text("request_id,startTime,model,custom_llm_provider,user,messages\n"
                    'a,2026-10-05T10:00:00Z,gpt-5,openai,gw-ada,"x\ny"\n')
    # the line numbers need the record path
    assert litellm._read_csv_whole(path, min_bytes=1) is None
    valid, rejected = litellm.read_litellm(path)
    assert valid["source_line"].to_pylist() == [3] and rejected is None


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


def test_otlp_spans_sql_path_agrees_with_record_path(tmp_path):
    path = tmp_path / "otel.jsonl"
    path.write_text("\n".join(_otlp_lines()) + "\n")
    fast = otlp._read_spans_whole(path, min_bytes=1)
    slow = canonical.joined(otlp._record_parts(path))
    _assert_same(fast, slow)
    assert slow[0].num_rows > 100 and slow[1].num_rows > 50  # both kinds of row exercised
    reasons = set(slow[1]["reason"].to_pylist())
    assert {"startTimeUnixNano is out of range", "missing required field startTimeUnixNano",
            "gen_ai.usage.input_tokens is not a whole number"} <= reasons


def test_otlp_sub_microsecond_start_times_round_as_python_does(tmp_path):
    starts = [1791364500123456789, 1791364500000000500, 1791364500000001500, 999, -1500]
    path = tmp_path / "otel.jsonl"
    path.write_text(json.dumps({"resourceSpans": [{"scopeSpans": [{"spans": [
        _span(n, {"user.id": {"stringValue": "gw-ada"}}, startTimeUnixNano=str(start))
        for n, start in enumerate(starts)]}]}]}) + "\n")
    fast = otlp._read_spans_whole(path, min_bytes=1)
    expected = [datetime.fromtimestamp(start / 1e9, UTC).replace(tzinfo=None) for start in starts]
    assert fast[0].sort_by("source_line")["occurred_at"].to_pylist() == expected


@pytest.mark.parametrize("export", [
    {"resourceLogs": [{"scopeLogs": [{"logRecords": [{"body": {"stringValue": "x"}}]}]}]},
    {"resourceSpans": [{"scopeSpans": [{"spans": [_span(1, {"gen_ai.request.model": {
        "arrayValue": {"values": [{"stringValue": "gpt-5"}]}}})]}]}]},
    {"resourceSpans": {"not": "a list"}},
])
def test_otlp_files_the_sql_path_leaves_to_the_record_path(tmp_path, export):
    path = tmp_path / "otel.jsonl"
    path.write_text(json.dumps(export) + "\n")
    assert otlp._read_spans_whole(path, min_bytes=1) is None
    path.write_text('{"resourceSpans": []}\n{"resourceSpans": [\n')
    assert otlp._read_spans_whole(path, min_bytes=1) is None


def test_small_files_take_the_record_path_and_large_ones_the_sql_path(tmp_path, monkeypatch):
    """Planning the SQL costs a tenth of a second a file: below SQL_PATH_MIN_BYTES Python
    is quicker. The dispatch is what is tested here (parity is tested above)."""
    export = json.dumps({"resourceSpans": [{"scopeSpans": [{"spans": [
        _span(1, {"user.id": {"stringValue": "gw-ada"}})]}]}]}) + "\n"
    small, large = tmp_path / "small.jsonl", tmp_path / "large.jsonl"
    small.write_text(export)
    large.write_text(export * (otlp.SQL_PATH_MIN_BYTES // len(export) + 1))

    def no_record_path(path):
        raise AssertionError(f"{path.name} went the record path")

    monkeypatch.setattr(otlp, "_record_parts", no_record_path)
    valid, rejected = otlp.read_otlp(large)
    assert valid.num_rows == large.read_text().count("\n") and rejected is None
    with pytest.raises(AssertionError, match="small.jsonl went the record path"):
        otlp.read_otlp(small)
