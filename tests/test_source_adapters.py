"""Each real export format → canonical token buckets, on samples shaped like the real thing.

Expected buckets are worked out by hand from each source's documented convention.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from pipelines.sources.agent_calls.canonical import merged
from pipelines.sources.agent_calls.claude_code import read_claude_code_parts
from pipelines.sources.agent_calls.litellm import read_litellm
from pipelines.sources.agent_calls.otlp import read_otlp, read_otlp_parts
from pipelines.sources.agent_calls.usage_exports import read_anthropic_usage, read_openai_usage

BUCKETS = ("input_tokens", "cache_read_tokens", "cache_write_tokens", "cache_write_1h_tokens",
           "output_tokens")


def buckets(row: dict) -> tuple:
    return tuple(row[b] for b in BUCKETS)


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


# ---- Claude Code -----------------------------------------------------------------------
def assistant(message_id, request_id, output, usage_extra=None, **entry):
    usage = {"input_tokens": 12, "cache_creation_input_tokens": 3000,
             "cache_read_input_tokens": 45000, "output_tokens": output,
             "service_tier": "standard", **(usage_extra or {})}
    return {"parentUuid": "p", "isSidechain": False, "userType": "external",
            "cwd": "/home/ada/src/acme-api", "sessionId": "5f0c-session",
            "version": "2.1.37", "gitBranch": "feature/PAY-12-retries", "type": "assistant",
            "message": {"id": message_id, "type": "message", "role": "assistant",
                        "model": "claude-opus-4-6", "content": [{"type": "text", "text": "ok"}],
                        "stop_reason": None, "usage": usage},
            "requestId": request_id, "uuid": f"u-{message_id}-{output}",
            "timestamp": "2026-10-05T09:15:02.120Z", **entry}


def test_claude_code_counts_a_repeated_request_once_with_its_final_usage(tmp_path):
    lines = [
        {"type": "summary", "summary": "Retry logic", "leafUuid": "x"},
        {"type": "user", "message": {"role": "user", "content": "Add retries to the client"},
         "sessionId": "5f0c-session", "timestamp": "2026-10-05T09:15:00.000Z"},
        assistant("msg_01", "req_01", 5),  # streamed blocks of one request repeat its usage
        assistant("msg_01", "req_01", 180),
        {"type": "user", "message": {"role": "user", "content": [
            {"type": "tool_result", "tool_use_id": "t1", "content": "done"}]}},
        assistant("msg_02", "req_02", 40, {"cache_creation": {"ephemeral_5m_input_tokens": 1000,
                                                              "ephemeral_1h_input_tokens": 2000}}),
        assistant("msg_03", "req_03", 0, model="<synthetic>") | {"message": {
            "id": "msg_03", "model": "<synthetic>", "usage": {"input_tokens": 0,
                                                              "output_tokens": 0}}},
    ]
    path = write(tmp_path, "claude_code/ada@acme.example/acme-api/5f0c.jsonl",
                 "\n".join(json.dumps(line) for line in lines) + "\n{\"type\": \"assist")
    valid, rejected, skipped = merged(read_claude_code_parts(path, "ada@acme.example"))
    rows = {r["request_id"]: r for r in valid.to_pylist()}
    # every line accounted for: 2 calls, 1 refused, 5 skipped by rule
    assert skipped == {"transcript_summary": 1, "transcript_user": 2, "repeated_message": 1,
                       "synthetic_message": 1}
    assert set(rows) == {"req_01", "req_02"}
    # input_tokens is already uncached; cache_creation without a TTL split counts as 5m.
    assert buckets(rows["req_01"]) == (12, 45000, 3000, 0, 180)
    assert buckets(rows["req_02"]) == (12, 45000, 1000, 2000, 40)
    first = rows["req_01"]
    assert (first["person_email"], first["repo"], first["branch"], first["session_id"]) == (
        "ada@acme.example", "acme-api", "feature/PAY-12-retries", "5f0c-session")
    assert (first["provider"], first["tool"], first["source"]) == ("anthropic", "claude_code",
                                                                   "claude_code")
    # the message id alone: a subagent's replay under a new requestId is the same call
    assert first["event_id"] == "claude_code:msg_01"
    assert first["prompt_chars"] == len("Add retries to the client")
    assert [(r["source_line"], r["reason"]) for r in rejected.to_pylist()] == [
        (8, "malformed JSON (Unterminated string starting at)")]


# ---- OTLP --------------------------------------------------------------------------------
def attr(key, value):
    if isinstance(value, bool):
        return {"key": key, "value": {"boolValue": value}}
    if isinstance(value, int):
        return {"key": key, "value": {"intValue": str(value)}}  # OTLP/JSON: int64 as string
    if isinstance(value, float):
        return {"key": key, "value": {"doubleValue": value}}
    return {"key": key, "value": {"stringValue": value}}


def test_otlp_genai_spans_subtract_cache_tokens_from_input(tmp_path):
    span_new = {"traceId": "a1", "spanId": "b1", "name": "chat gpt-5",
                "startTimeUnixNano": "1791364500000000000",
                "endTimeUnixNano": "1791364501000000000",
                "attributes": [attr("gen_ai.operation.name", "chat"),
                               attr("gen_ai.provider.name", "openai"),
                               attr("gen_ai.request.model", "gpt-5"),
                               attr("gen_ai.response.model", "gpt-5-2025-08-07"),
                               attr("gen_ai.usage.input_tokens", 10000),
                               attr("gen_ai.usage.cache_read.input_tokens", 8000),
                               {"key": "gen_ai.usage.output_tokens", "value": {"intValue": 700}},
                               attr("gen_ai.conversation.id", "conv-9"),
                               attr("gen_ai.input.messages", json.dumps([
                                   {"role": "user", "parts": [{"type": "text",
                                                               "content": "thanks"}]}]))]}
    span_old = {"traceId": "a2", "spanId": "b2", "startTimeUnixNano": 1791364600000000000,
                "attributes": [attr("gen_ai.system", "anthropic"),
                               attr("gen_ai.request.model", "claude-sonnet-4-5"),
                               attr("gen_ai.usage.input_tokens", 5000),
                               attr("gen_ai.usage.cache_read.input_tokens", 3000),
                               attr("gen_ai.usage.cache_creation.input_tokens", 1500),
                               attr("gen_ai.usage.output_tokens", 90),
                               attr("enduser.id", "gw-ada")]}
    plain_span = {"traceId": "a3", "spanId": "b3", "startTimeUnixNano": "1791364600000000000",
                  "attributes": [attr("http.method", "GET")]}
    bad_span = {"traceId": "a4", "spanId": "b4", "startTimeUnixNano": "1791364600000000000",
                "attributes": [attr("gen_ai.system", "openai"), attr("gen_ai.request.model", "x"),
                               attr("gen_ai.usage.input_tokens", 100),
                               attr("gen_ai.usage.cache_read.input_tokens", 400),
                               attr("user.email", "ada@acme.example")]}
    api_request = {"timeUnixNano": "1791364700000000000", "body": {"stringValue":
                                                                   "claude_code.api_request"},
                   "attributes": [attr("event.name", "api_request"),
                                  attr("event.timestamp", "2026-10-05T09:18:20.000Z"),
                                  attr("model", "claude-opus-4-6"), attr("input_tokens", 20),
                                  attr("output_tokens", 310), attr("cache_read_tokens", 61000),
                                  attr("cache_creation_tokens", 2400),
                                  attr("cost_usd", 0.0587), attr("duration_ms", 5120),
                                  attr("session.id", "cc-session-1"),
                                  attr("prompt.id", "p-1"), attr("tokenroi.feature", "PAY-4")]}
    user_prompt = {"timeUnixNano": "1791364700000000000",
                   "attributes": [attr("event.name", "user_prompt"),
                                  attr("prompt_length", 19), attr("prompt.id", "p-1"),
                                  attr("prompt", "how's it going mate")]}
    export = {
        "resourceSpans": [{"resource": {"attributes": [attr("service.name", "billing-agent"),
                                                       attr("user.email", "ada@acme.example")]},
                           "scopeSpans": [{"scope": {"name": "openai"},
                                           "spans": [span_new, span_old, plain_span,
                                                     bad_span]}]}],
        "resourceLogs": [{"resource": {"attributes": [attr("service.name", "claude-code"),
                                                      attr("user.email", "bo@acme.example")]},
                          "scopeLogs": [{"logRecords": [api_request, user_prompt]}]}],
    }
    valid, rejected, skipped = merged(read_otlp_parts(write(tmp_path, "otlp/export.json",
                                                             json.dumps(export))))
    assert skipped == {"not_a_model_request": 1, "other_event": 1}
    rows = {r["event_id"] or r["session_id"]: r for r in valid.to_pylist()}
    assert buckets(rows["otlp:span:a1:b1"]) == (2000, 8000, 0, 0, 700)
    assert rows["otlp:span:a1:b1"]["model"] == "gpt-5-2025-08-07"
    assert rows["otlp:span:a1:b1"]["session_id"] == "conv-9"
    assert rows["otlp:span:a1:b1"]["task_class"] == "trivial"  # from the captured prompt
    assert rows["otlp:span:a2:b2"]["task_class"] == "unknown"  # no prompt, no tag
    assert rows["otlp:span:a1:b1"]["person_email"] == "ada@acme.example"  # from the resource
    assert buckets(rows["otlp:span:a2:b2"]) == (500, 3000, 1500, 0, 90)
    assert rows["otlp:span:a2:b2"]["provider"] == "anthropic"
    log_row = next(r for r in valid.to_pylist() if r["session_id"] == "cc-session-1")
    # Claude Code's own counters are Anthropic's disjoint buckets; cost_usd is reported.
    assert buckets(log_row) == (20, 61000, 2400, 0, 310)
    assert log_row["reported_cost_usd"] == 0.0587 and log_row["person_email"] == "bo@acme.example"
    # the user_prompt event (OTEL_LOG_USER_PROMPTS=1) gives the request its prompt's class
    assert (log_row["task_class"], log_row["prompt_chars"]) == ("non_work", 19)
    assert log_row["feature_key"] == "PAY-4"  # a tokenroi.feature attribute is a tag
    # cache larger than input: an exporter that copied Anthropic's disjoint buckets, read so
    assert buckets(rows["otlp:span:a4:b4"]) == (100, 400, 0, 0, 0)
    assert len(valid) == 4 and rejected is None


def test_otlp_json_lines_with_a_truncated_line(tmp_path):
    good = {"resourceSpans": [{"scopeSpans": [{"spans": [{
        "traceId": "t", "spanId": "s", "startTimeUnixNano": "1791364500000000000",
        "attributes": [attr("gen_ai.system", "openai"), attr("gen_ai.request.model", "gpt-5"),
                       attr("gen_ai.usage.input_tokens", 10), attr("gen_ai.usage.output_tokens", 1),
                       attr("user.id", "gw-ada")]}]}]}]}
    path = write(tmp_path, "otlp/spans.jsonl", json.dumps(good) + "\n" + '{"resourceSpans": [\n')
    valid, rejected = read_otlp(path)
    assert len(valid) == 1 and valid.to_pylist()[0]["user_key"] == "gw-ada"
    assert rejected.to_pylist()[0]["source_line"] == 2


def test_otlp_records_are_numbered_in_file_order_so_no_two_share_a_number(tmp_path):
    """A torn line and the span after it are both quarantined, under their own numbers: the
    quarantine is keyed by (file, number). A line holds many spans, so spans are numbered
    in file order, a line that is not JSON counting as one."""
    def export(*spans):
        return json.dumps({"resourceSpans": [{"scopeSpans": [{"spans": list(spans)}]}]})

    def span(name, tokens):
        return {"traceId": "t", "spanId": name, "startTimeUnixNano": "1791364500000000000",
                "attributes": [attr("gen_ai.system", "openai"), attr("gen_ai.request.model", "x"),
                               attr("gen_ai.usage.input_tokens", tokens), attr("user.id", "u")]}

    path = write(tmp_path, "otlp/spans.jsonl", "\n".join([
        export(span("a", 1)), '{"resourceSpans": [', export(span("b", -3), span("c", 2))]))
    valid, rejected = read_otlp(path)
    assert valid["event_id"].to_pylist() == ["otlp:span:t:a", "otlp:span:t:c"]
    assert [(r["source_line"], r["reason"]) for r in rejected.to_pylist()] == [
        (2, "malformed JSON"), (3, "input_tokens is negative")]


# ---- LiteLLM -------------------------------------------------------------------------------
LITELLM_ROWS = [
    {"request_id": "chatcmpl-1", "call_type": "acompletion",
     "api_key": "88dc28d0f030c55ed4ab77ed8faf098196cb1c05df778539800c9f1243fe6b4b",
     "spend": "0.0312", "total_tokens": "12500", "prompt_tokens": "12000",
     "completion_tokens": "500", "startTime": "2026-10-05 10:00:01.250",
     "endTime": "2026-10-05 10:00:04.000", "model": "claude-sonnet-4-5",
     "model_group": "claude-sonnet", "custom_llm_provider": "anthropic", "api_base": "",
     "user": "gw-ada",
     "metadata": json.dumps({"usage_object": {"completion_tokens": 500, "prompt_tokens": 12000,
                                              "cache_read_input_tokens": 9000,
                                              "cache_creation_input_tokens": 2000}}),
     "cache_hit": "False", "cache_key": "", "request_tags": '["task:implementation", '
                                                           '"feature:PAY-12"]',
     "team_id": "", "end_user": "",
     "messages": json.dumps([{"role": "system", "content": "You are helpful."},
                             {"role": "user", "content": "what are my macros"}])},
    {"request_id": "chatcmpl-2", "call_type": "acompletion", "api_key": "sk-live-secret",
     "spend": "0.0021", "total_tokens": "3100", "prompt_tokens": "3000",
     "completion_tokens": "100", "startTime": "2026-10-05 10:05:00",
     "endTime": "2026-10-05 10:05:01", "model": "openai/gpt-5-mini", "model_group": "",
     "custom_llm_provider": "", "api_base": "", "user": "",
     "metadata": json.dumps({"usage_object": {"prompt_tokens_details": {"cached_tokens": 2048}}}),
     "cache_hit": "", "cache_key": "", "request_tags": "[]", "team_id": "", "end_user": "",
     "messages": ""},
    {"request_id": "chatcmpl-3", "call_type": "acompletion", "api_key": "", "spend": "abc",
     "total_tokens": "10", "prompt_tokens": "5", "completion_tokens": "5",
     "startTime": "2026-10-05 10:06:00", "endTime": "", "model": "gpt-5", "model_group": "",
     "custom_llm_provider": "openai", "api_base": "", "user": "gw-ada", "metadata": "{}",
     "cache_hit": "", "cache_key": "", "request_tags": "", "team_id": "", "end_user": "",
     "messages": ""},
]


def test_litellm_csv_splits_cache_tokens_out_of_prompt_tokens(tmp_path):
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(LITELLM_ROWS[0]))
    writer.writeheader()
    writer.writerows(LITELLM_ROWS)
    valid, rejected = read_litellm(write(tmp_path, "litellm/spend.csv", out.getvalue()))
    rows = {r["request_id"]: r for r in valid.to_pylist()}
    # 12000 prompt = 1000 uncached + 9000 read + 2000 written
    assert buckets(rows["chatcmpl-1"]) == (1000, 9000, 2000, 0, 500)
    first = rows["chatcmpl-1"]
    assert (first["reported_cost_usd"], first["task_class"], first["feature_key"]) == (
        0.0312, "implementation", "PAY-12")
    assert first["user_key"] == "gw-ada" and first["provider"] == "anthropic"
    # the stored prompt is measured (the request tag decides the class), never kept
    assert first["prompt_chars"] == len("what are my macros")
    assert rows["chatcmpl-2"]["prompt_chars"] is None
    second = rows["chatcmpl-2"]
    assert buckets(second) == (952, 2048, 0, 0, 100)
    assert (second["provider"], second["model"]) == ("openai", "gpt-5-mini")
    # no user: the key identifies the caller, stored hashed, never as given
    assert second["user_key"] not in (None, "sk-live-secret") and len(second["user_key"]) == 64
    assert [(r["source_line"], r["reason"]) for r in rejected.to_pylist()] == [
        (4, "reported_cost_usd is not a number")]


def test_litellm_json_export(tmp_path):
    rows = [dict(LITELLM_ROWS[0], metadata=json.loads(LITELLM_ROWS[0]["metadata"]),
                 request_tags=["task:planning"])]
    valid, rejected = read_litellm(write(tmp_path, "litellm/spend.json", json.dumps(rows)))
    assert buckets(valid.to_pylist()[0]) == (1000, 9000, 2000, 0, 500)
    assert valid.to_pylist()[0]["task_class"] == "planning" and rejected is None


# ---- provider usage exports --------------------------------------------------------------
def test_openai_usage_buckets_subtract_cached_input(tmp_path):
    page = {"object": "page", "has_more": False, "next_page": None, "data": [
        {"object": "bucket", "start_time": 1791331200, "end_time": 1791417600, "results": [
            {"object": "organization.usage.completions.result", "input_tokens": 150000,
             "output_tokens": 9000, "input_cached_tokens": 120000, "input_audio_tokens": 0,
             "output_audio_tokens": 0, "num_model_requests": 42, "project_id": None,
             "user_id": None, "api_key_id": "key_ada", "model": "gpt-5.2-codex", "batch": None},
            {"object": "organization.usage.completions.result", "input_tokens": 10,
             "output_tokens": 1, "input_cached_tokens": 0, "num_model_requests": 1,
             "project_id": None, "user_id": None, "api_key_id": None, "model": None,
             "batch": None}]}]}
    valid, rejected = read_openai_usage(write(tmp_path, "openai_usage/p1.json", json.dumps(page)))
    row = valid.to_pylist()[0]
    assert buckets(row) == (30000, 120000, 0, 0, 9000)
    assert (row["request_count"], row["user_key"], row["source"]) == (42, "key_ada",
                                                                      "openai_usage")
    assert str(row["occurred_at"]) == "2026-10-07 00:00:00"
    # Not grouped by model (the API's default): still the bill, at the grain it has.
    org = valid.to_pylist()[1]
    assert (org["model"], org["provider"], org["user_key"]) == (None, "openai",
                                                                "openai-organization")
    assert buckets(org) == (10, 0, 0, 0, 1) and rejected is None


def test_anthropic_usage_buckets_are_already_disjoint(tmp_path):
    page = {"data": [{"starting_at": "2026-10-07T00:00:00Z", "ending_at": "2026-10-08T00:00:00Z",
                      "results": [{"uncached_input_tokens": 1500,
                                   "cache_creation": {"ephemeral_1h_input_tokens": 1000,
                                                      "ephemeral_5m_input_tokens": 500},
                                   "cache_read_input_tokens": 200, "output_tokens": 500,
                                   "server_tool_use": {"web_search_requests": 0},
                                   "api_key_id": "apikey_ada", "workspace_id": "wrkspc_1",
                                   "model": "claude-opus-4-6", "service_tier": "standard",
                                   "context_window": "0-200k"}]}],
            "has_more": False, "next_page": None}
    valid, rejected = read_anthropic_usage(write(tmp_path, "anthropic_usage/p.json",
                                                 json.dumps(page)))
    row = valid.to_pylist()[0]
    assert buckets(row) == (1500, 200, 500, 1000, 500)
    assert (row["request_count"], row["user_key"], row["provider"]) == (0, "apikey_ada",
                                                                        "anthropic")
    assert rejected is None
    again, _ = read_anthropic_usage(write(tmp_path, "anthropic_usage/p2.json", json.dumps(page)))
    assert again.to_pylist()[0]["event_id"] == row["event_id"]  # a re-export is the same event
