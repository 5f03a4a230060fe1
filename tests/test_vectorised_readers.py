"""The vectorised readers (a whole file in one DuckDB pass) agree with the record-by-record
path on every value the contract cares about, including the odd ones; a file they cannot
take falls back to the record path."""

from __future__ import annotations

import csv
import io
import json

import pytest

from pipelines.adapters import canonical, litellm
from pipelines.adapters.lines import numbered_lines

ODD_VALUES = [0, -3, 12.0, 12.5, "12", " 7 ", "12.0", "x", "", None, True, 10**13, 1e300,
              "NaN", [1], {"a": 1}, "🦆"]


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
    fast, slow = litellm._read_csv_whole(path), litellm._read_records(path)
    _assert_same(fast, slow)
    assert slow[0].num_rows > 20 and slow[1].num_rows > 5


def test_litellm_csv_with_few_columns_and_quoted_newlines(tmp_path):
    path = tmp_path / "spend.csv"
    path.write_text("request_id,startTime,model,prompt_tokens\n"
                    "a,2026-10-05T10:00:00Z,gpt-5,10\n")
    _assert_same(litellm._read_csv_whole(path), litellm._read_records(path))
    path.write_text("request_id,startTime,model,custom_llm_provider,user,messages\n"
                    'a,2026-10-05T10:00:00Z,gpt-5,openai,gw-ada,"x\ny"\n')
    assert litellm._read_csv_whole(path) is None  # the line numbers need the record path
    valid, rejected = litellm.read_litellm(path)
    assert valid["source_line"].to_pylist() == [3] and rejected is None
