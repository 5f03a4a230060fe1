"""Canonical JSONL → canonical rows and quarantined lines, on hand-written samples."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from pathlib import Path

from pipelines.sources.agent_calls.canonical import read_canonical_jsonl

GOOD = {"event_id": "e1", "occurred_at": "2026-10-02T09:30:00+02:00", "provider": "anthropic",
        "model": "claude-opus-4-6", "person_email": "ada@acme.example", "input_tokens": 1200,
        "cache_read_tokens": "50000", "output_tokens": 800, "tags": {"task": "planning"},
        "prompt": "Plan the billing migration"}


def write_lines(tmp_path: Path, lines: list[str]) -> Path:
    path = tmp_path / "calls.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_valid_call_is_typed_in_utc_and_the_prompt_is_replaced_by_its_hash(tmp_path):
    valid, rejected = read_canonical_jsonl("agent_calls", write_lines(tmp_path, [json.dumps(GOOD)]))
    assert rejected is None
    row = valid.to_pylist()[0]
    assert row["occurred_at"] == datetime(2026, 10, 2, 7, 30)
    assert (row["input_tokens"], row["cache_read_tokens"], row["output_tokens"]) == (1200, 50000,
                                                                                     800)
    assert (row["cache_write_tokens"], row["cache_write_1h_tokens"]) == (0, 0)
    assert row["task_class"] == "planning"
    assert row["prompt_sha256"] == hashlib.sha256(b"Plan the billing migration").hexdigest()
    assert row["prompt_chars"] == len("Plan the billing migration")
    assert "prompt" not in valid.column_names
    assert row["source"] == "canonical" and row["request_count"] == 1 and row["source_line"] == 1


def test_bad_lines_are_rejected_with_line_and_reason_while_good_ones_load(tmp_path):
    lines = [
        json.dumps(GOOD),
        '{"occurred_at": "2026-10-02T09:30:00Z", "provider": "openai"',  # truncated
        json.dumps({**GOOD, "event_id": "e3", "output_tokens": -5}),
        json.dumps({**GOOD, "event_id": "e4", "occurred_at": "not a time"}),
        json.dumps({**GOOD, "event_id": "e5", "occurred_at": "2099-01-01T00:00:00Z"}),
        "",  # blank lines are not records
        json.dumps({k: v for k, v in GOOD.items() if k != "person_email"} | {"event_id": "e7"}),
        json.dumps({**GOOD, "event_id": "e8", "input_tokens": 12.5}),
        "[1, 2, 3]",
        json.dumps({**GOOD, "event_id": "e10", "model": ""}),
        json.dumps({**GOOD, "event_id": "e11", "user_key": "gw-1", "person_email": None}),
    ]
    valid, rejected = read_canonical_jsonl("agent_calls", write_lines(tmp_path, lines))
    assert valid["event_id"].to_pylist() == ["e1", "e11"]
    assert valid["source_line"].to_pylist() == [1, 11]
    assert {row["source_line"]: row["reason"] for row in rejected.to_pylist()} == {
        2: "malformed JSON",
        3: "output_tokens is negative",
        4: "occurred_at is not a timestamp",
        5: "occurred_at is in the future",
        7: "missing required field person_email or user_key",
        8: "input_tokens is not a whole number",
        9: "not a JSON object",
        10: "missing required field model",
    }
    assert rejected.to_pylist()[0]["raw"] == lines[1]


def test_event_id_defaults_to_a_hash_of_the_normalised_record(tmp_path):
    without_id = {k: v for k, v in GOOD.items() if k != "event_id"}
    first, _ = read_canonical_jsonl("agent_calls", write_lines(tmp_path, [json.dumps(without_id)]))
    # Same record, other key order and spacing: the same event.
    reordered = json.dumps(dict(reversed(list(without_id.items()))), indent=None,
                           separators=(" ,", ": "))
    second, _ = read_canonical_jsonl("agent_calls", write_lines(tmp_path, [reordered]))
    assert first["event_id"].to_pylist() == second["event_id"].to_pylist()
    assert len(first["event_id"][0].as_py()) == 64


def test_tags_may_be_a_list_and_untagged_prompts_are_classified(tmp_path):
    no_prompt = {k: v for k, v in GOOD.items() if k not in ("prompt", "tags")}
    lines = [json.dumps({**GOOD, "tags": ["task:trivial", "feature:PAY-7"]}),
             # an unknown tag value falls back to the classifier over the prompt
             json.dumps({**GOOD, "event_id": "e2", "tags": {"task": "chitchat"}}),
             json.dumps({**no_prompt, "event_id": "e3"}),
             json.dumps({**no_prompt, "event_id": "e4", "prompt": "what are my macros"})]
    valid, _ = read_canonical_jsonl("agent_calls", write_lines(tmp_path, lines))
    assert valid["task_class"].to_pylist() == ["trivial", "planning", "unknown", "non_work"]
    assert valid["feature_key"].to_pylist() == ["PAY-7", None, None, None]
    assert valid["prompt_text"].to_pylist() == [None] * 4  # not kept unless opted in


def test_crlf_and_byte_order_mark_are_accepted(tmp_path):
    path = tmp_path / "calls.jsonl"
    path.write_bytes(b"\xef\xbb\xbf" + json.dumps(GOOD).encode() + b"\r\n"
                     + json.dumps({**GOOD, "event_id": "e2"}).encode() + b"\r\n")
    valid, rejected = read_canonical_jsonl("agent_calls", path)
    assert valid["event_id"].to_pylist() == ["e1", "e2"] and rejected is None


def test_deal_events_carry_feature_lists_and_dates(tmp_path):
    event = {"event_id": "d1-1", "deal_id": "D1", "occurred_at": "2026-10-01T10:00:00Z",
             "sequence": 1, "event_type": "closed_won", "amount_usd": 12000.5,
             "close_date": "2026-10-01", "features": ["PAY-1", "PAY-2"]}
    valid, rejected = read_canonical_jsonl("deal_events", write_lines(tmp_path, [
        json.dumps(event), json.dumps({**event, "event_id": "d1-2", "features": "PAY-1"})]))
    row = valid.to_pylist()[0]
    assert row["features"] == ["PAY-1", "PAY-2"] and row["amount_usd"] == 12000.5
    assert str(row["close_date"]) == "2026-10-01"
    assert rejected.to_pylist()[0]["reason"] == "features is not a list"


def test_prompt_text_is_kept_only_when_the_user_opts_in(tmp_path):
    from pipelines.settings import resolve_settings
    from pipelines.sources.reading.options import reading

    path = write_lines(tmp_path, [json.dumps(GOOD)])
    valid, _ = read_canonical_jsonl("agent_calls", path)
    assert valid["prompt_text"].to_pylist() == [None]
    opted_in = resolve_settings(environ={"TOKENROI_KEEP_PROMPTS": "1"})
    with reading(opted_in.read):
        valid, _ = read_canonical_jsonl("agent_calls", path)
    assert valid["prompt_text"].to_pylist() == ["Plan the billing migration"]
