"""Agent calls of the sample org: sessions of calls per person and day, written in every
agent-call format (canonical JSONL here, the others through call_formats.FormatWriter), the
provider usage exports, and each call counted into the truth as the pipeline will see it."""

from __future__ import annotations

import json
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from pipelines.generate.call_formats import EXPORTED_PROVIDERS, Call, channel_view
from pipelines.generate.company import (
    MODELS_BY_TIER,
    PROFILES,
    TASK_MIX,
    TEAMS,
    TOOL_BY_PROVIDER,
    Person,
    Session,
    iso,
)
from pipelines.generate.prompts import prompt_for


class AgentCalls:
    """Mixed into OrgGenerator: its agent calls."""

    def _tokens(self, task_class: str) -> dict[str, int]:
        r = self.rng.randint
        shape = {
            "planning": dict(input_tokens=r(2_000, 20_000), cache_read_tokens=r(60_000, 500_000),
                             cache_write_tokens=r(0, 20_000), output_tokens=r(1_000, 6_000)),
            "implementation": dict(input_tokens=r(500, 8_000), cache_read_tokens=r(40_000, 400_000),
                                   cache_write_tokens=r(0, 10_000), output_tokens=r(500, 8_000)),
            "trivial": dict(input_tokens=r(20, 300), cache_read_tokens=r(0, 30_000),
                            cache_write_tokens=0, output_tokens=r(10, 200)),
            "non_work": dict(input_tokens=r(10, 150), cache_read_tokens=0, cache_write_tokens=0,
                             output_tokens=r(50, 500)),
        }[task_class]
        shape["cache_write_1h_tokens"] = r(0, 5_000) if self.rng.random() < 0.05 else 0
        return shape

    def make_calls(self) -> None:
        rng = self.rng
        folder = self.out / "agent_calls" / "canonical"
        folder.mkdir(parents=True, exist_ok=True)
        contractor = "contractor@vendor.example"  # not in people.csv: counted as unknown
        redeliver: list[str] = []
        for day in range(self.days):
            today = self.start + timedelta(days=day)
            weekend = today.weekday() >= 5
            lines = list(redeliver)  # a few of yesterday's lines arrive again
            redeliver = []
            for person in self.people:
                share, (lo, hi), mix = PROFILES[person.profile]
                if hi == 0 or (weekend and rng.random() < 0.8):
                    continue
                remaining = rng.randint(lo, hi)
                while remaining > 0:
                    size = min(remaining, rng.randint(1, 12))
                    remaining -= size
                    lines.extend(self._session_lines(person, day, today, size, mix))
            if rng.random() < 0.3:
                lines.extend(self._session_lines(None, day, today, rng.randint(1, 3),
                                                 (0.5, 0.5, 0.0), contractor=contractor))
            for line in rng.sample(lines, k=min(len(lines), max(1, len(lines) // 200))):
                redeliver.append(line)
            if day == 0:
                lines.extend(self._bad_lines(today))
            with (folder / f"calls-{today.isoformat()}.jsonl").open("w") as handle:
                handle.writelines(line + "\n" for line in lines)
            self.quarantined_agent_calls += self.writer.flush_day(today, bad_rows=day == 1)
        self.quarantined_agent_calls += self.writer.write_transcripts(truncate_one=True)
        self.writer.write_exports()
        self._book_unlogged_spend()

    def _book_unlogged_spend(self) -> None:
        """docs/rules.md "The bill reconciliation": per (provider, model, day) the export's
        excess over the logs is split over the export's api keys by billed cost; each key
        maps to its owner."""
        owners = {p.api_key(provider): p for p in self.people for provider in EXPORTED_PROVIDERS}
        exports = self.writer.exports
        billed_by_bucket: dict[tuple, Decimal] = defaultdict(Decimal)
        for key, cost in exports.billed.items():
            billed_by_bucket[key[:3]] += cost
            self.bill[key[1]]["billed"] += cost
        for (_, provider, _), cost in exports.logged.items():
            self.bill[provider]["logged"] += cost
        for (day, provider, model, api_key), cost in sorted(exports.billed.items()):
            bucket = (day, provider, model)
            unlogged = billed_by_bucket[bucket] - exports.logged.get(bucket, Decimal(0))
            if unlogged <= 0:
                continue
            share = unlogged * cost / billed_by_bucket[bucket]
            self.bill[provider]["unlogged"] += share
            owner = owners.get(api_key)
            email = owner.email if owner else api_key
            team = owner.team if owner else "unknown"
            month = day.strftime("%Y-%m")
            self.book.add_unlogged(day=day, person_email=email, team=owner and owner.team,
                                   provider=provider, model=model, cost=share)
            self.totals.add(share, team=team, tier=self.prices[(provider, model)].tier,
                            model=f"{provider}/{model}", person=email, day=day.isoformat(),
                            person_month=f"{email}|{month}", task_class="unknown",
                            tool=f"{provider}_usage", month=month, frontier_waste="none")

    def _bad_lines(self, today: date) -> list[str]:
        """Records that break the contract; the pipeline must quarantine exactly these."""
        bad = [
            '{"occurred_at": "' + today.isoformat() + 'T10:00:00Z", "provider": "anthropic", "mod',
            json.dumps({"occurred_at": f"{today.isoformat()}T10:00:00Z", "provider": "openai",
                        "model": "gpt-5-mini", "person_email": self.people[0].email,
                        "input_tokens": -40, "output_tokens": 10}),
            json.dumps({"occurred_at": "yesterday-ish", "provider": "openai", "model": "gpt-5",
                        "person_email": self.people[0].email, "output_tokens": 10}),
        ]
        self.quarantined_agent_calls += len(bad)
        return bad

    def _session_lines(self, person: Person | None, day: int, today: date, size: int,
                       mix: tuple[float, float, float], contractor: str | None = None) -> list[str]:
        """One session's calls: canonical lines are returned, other channels go to the writer."""
        rng = self.rng
        session_id = f"{rng.getrandbits(64):016x}-{rng.getrandbits(32):08x}"
        team = person.team if person else None
        feature = None
        if person and rng.random() < 0.75:
            active = self._active_features(team, day)
            feature = rng.choice(active) if active else None
        repo = TEAMS[team][1] if team else "acme-platform"
        branch = f"feature/{feature.key}-{feature.name.split()[0].lower()}" if feature else "main"
        if feature and rng.random() < 0.2:
            branch = f"wip/{person.name.split()[0].lower()}"  # no key: commits must link it
        moment = datetime(today.year, today.month, today.day, rng.randint(7, 19),
                          rng.randint(0, 59), rng.randint(0, 59), tzinfo=UTC)
        tier = rng.choices(["frontier", "mid", "open"], mix)[0]
        provider, model = rng.choice(MODELS_BY_TIER[tier])
        channel = person.channel if person else "canonical"
        if channel == "claude_code" and provider != "anthropic":
            channel = "litellm"  # other models go through the company's gateway
        email = person.email if person else contractor
        lines = []
        for _ in range(size):
            moment += timedelta(seconds=rng.randint(20, 400), milliseconds=rng.randint(0, 999))
            task_class = rng.choices(list(TASK_MIX), list(TASK_MIX.values()))[0]
            tokens = self.writer.fold_tokens(channel, self._tokens(task_class))
            tags = {}
            if self.tag_all or rng.random() < 0.5:
                tags["task"] = task_class
            if feature and rng.random() < 0.3:
                tags["feature"] = feature.key
            price = self.prices[(provider, model)]
            call = Call(
                occurred_at=moment, email=email, gateway_id=person.gateway_id if person else None,
                channel=channel, provider=provider, model=model,
                tool="chat" if task_class == "non_work" else TOOL_BY_PROVIDER.get(provider,
                                                                                  "cursor"),
                session_id=session_id, request_id=f"req_{rng.getrandbits(80):020x}",
                tokens=tokens,
                cost=price.cost(tokens["input_tokens"], tokens["cache_read_tokens"],
                                tokens["cache_write_tokens"], tokens["cache_write_1h_tokens"],
                                tokens["output_tokens"]),
                repo=repo, branch=branch, tags=tags,
                prompt=prompt_for(task_class, rng, feature.key if feature else None),
                event_id=f"evt_{rng.getrandbits(96):024x}" if rng.random() < 0.7 else None,
                use_alias=bool(person and (person.folder_by_alias if channel == "claude_code"
                                           else rng.random() < 0.1)))
            # Some calls reach the provider with no log at all (scripts on personal keys):
            # only the provider's usage export sees them.
            unlogged = provider in EXPORTED_PROVIDERS and person and rng.random() < 0.04
            if provider in EXPORTED_PROVIDERS:
                api_key = person.api_key(provider) if person else f"{provider}-contractor-key"
                self.writer.exports.add(call, api_key, logged=not unlogged)
            if unlogged:
                continue
            self._count(call, task_class, team, price.tier, today)
            if channel == "canonical":
                lines.append(json.dumps(self._canonical_record(call, person), ensure_ascii=False))
            else:
                self.writer.add(call)
        if person:
            self.sessions.append(Session(session_id, person, repo, branch, feature, moment))
        return lines

    def _canonical_record(self, call: Call, person: Person | None) -> dict:
        record: dict = {"occurred_at": iso(call.occurred_at), "provider": call.provider,
                        "model": call.model, "tool": call.tool, "session_id": call.session_id,
                        "request_id": call.request_id, **call.tokens, "repo": call.repo,
                        "branch": call.branch, "prompt": call.prompt}
        if call.event_id:
            record["event_id"] = call.event_id
        if person and call.use_alias:
            record["user_key"] = person.gateway_id  # resolved through people.csv aliases
        else:
            record["person_email"] = call.email
        if call.tags:
            record["tags"] = call.tags
        return record

    def _count(self, call: Call, task_class: str, team: str | None, tier: str,
               today: date) -> None:
        """Add a logged call to the truth, as the pipeline will see it through its channel."""
        tool, repo, branch, tagged_feature, class_seen = channel_view(call, task_class)
        # Attribution and routing follow the class the pipeline can see; the spend-by-class
        # answer below keeps the true class (what a classifier should recover).
        self.book.add_call(occurred_at=call.occurred_at, person_email=call.email,
                           provider=call.provider, model=call.model, task_class=class_seen,
                           tokens=call.tokens, cost=call.cost, session_id=call.session_id,
                           repo=repo, branch=branch, tagged_feature=tagged_feature)
        month = today.strftime("%Y-%m")
        waste = (f"{team or 'unknown'}|{month}"
                 if tier == "frontier" and task_class in ("trivial", "non_work") else "none")
        self.totals.add(call.cost, team=team or "unknown", tier=tier,
                        model=f"{call.provider}/{call.model}", person=call.email,
                        day=today.isoformat(), person_month=f"{call.email}|{month}",
                        task_class=task_class, tool=tool, month=month, frontier_waste=waste)
