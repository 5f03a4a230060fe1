"""Prompts are read in memory and never stored (unless TOKENROI_KEEP_PROMPTS=1): a record
the contract refuses keeps its original text in the quarantine, with every prompt-bearing
value withheld, so whoever fixes the source sees the record's shape and numbers, not what
someone asked a model.
"""

from __future__ import annotations

import json
import re
from typing import Any

# Keys whose values are what people wrote or were answered: tokenroi's own, LiteLLM's,
# the GenAI semconv attributes, Claude Code's events and transcripts, chat messages.
PROMPT_KEYS = frozenset({
    "prompt", "prompt_text", "messages", "response", "content", "text", "parts",
    "gen_ai.prompt", "gen_ai.completion", "gen_ai.input.messages", "gen_ai.output.messages",
    "gen_ai.system_instructions",
})
# In text that is not valid JSON (a truncated line): a prompt key's string value, up to its
# closing quote or the end of the text.
_BROKEN_VALUE = re.compile(
    r'("(?:' + "|".join(re.escape(k) for k in sorted(PROMPT_KEYS)) + r')"\s*:\s*)'
    r'"(?:[^"\\]|\\.)*("|$)')


def _note(size: int) -> str:
    return f"[withheld: {size} characters; TOKENROI_KEEP_PROMPTS=1 keeps prompts]"


def _withheld(value: Any) -> str:
    return _note(len(value) if isinstance(value, str) else len(json.dumps(value)))


def _walk(node: Any) -> Any:
    if isinstance(node, dict):
        # an OTLP attribute: {"key": "gen_ai.input.messages", "value": {...}}
        if node.get("key") in PROMPT_KEYS and "value" in node:
            return {**node, "value": _withheld(node["value"])}
        return {key: _withheld(value) if key in PROMPT_KEYS and value not in (None, "", [])
                else _walk(value) for key, value in node.items()}
    if isinstance(node, list):
        return [_walk(item) for item in node]
    if isinstance(node, str) and node[:1] in ("{", "["):
        # JSON held as text (a CSV column such as LiteLLM's metadata or messages)
        try:
            return json.dumps(_walk(json.loads(node)))
        except json.JSONDecodeError:
            return node
    return node


def withhold_prompts(raw: str) -> str:
    """The record's text with every prompt-bearing value replaced by its length (the text
    as it came when it holds none)."""
    try:
        parsed = json.loads(raw)
        withheld = _walk(parsed)
        return raw if withheld == parsed else json.dumps(withheld)  # untouched: as it came
    except json.JSONDecodeError:
        return _BROKEN_VALUE.sub(
            lambda m: m.group(1) + json.dumps(_note(len(m.group(0)) - len(m.group(1)) - 2)),
            raw)
