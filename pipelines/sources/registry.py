"""Every landing format tokenroi reads: one adapter each, registered here.

An adapter names its stream, the folder its files land in and their patterns, and reads a
file into ``Part``s (valid canonical rows, refused records, records skipped by rule). The
event log knows only this interface: a new format is an adapter and a line here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from pipelines.sources.agent_calls.canonical import Part, canonical_jsonl_parts
from pipelines.sources.agent_calls.claude_code import read_claude_code_parts
from pipelines.sources.agent_calls.cost_reports import (
    read_anthropic_costs_parts,
    read_openai_costs_parts,
)
from pipelines.sources.agent_calls.litellm import read_litellm_parts
from pipelines.sources.agent_calls.otlp import read_otlp_parts
from pipelines.sources.agent_calls.usage_exports import (
    read_anthropic_usage_parts,
    read_openai_usage_parts,
)
from pipelines.sources.crm.deal_exports import read_hubspot_parts


@dataclass(frozen=True)
class Adapter:
    """One landing format."""

    stream: str
    folder: str  # relative to the landing folder
    patterns: tuple[str, ...]
    # (the file, its format folder) -> its parts, each written as it comes
    read: Callable[[Path, Path], Iterator[Part]]


def _claude_code(path: Path, folder: Path) -> Iterator[Part]:
    # claude_code/<person>/<project>/<session>.jsonl: the first folder names the person
    return read_claude_code_parts(path, path.relative_to(folder).parts[0])


AGENT_CALL_ADAPTERS = {
    "canonical": Adapter("agent_calls", "agent_calls/canonical", ("*.jsonl",),
                         lambda p, _: canonical_jsonl_parts("agent_calls", p)),
    "claude_code": Adapter("agent_calls", "agent_calls/claude_code", ("*.jsonl",), _claude_code),
    "otlp": Adapter("agent_calls", "agent_calls/otlp", ("*.json", "*.jsonl"),
                    lambda p, _: read_otlp_parts(p)),
    "litellm": Adapter("agent_calls", "agent_calls/litellm", ("*.csv", "*.json", "*.jsonl"),
                       lambda p, _: read_litellm_parts(p)),
    "openai_usage": Adapter("agent_calls", "agent_calls/openai_usage", ("*.json", "*.jsonl"),
                            lambda p, _: read_openai_usage_parts(p)),
    "anthropic_usage": Adapter("agent_calls", "agent_calls/anthropic_usage",
                               ("*.json", "*.jsonl"), lambda p, _: read_anthropic_usage_parts(p)),
    # The cost endpoints: the bill in money, beside the usage buckets (the bill in tokens).
    "openai_costs": Adapter("agent_calls", "agent_calls/openai_costs", ("*.json", "*.jsonl"),
                            lambda p, _: read_openai_costs_parts(p)),
    "anthropic_costs": Adapter("agent_calls", "agent_calls/anthropic_costs",
                               ("*.json", "*.jsonl"), lambda p, _: read_anthropic_costs_parts(p)),
}

# One file per batch; Salesforce's export is a folder (a batch of its two files) and git a
# list of repositories: the event log's ingest handles those two itself.
FILE_ADAPTERS = {
    "commits/canonical": Adapter("commits", "git", ("*.jsonl",),
                                 lambda p, _: canonical_jsonl_parts("commits", p)),
    "deal_events/canonical": Adapter("deal_events", "crm/canonical", ("*.jsonl",),
                                     lambda p, _: canonical_jsonl_parts("deal_events", p)),
    "deal_events/hubspot": Adapter("deal_events", "crm/hubspot", ("*.json",),
                                   lambda p, _: read_hubspot_parts(p)),
}
