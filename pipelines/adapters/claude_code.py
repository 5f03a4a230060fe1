"""Claude Code session transcripts → canonical agent calls.

Files come from each person's ``~/.claude/projects/<project>/<session>.jsonl`` (subagents
under ``<session>/subagents/``), landed as ``claude_code/<person>/**/*.jsonl``. Assistant
entries carry ``message.usage``; Claude Code writes one entry per content block, so the same
``message.id`` + ``requestId`` repeats with the same request's usage: it is counted once.
"""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa

from pipelines.adapters.canonical import SourceRecord, check_records
from pipelines.adapters.fields import BadValue, person_fields, repo_from_path, whole_number

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
    return {
        "event_id": f"{SOURCE}:{message_id}:{request_id}" if message_id or request_id else None,
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
        "repo": repo_from_path(entry.get("cwd")),
        "branch": entry.get("gitBranch") or None,
        "prompt": prompt,
    }


def read_claude_code(path: Path, person: str) -> tuple[pa.Table | None, pa.Table | None]:
    records: dict[str, SourceRecord] = {}
    refused: list[SourceRecord] = []
    prompt: str | None = None
    with path.open(encoding="utf-8-sig", errors="replace") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                entry = json.loads(line)
            except json.JSONDecodeError as error:
                refused.append(SourceRecord(number, line.rstrip("\n"),
                                            reason=f"malformed JSON ({error.msg})"))
                continue
            if not isinstance(entry, dict):
                refused.append(SourceRecord(number, line.rstrip("\n"),
                                            reason="not a JSON object"))
                continue
            message = entry.get("message")
            if entry.get("type") == "user" and isinstance(message, dict):
                prompt = _prompt_text(message) or prompt
                continue
            if (entry.get("type") != "assistant" or not isinstance(message, dict)
                    or "usage" not in message or message.get("model") == SYNTHETIC_MODEL):
                continue  # summaries, snapshots, system lines: not model requests
            try:
                call = _call(entry, person, prompt)
            except BadValue as error:
                refused.append(SourceRecord(number, line.rstrip("\n"), reason=str(error)))
                continue
            record = SourceRecord(number, line.rstrip("\n"), call)
            key = call["event_id"] or f"line:{number}"
            kept = records.get(key)
            # A repeated request keeps its most complete usage (the largest output count).
            if kept is None or _output(call) > _output(kept.canonical):
                records[key] = record
    return check_records("agent_calls", [*records.values(), *refused])


def _output(call: dict) -> int:
    try:
        return whole_number(call.get("output_tokens"), "output_tokens") or 0
    except BadValue:
        return -1
