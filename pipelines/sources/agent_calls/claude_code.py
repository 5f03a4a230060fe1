"""Claude Code session transcripts → canonical agent calls.

Files come from each person's ``~/.claude/projects/<project>/<session>.jsonl`` (subagents
under ``<session>/subagents/``), landed as ``claude_code/<person>/**/*.jsonl``.

- A call is an assistant message with ``message.usage``. Claude Code writes one line per
  content block, so one ``message.id`` spans several lines: it is one call, with the usage
  of its last line (from 2.1 on only the last line carries the final ``output_tokens``) and
  the time of its first. Its event id is ``claude_code:<message.id>`` (else the request id):
  a subagent transcript that replays a parent's message under a new ``requestId`` collapses
  onto the parent's call in the warehouse, so a session's files count a message once.
- Older versions (0.2.x) write no top-level ``type``: the message's ``role`` says what a
  line is, and ``costUSD`` is the call's reported cost.
- ``message.usage`` holds Anthropic's disjoint buckets; ``cache_creation`` splits writes by
  TTL (5-minute and 1-hour; without it every write is a 5-minute one); ``speed`` is
  ``fast`` for fast mode.
- Every line is accounted for: a call, a refusal with its reason, or skipped by a rule:
  ``transcript_user``, ``transcript_summary``, ``transcript_system``, ``transcript_other``
  (snapshots, queue operations, progress…), ``synthetic_message`` (Claude Code's own
  ``<synthetic>`` notes), ``repeated_message`` (a further line of a message already
  counted) and ``assistant_without_usage``.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pyarrow as pa

from pipelines.sources.agent_calls.canonical import Part, SourceRecord, check_records, joined
from pipelines.sources.reading.fields import BadValue, person_fields, repo_from_path, whole_number

SOURCE = "claude_code"
SYNTHETIC_MODEL = "<synthetic>"  # Claude Code's placeholder for messages no model produced


def _prompt_text(message: dict) -> str | None:
    """The person's own words in a user entry (tool results are not prompts)."""
    content = message.get("content")
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        texts = [block["text"] for block in content
                 if isinstance(block, dict) and block.get("type") == "text"
                 and isinstance(block.get("text"), str)]
        return "\n".join(texts) if texts else None
    return None


def _call(entry: dict, person: str, prompt: str | None) -> dict:
    message = entry["message"]
    usage = message["usage"]
    if not isinstance(usage, dict):
        raise BadValue("message.usage is not an object")
    writes = whole_number(usage.get("cache_creation_input_tokens"), "cache_creation_input_tokens")
    split = usage.get("cache_creation")
    if isinstance(split, dict) and split:
        # Newer transcripts split cache writes by TTL; the total is their sum.
        write_5m = whole_number(split.get("ephemeral_5m_input_tokens"),
                                "ephemeral_5m_input_tokens")
        write_1h = whole_number(split.get("ephemeral_1h_input_tokens"),
                                "ephemeral_1h_input_tokens")
    else:
        write_5m, write_1h = writes, 0
    message_id, request_id = message.get("id"), entry.get("requestId")
    key = message_id or request_id
    return {
        "event_id": f"{SOURCE}:{key}" if isinstance(key, str) and key else None,
        "occurred_at": entry.get("timestamp"),
        "source": SOURCE,
        **person_fields(person),
        "tool": SOURCE,
        "session_id": entry.get("sessionId"),
        "request_id": request_id,
        "provider": "anthropic",
        "model": message.get("model"),
        # Anthropic's usage buckets are disjoint: input_tokens excludes cache reads and writes.
        "input_tokens": usage.get("input_tokens"),
        "cache_read_tokens": usage.get("cache_read_input_tokens"),
        "cache_write_tokens": write_5m,
        "cache_write_1h_tokens": write_1h,
        "output_tokens": usage.get("output_tokens"),
        "reported_cost_usd": entry.get("costUSD"),
        "speed": usage.get("speed") or None,
        "repo": repo_from_path(entry.get("cwd")),
        "branch": entry.get("gitBranch") or None,
        "prompt": prompt,
    }


SKIPPED_TYPES = {"user": "transcript_user", "summary": "transcript_summary",
                 "system": "transcript_system"}


def _line_kind(entry: dict) -> str | None:
    """The line's type; older versions write none, and the message's role says it."""
    kind = entry.get("type")
    if isinstance(kind, str) and kind:
        return kind
    message = entry.get("message")
    role = message.get("role") if isinstance(message, dict) else None
    return role if isinstance(role, str) else None


def read_claude_code_parts(path: Path, person: str) -> Iterator[Part]:
    records: dict[str, SourceRecord] = {}
    refused: list[SourceRecord] = []
    skipped: Counter[str] = Counter()
    prompt: str | None = None
    with path.open(encoding="utf-8-sig", errors="replace") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            original = line.rstrip("\n")
            try:
                entry = json.loads(line)
            except json.JSONDecodeError as error:
                refused.append(SourceRecord(number, original,
                                            reason=f"malformed JSON ({error.msg})"))
                continue
            if not isinstance(entry, dict):
                refused.append(SourceRecord(number, original, reason="not a JSON object"))
                continue
            kind, message = _line_kind(entry), entry.get("message")
            if kind == "user" and isinstance(message, dict):
                prompt = _prompt_text(message) or prompt
            if kind != "assistant":
                skipped[SKIPPED_TYPES.get(kind, "transcript_other")] += 1
                continue
            if not isinstance(message, dict) or "usage" not in message:
                skipped["assistant_without_usage"] += 1
                continue
            if message.get("model") == SYNTHETIC_MODEL:
                skipped["synthetic_message"] += 1
                continue
            try:
                call = _call(entry, person, prompt)
            except BadValue as error:
                refused.append(SourceRecord(number, original, reason=str(error)))
                continue
            key = call["event_id"] or f"line:{number}"
            kept = records.get(key)
            if kept is not None:
                # One message, several lines: the last line's usage, the first line's time.
                skipped["repeated_message"] += 1
                call["occurred_at"] = kept.canonical["occurred_at"]
                records[key] = SourceRecord(kept.source_line, original, call)
                continue
            records[key] = SourceRecord(number, original, call)
    yield check_records("agent_calls", [*records.values(), *refused], dict(skipped))


def read_claude_code(path: Path, person: str) -> tuple[pa.Table | None, pa.Table | None]:
    return joined(read_claude_code_parts(path, person))
