"""Write generated calls in every landing format docs/formats.md lists.

Each person logs through one channel (tokenroi JSONL, Claude Code transcripts, OpenTelemetry
or the LiteLLM proxy), as a real org would; the providers' usage exports (OpenAI, Anthropic)
bill everything, including the calls no log saw. ``Call`` is what the generator decided;
this module only writes it the way each tool would.
"""

from __future__ import annotations

import csv
import hashlib
import json
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

CHANNELS = {"canonical": 0.3, "claude_code": 0.25, "otlp": 0.2, "litellm": 0.25}
# What each channel can express (the truth book reads these, so it sees what the pipeline sees).
CARRIES_TAGS = {"canonical", "litellm", "otlp"}
CARRIES_REPO = {"canonical", "claude_code"}
CARRIES_1H_CACHE = {"canonical", "claude_code"}
CARRIES_PROMPT = {"canonical", "claude_code", "litellm", "otlp"}
EXPORTED_PROVIDERS = {"anthropic", "openai"}
LITELLM_HEADER = ["request_id", "call_type", "api_key", "spend", "total_tokens",
                  "prompt_tokens", "completion_tokens", "startTime", "endTime", "model",
                  "model_group", "custom_llm_provider", "api_base", "user", "metadata",
                  "cache_hit", "cache_key", "request_tags", "team_id", "end_user", "messages"]


@dataclass
class Call:
    occurred_at: datetime
    email: str
    gateway_id: str | None
    channel: str
    provider: str
    model: str
    tool: str
    session_id: str
    request_id: str
    tokens: dict[str, int]
    cost: Decimal
    repo: str | None
    branch: str | None
    tags: dict[str, str]
    prompt: str
    event_id: str | None = None
    use_alias: bool = False


def channel_view(call: Call, true_class: str) -> tuple[str, str | None, str | None,
                                                      str | None, str]:
    """(tool, repo, branch, tagged feature, task class) as the pipeline will see the call.

    The task class is the call's ``task:`` tag where its channel carries tags; else, where
    the channel carries the prompt, the prompt's class (the classifier is tested to get
    every sample prompt right); else "unknown".
    """
    tool = {"claude_code": "claude_code", "litellm": "litellm"}.get(call.channel, call.tool)
    if call.channel == "otlp" and call.provider == "anthropic":
        tool = "claude_code"
    carries_repo = call.channel in CARRIES_REPO
    carries_tags = call.channel in CARRIES_TAGS
    seen_class = call.tags.get("task") if carries_tags else None
    carries_prompt = call.channel in CARRIES_PROMPT
    if seen_class is None:
        seen_class = true_class if carries_prompt else "unknown"
    return (tool, call.repo if carries_repo else None, call.branch if carries_repo else None,
            call.tags.get("feature") if carries_tags else None, seen_class)


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def _nanos(moment: datetime) -> str:
    return str(int(moment.timestamp()) * 1_000_000_000 + moment.microsecond * 1000)


def _attr(key: str, value) -> dict:
    if isinstance(value, int) and not isinstance(value, bool):
        return {"key": key, "value": {"intValue": str(value)}}
    if isinstance(value, float):
        return {"key": key, "value": {"doubleValue": value}}
    return {"key": key, "value": {"stringValue": str(value)}}


@dataclass
class ExportBuckets:
    """Provider usage per (day, provider, model, api key): what the bill shows."""

    tokens: dict[tuple, dict[str, int]] = field(default_factory=lambda: defaultdict(
        lambda: defaultdict(int)))
    requests: dict[tuple, int] = field(default_factory=lambda: defaultdict(int))
    billed: dict[tuple, Decimal] = field(default_factory=lambda: defaultdict(Decimal))
    logged: dict[tuple, Decimal] = field(default_factory=lambda: defaultdict(Decimal))

    def add(self, call: Call, api_key: str, logged: bool) -> None:
        key = (call.occurred_at.date(), call.provider, call.model, api_key)
        for name, value in call.tokens.items():
            self.tokens[key][name] += value
        self.requests[key] += 1
        self.billed[key] += call.cost
        if logged:
            self.logged[key[:3]] += call.cost


class FormatWriter:
    def __init__(self, out: Path):
        self.out = out / "agent_calls"
        self.exports = ExportBuckets()
        self.day_calls: dict[str, list[Call]] = defaultdict(list)
        self.sessions: dict[tuple[str, str], list[Call]] = defaultdict(list)

    # ---- routing ---------------------------------------------------------------------------
    @staticmethod
    def fold_tokens(channel: str, tokens: dict[str, int]) -> dict[str, int]:
        """Channels without a 1-hour cache-write bucket report those writes as 5-minute ones."""
        if channel in CARRIES_1H_CACHE or not tokens["cache_write_1h_tokens"]:
            return tokens
        return {**tokens, "cache_write_tokens": tokens["cache_write_tokens"]
                + tokens["cache_write_1h_tokens"], "cache_write_1h_tokens": 0}

    def add(self, call: Call) -> None:
        if call.channel == "claude_code":
            self.sessions[(call.email if not call.use_alias else call.gateway_id,
                           call.session_id)].append(call)
        elif call.channel != "canonical":
            self.day_calls[call.channel].append(call)

    # ---- per day -----------------------------------------------------------------------------
    def flush_day(self, today: date, bad_rows: bool) -> int:
        """Write the day's OTLP and LiteLLM files; returns how many rows were made bad."""
        bad = 0
        otlp = self.day_calls.pop("otlp", [])
        if otlp:
            self._write_otlp(today, otlp, json_lines=today.day % 2 == 0)
        litellm = self.day_calls.pop("litellm", [])
        if litellm or bad_rows:
            bad += self._write_litellm(today, litellm, bad_rows, as_json=today.day == 3)
        return bad

    def _write_otlp(self, today: date, calls: list[Call], json_lines: bool) -> None:
        by_person: dict[str, list[Call]] = defaultdict(list)
        for call in calls:
            by_person[call.email].append(call)
        requests = []
        for email, person_calls in sorted(by_person.items()):
            spans, logs = [], []
            for n, call in enumerate(person_calls):
                t = call.tokens
                tags = [_attr(f"tokenroi.{k}", v) for k, v in sorted(call.tags.items())]
                if call.provider == "anthropic":  # Claude Code's own OTel events
                    prompt_id = f"prompt-{call.request_id[4:]}"
                    # OTEL_LOG_USER_PROMPTS=1: the prompt event, tied by prompt.id
                    logs.append({"timeUnixNano": _nanos(call.occurred_at),
                                 "body": {"stringValue": "claude_code.user_prompt"},
                                 "attributes": [
                                     _attr("event.name", "user_prompt"),
                                     _attr("event.timestamp", _iso(call.occurred_at)),
                                     _attr("session.id", call.session_id),
                                     _attr("prompt.id", prompt_id),
                                     _attr("prompt_length", len(call.prompt)),
                                     _attr("prompt", call.prompt)]})
                    logs.append({"timeUnixNano": _nanos(call.occurred_at),
                                 "body": {"stringValue": "claude_code.api_request"},
                                 "attributes": [
                                     _attr("event.name", "api_request"),
                                     _attr("event.timestamp", _iso(call.occurred_at)),
                                     _attr("session.id", call.session_id),
                                     _attr("model", call.model),
                                     _attr("input_tokens", t["input_tokens"]),
                                     _attr("output_tokens", t["output_tokens"]),
                                     _attr("cache_read_tokens", t["cache_read_tokens"]),
                                     _attr("cache_creation_tokens", t["cache_write_tokens"]),
                                     _attr("cost_usd", float(call.cost)),
                                     _attr("prompt.id", prompt_id),
                                     _attr("duration_ms", 1000 + n), *tags]})
                    continue
                attrs = [_attr("gen_ai.operation.name", "chat"),
                         _attr("gen_ai.request.model", call.model),
                         # GenAI input_tokens include cache reads and writes.
                         _attr("gen_ai.usage.input_tokens", t["input_tokens"]
                               + t["cache_read_tokens"] + t["cache_write_tokens"]),
                         _attr("gen_ai.usage.cache_read.input_tokens", t["cache_read_tokens"]),
                         _attr("gen_ai.usage.cache_creation.input_tokens",
                               t["cache_write_tokens"]),
                         _attr("gen_ai.usage.output_tokens", t["output_tokens"]), *tags,
                         _attr("gen_ai.conversation.id", call.session_id),
                         # content capture on: the user message, in the semconv's shape
                         _attr("gen_ai.input.messages", json.dumps([{
                             "role": "user", "parts": [{"type": "text",
                                                        "content": call.prompt}]}])),
                         _attr("service.name", call.tool)]
                # Older instrumentations say gen_ai.system, newer gen_ai.provider.name.
                attrs.append(_attr("gen_ai.provider.name" if n % 2 else "gen_ai.system",
                                   call.provider))
                spans.append({"traceId": call.request_id[-32:].rjust(32, "0"),
                              "spanId": call.request_id[-16:], "name": f"chat {call.model}",
                              "kind": 3, "startTimeUnixNano": _nanos(call.occurred_at),
                              "endTimeUnixNano": _nanos(call.occurred_at), "attributes": attrs})
            resource = {"attributes": [_attr("user.email", email)]}
            if spans:
                requests.append({"resourceSpans": [{"resource": resource, "scopeSpans": [
                    {"scope": {"name": "opentelemetry.instrumentation.genai"},
                     "spans": spans}]}]})
            if logs:
                requests.append({"resourceLogs": [{"resource": resource, "scopeLogs": [
                    {"scope": {"name": "com.anthropic.claude_code.events"},
                     "logRecords": logs}]}]})
        folder = self.out / "otlp"
        folder.mkdir(parents=True, exist_ok=True)
        if json_lines:  # the collector's file exporter: one export request per line
            (folder / f"otel-{today.isoformat()}.jsonl").write_text(
                "".join(json.dumps(r) + "\n" for r in requests))
        else:
            merged = {"resourceSpans": [s for r in requests for s in r.get("resourceSpans", [])],
                      "resourceLogs": [g for r in requests for g in r.get("resourceLogs", [])]}
            (folder / f"otel-{today.isoformat()}.json").write_text(json.dumps(merged))

    def _write_litellm(self, today: date, calls: list[Call], bad_rows: bool,
                       as_json: bool) -> int:
        rows = []
        for call in calls:
            t = call.tokens
            prompt_tokens = t["input_tokens"] + t["cache_read_tokens"] + t["cache_write_tokens"]
            tags = [f"{k}:{v}" for k, v in call.tags.items()]
            rows.append({
                "request_id": f"chatcmpl-{call.request_id}", "call_type": "acompletion",
                "api_key": hashlib.sha256(call.email.encode()).hexdigest(),
                "spend": float(call.cost),
                "total_tokens": prompt_tokens + t["output_tokens"],
                "prompt_tokens": prompt_tokens, "completion_tokens": t["output_tokens"],
                "startTime": call.occurred_at.strftime("%Y-%m-%d %H:%M:%S.%f")[:-3],
                "endTime": call.occurred_at.strftime("%Y-%m-%d %H:%M:%S.%f")[:-3],
                "model": f"{call.provider}/{call.model}", "model_group": call.model,
                "custom_llm_provider": call.provider, "api_base": "", "user": call.gateway_id,
                "metadata": {"usage_object": {
                    "prompt_tokens": prompt_tokens, "completion_tokens": t["output_tokens"],
                    "cache_read_input_tokens": t["cache_read_tokens"],
                    "cache_creation_input_tokens": t["cache_write_tokens"]},
                    "session_id": call.session_id},
                "cache_hit": "False", "cache_key": "", "request_tags": tags, "team_id": "",
                "end_user": "", "messages": [{"role": "user", "content": call.prompt}]})
        bad = 0
        if bad_rows:
            broken = dict(rows[0]) if rows else {k: "" for k in LITELLM_HEADER}
            broken.update(request_id="chatcmpl-broken", prompt_tokens=-5, spend=0.0)
            rows.append(broken)
            bad = 1
        folder = self.out / "litellm"
        folder.mkdir(parents=True, exist_ok=True)
        if as_json:
            (folder / f"spend-{today.isoformat()}.json").write_text(json.dumps(rows))
            return bad
        with (folder / f"spend-{today.isoformat()}.csv").open("w", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=LITELLM_HEADER)
            writer.writeheader()
            for row in rows:
                writer.writerow({**row, "metadata": json.dumps(row["metadata"]),
                                 "request_tags": json.dumps(row["request_tags"]),
                                 "messages": json.dumps(row["messages"])})
        return bad

    # ---- at the end ------------------------------------------------------------------------
    def write_transcripts(self, truncate_one: bool) -> int:
        """Claude Code session files; one assistant entry repeats (streamed blocks)."""
        folder = self.out / "claude_code"
        bad = 0
        for n, ((person_folder, session_id), calls) in enumerate(sorted(self.sessions.items())):
            lines = []
            for m, call in enumerate(calls):
                cwd = f"/home/dev/src/{call.repo}"
                common = {"parentUuid": None, "isSidechain": n % 7 == 3, "userType": "external",
                          "cwd": cwd, "sessionId": session_id, "version": "2.1.37",
                          "gitBranch": call.branch or ""}
                lines.append({**common, "type": "user", "uuid": f"{call.request_id}-u",
                              "timestamp": _iso(call.occurred_at),
                              "message": {"role": "user", "content": call.prompt}})
                t = call.tokens
                usage = {"input_tokens": t["input_tokens"],
                         "cache_creation_input_tokens": t["cache_write_tokens"]
                         + t["cache_write_1h_tokens"],
                         "cache_read_input_tokens": t["cache_read_tokens"],
                         "cache_creation": {"ephemeral_5m_input_tokens": t["cache_write_tokens"],
                                            "ephemeral_1h_input_tokens":
                                                t["cache_write_1h_tokens"]},
                         "output_tokens": t["output_tokens"], "service_tier": "standard"}
                assistant = {**common, "type": "assistant", "uuid": f"{call.request_id}-a",
                             "timestamp": _iso(call.occurred_at), "requestId": call.request_id,
                             "message": {"id": f"msg_{call.request_id[4:]}", "type": "message",
                                         "role": "assistant", "model": call.model,
                                         "content": [{"type": "text", "text": "Done."}],
                                         "stop_reason": "end_turn", "usage": usage}}
                if m % 3 == 0:  # an earlier streamed block of the same request
                    partial = json.loads(json.dumps(assistant))
                    partial["message"]["usage"]["output_tokens"] = min(1, t["output_tokens"])
                    partial["uuid"] += "-0"
                    lines.append(partial)
                lines.append(assistant)
            # a subagent's transcript sits under <session>/subagents/
            project = f"-home-dev-src-{calls[0].repo}"
            target = folder / person_folder / project / f"{session_id}.jsonl"
            if n % 11 == 5:
                target = (folder / person_folder / project / session_id / "subagents"
                          / f"agent-{n}.jsonl")
            target.parent.mkdir(parents=True, exist_ok=True)
            text = "".join(json.dumps(line) + "\n" for line in lines)
            if truncate_one and n == 0:
                text += '{"type": "assistant", "message": {"usage": '  # a crash mid-write
                bad = 1
            target.write_text(text)
        return bad

    def write_exports(self) -> None:
        """One usage-report page per provider and month, grouped by model and api key."""
        pages: dict[tuple[str, str], dict[date, list]] = defaultdict(lambda: defaultdict(list))
        for (day, provider, model, api_key), tokens in sorted(self.exports.tokens.items()):
            requests = self.exports.requests[(day, provider, model, api_key)]
            if provider == "openai":
                # OpenAI's input_tokens include cached (and cache-write) tokens.
                result = {"object": "organization.usage.completions.result",
                          "input_tokens": tokens["input_tokens"] + tokens["cache_read_tokens"]
                          + tokens["cache_write_tokens"] + tokens["cache_write_1h_tokens"],
                          "output_tokens": tokens["output_tokens"],
                          "input_cached_tokens": tokens["cache_read_tokens"],
                          "input_audio_tokens": 0, "output_audio_tokens": 0,
                          "num_model_requests": requests, "project_id": None, "user_id": None,
                          "api_key_id": api_key, "model": model, "batch": None}
            else:
                result = {"uncached_input_tokens": tokens["input_tokens"],
                          "cache_creation": {
                              "ephemeral_1h_input_tokens": tokens["cache_write_1h_tokens"],
                              "ephemeral_5m_input_tokens": tokens["cache_write_tokens"]},
                          "cache_read_input_tokens": tokens["cache_read_tokens"],
                          "output_tokens": tokens["output_tokens"],
                          "server_tool_use": {"web_search_requests": 0},
                          "api_key_id": api_key, "workspace_id": "wrkspc_engineering",
                          "model": model, "service_tier": "standard",
                          "context_window": "0-200k"}
            pages[(provider, day.strftime("%Y-%m"))][day].append(result)
        for (provider, month), days in pages.items():
            folder = self.out / f"{provider}_usage"
            folder.mkdir(parents=True, exist_ok=True)
            if provider == "openai":
                data = [{"object": "bucket", "start_time": _epoch(day),
                         "end_time": _epoch(day) + 86400, "results": results}
                        for day, results in sorted(days.items())]
                page = {"object": "page", "data": data, "has_more": False, "next_page": None}
            else:
                data = [{"starting_at": f"{day.isoformat()}T00:00:00Z",
                         "ending_at": f"{date.fromordinal(day.toordinal() + 1).isoformat()}"
                                      "T00:00:00Z", "results": results}
                        for day, results in sorted(days.items())]
                page = {"data": data, "has_more": False, "next_page": None}
            (folder / f"usage-{month}.json").write_text(json.dumps(page))


def _epoch(day: date) -> int:
    return int(datetime(day.year, day.month, day.day, tzinfo=UTC).timestamp())
