"""What a refused record keeps in the quarantine: its original text, so whoever fixes the
source sees the record's shape and numbers, with two kinds of value taken out.

- Prompts are read in memory and never stored (unless TOKENROI_KEEP_PROMPTS=1): every
  prompt-bearing value is replaced by its length.
- API keys are never stored as given, whatever the setting: each is replaced by its SHA-256
  (LiteLLM's already-hashed tokens stay as they are), as the event log stores them.
"""

from __future__ import annotations

import json
import re
from typing import Any

from pipelines.sources.reading.fields import hashed_key

# Keys whose values are what people wrote or were answered: tokenroi's own, LiteLLM's,
# the GenAI semconv attributes, Claude Code's events and transcripts, chat messages.
PROMPT_KEYS = frozenset({
    "prompt", "prompt_text", "messages", "response", "content", "text", "parts",
    "gen_ai.prompt", "gen_ai.completion", "gen_ai.input.messages", "gen_ai.output.messages",
    "gen_ai.system_instructions",
})
# Keys whose values are API keys: LiteLLM's SpendLogs column and its metadata's copy.
SECRET_KEYS = frozenset({"api_key", "user_api_key"})


def _broken_values(keys: frozenset[str]) -> re.Pattern:
    """In text that is not valid JSON (a truncated line): one of the keys' string values, up
    to its closing quote or the end of the text."""
    return re.compile(r'("(?:' + "|".join(re.escape(k) for k in sorted(keys)) + r')"\s*:\s*)'
                      r'"((?:[^"\\]|\\.)*)(?:"|$)')


_BROKEN_PROMPT, _BROKEN_SECRET = _broken_values(PROMPT_KEYS), _broken_values(SECRET_KEYS)


def _note(size: int) -> str:
    return f"[withheld: {size} characters; TOKENROI_KEEP_PROMPTS=1 keeps prompts]"


def _withheld(value: Any) -> str:
    return _note(len(value) if isinstance(value, str) else len(json.dumps(value)))


def _walk(node: Any, keep_prompts: bool) -> Any:
    if isinstance(node, dict):
        # an OTLP attribute: {"key": "gen_ai.input.messages", "value": {...}}
        if not keep_prompts and node.get("key") in PROMPT_KEYS and "value" in node:
            return {**node, "value": _withheld(node["value"])}
        return {key: _value(key, value, keep_prompts) for key, value in node.items()}
    if isinstance(node, list):
        return [_walk(item, keep_prompts) for item in node]
    if isinstance(node, str) and node[:1] in ("{", "["):
        # JSON held as text (a CSV column such as LiteLLM's metadata or messages)
        try:
            parsed = json.loads(node)
        except json.JSONDecodeError:
            return node
        walked = _walk(parsed, keep_prompts)
        return node if walked == parsed else json.dumps(walked)
    return node


def _value(key: str, value: Any, keep_prompts: bool) -> Any:
    if key in SECRET_KEYS and isinstance(value, str):
        return hashed_key(value) or value
    if key in PROMPT_KEYS and not keep_prompts and value not in (None, "", []):
        return _withheld(value)
    return _walk(value, keep_prompts)


def redact(raw: str, keep_prompts: bool = False) -> str:
    """The record's text with every API key hashed and, unless ``keep_prompts``, every
    prompt-bearing value replaced by its length (the text as it came when it holds none)."""
    try:
        parsed = json.loads(raw)
    except json.JSONDecodeError:
        text = _BROKEN_SECRET.sub(
            lambda m: m.group(1) + json.dumps(hashed_key(m.group(2)) or ""), raw)
        if keep_prompts:
            return text
        return _BROKEN_PROMPT.sub(
            lambda m: m.group(1) + json.dumps(_note(len(m.group(2)))), text)
    redacted = _walk(parsed, keep_prompts)
    return raw if redacted == parsed else json.dumps(redacted)  # untouched: as it came
