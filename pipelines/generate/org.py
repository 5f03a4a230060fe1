"""The sample organisation: people, agent calls, real git repositories, CRM deals, truth.json.

Everything is drawn from one seeded ``random.Random`` so a seed always gives the same org.
The answers in truth.json are computed here, in plain Python with exact decimals, from the
records this module generated: never by running the pipeline.
"""

from __future__ import annotations

import csv
import hashlib
import json
import random
import subprocess
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from pipelines.generate.catalog import Price, load_prices
from pipelines.generate.crm_formats import write_hubspot, write_salesforce
from pipelines.generate.formats import (
    CHANNELS,
    EXPORTED_PROVIDERS,
    Call,
    FormatWriter,
    channel_view,
)
from pipelines.generate.prompts import prompt_for
from pipelines.generate.truth import CommitRecord, TruthBook, load_routing_targets
from pipelines.settings import SHIPPED_DBT_PROJECT, SHIPPED_PRICE_CATALOG

ROUTING_TARGETS = SHIPPED_DBT_PROJECT / "seeds" / "routing_targets.csv"

TEAMS = {
    # team: (feature key prefix, repo, per-person monthly budget in USD)
    "platform": ("PLAT", "acme-platform", 1500),
    "payments": ("PAY", "acme-payments", 1500),
    "growth": ("GRO", "acme-web", 1000),
    "data": ("DATA", "acme-data", 2000),
    "mobile": ("MOB", "acme-web", 1000),
}
ORG_NAME = "acme"
FIRST_NAMES = ["Ada", "Bruno", "Chen", "Dara", "Emeka", "Freya", "Gita", "Hugo", "Ines", "Jonas",
               "Kemal", "Lena", "Mateo", "Nia", "Omar", "Priya", "Quinn", "Rosa", "Sven", "Tariq",
               "Uma", "Viktor", "Wen", "Ximena", "Yusuf", "Zoe"]
LAST_NAMES = ["Okafor", "Silva", "Nakamura", "Novak", "Haddad", "Berg", "Kowalski", "Moreau",
              "Reyes", "Lindqvist", "Osei", "Park", "Fischer", "Costa", "Ivanova", "Mehta"]
MODELS_BY_TIER = {
    "frontier": [("anthropic", "claude-opus-4-6"), ("openai", "gpt-5.2-codex"),
                 ("anthropic", "claude-opus-4-5")],
    "mid": [("anthropic", "claude-sonnet-4-5"), ("openai", "gpt-5-mini"),
            ("anthropic", "claude-haiku-4-5")],
    "open": [("deepseek", "deepseek-chat"),
             ("together_ai", "Qwen/Qwen3-Coder-480B-A35B-Instruct-FP8"),
             ("groq", "openai/gpt-oss-120b")],
}
# Usage is bimodal: a few heavy users on frontier models, many light ones, some none at all.
PROFILES = {
    # name: (share of engineers, calls per active day (lo, hi), tier mix frontier/mid/open)
    "heavy": (0.15, (150, 450), (0.70, 0.25, 0.05)),
    "medium": (0.25, (12, 35), (0.45, 0.40, 0.15)),
    "light": (0.45, (1, 6), (0.30, 0.50, 0.20)),
    "none": (0.15, (0, 0), (0.0, 0.0, 0.0)),
}
TASK_MIX = {"planning": 0.12, "implementation": 0.58, "trivial": 0.18, "non_work": 0.12}
TOOL_BY_PROVIDER = {"anthropic": "claude_code", "openai": "codex"}
AI_TRAILERS = [
    "Co-authored-by: Claude <noreply@anthropic.com>",
    "Co-authored-by: Copilot <175728472+Copilot@users.noreply.github.com>",
    "Co-authored-by: Cursor Agent <cursoragent@cursor.com>",
]
CLAUDE_MARKER = "🤖 Generated with [Claude Code](https://claude.com/claude-code)"
FEATURE_NOUNS = ["webhooks", "retry queue", "audit log", "SSO login", "usage dashboard",
                 "bulk export", "smart search", "invoice PDFs", "offline mode", "rate limits",
                 "fraud rules", "data lineage", "push digests", "tax engine", "API keys"]
ACCOUNTS = ["Globex", "Initech", "Umbrella", "Hooli", "Stark Industries", "Wayne Enterprises",
            "Tyrell", "Cyberdyne", "Soylent", "Wonka", "Vandelay", "Pied Piper"]


@dataclass
class Person:
    email: str
    name: str
    team: str
    annual_cost_usd: int
    profile: str
    gateway_id: str
    channel: str = "canonical"  # how this person's calls are logged (formats.CHANNELS)
    folder_by_alias: bool = False  # Claude Code transcripts filed under the gateway id

    @property
    def key_suffix(self) -> str:
        return hashlib.sha1(self.email.encode()).hexdigest()[8:18]

    def api_key(self, provider: str) -> str:
        return f"apikey_{self.key_suffix}" if provider == "anthropic" else f"key_{self.key_suffix}"

    @property
    def aliases(self) -> list[str]:
        return [self.name, self.gateway_id, self.api_key("anthropic"), self.api_key("openai")]


@dataclass
class Feature:
    key: str
    name: str
    team: str
    repo: str
    start_day: int
    ship_day: int | None  # index into the window; None = never ships inside it
    product_area: str


@dataclass
class Session:
    session_id: str
    person: Person
    repo: str
    branch: str
    feature: Feature | None
    ended_at: datetime


@dataclass
class Totals:
    """Exact spend aggregates for truth.json."""

    by: dict[str, dict[str, Decimal]] = field(default_factory=lambda: defaultdict(
        lambda: defaultdict(Decimal)))
    calls: int = 0

    def add(self, cost: Decimal, **keys: str) -> None:
        self.calls += 1
        for dimension, value in keys.items():
            self.by[dimension][value] += cost

    def rounded(self, dimension: str) -> dict[str, float]:
        return {k: _cents(v) for k, v in sorted(self.by[dimension].items())}


def _cents(value: Decimal) -> float:
    return float(value.quantize(Decimal("0.000001")))


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


class OrgGenerator:
    def __init__(self, out: Path, start: date, days: int, engineers: int, seed: int,
                 tag_all: bool = False):
        self.out = out
        self.start = start
        self.days = days
        self.engineers = engineers
        self.rng = random.Random(seed)
        self.tag_all = tag_all
        self.prices: dict[tuple[str, str], Price] = load_prices(SHIPPED_PRICE_CATALOG)
        self.book = TruthBook(self.prices, load_routing_targets(ROUTING_TARGETS), {})
        self.writer = FormatWriter(out)
        self.bill: dict[str, dict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
        self.ai_commits: dict[str, int] = defaultdict(int)
        self.commit_count = 0
        self.deal_weights: dict[str, dict[str, Decimal]] = {}
        self.budget_limits: list[tuple[str, str, Decimal]] = []
        self.people: list[Person] = []
        self.features: list[Feature] = []
        self.sessions: list[Session] = []
        self.totals = Totals()
        self.quarantined_agent_calls = 0

    # ---- people and features -------------------------------------------------------
    def make_people(self) -> None:
        rng = self.rng
        teams = list(TEAMS)
        profile_names = list(PROFILES)
        weights = [PROFILES[p][0] for p in profile_names]
        seen: set[str] = set()
        for i in range(self.engineers):
            first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
            local = f"{first}.{last}".lower()
            email = f"{local}@acme.example"
            n = 2
            while email in seen:
                email = f"{local}{n}@acme.example"
                n += 1
            seen.add(email)
            self.people.append(Person(
                email=email,
                name=f"{first} {last}",
                team=teams[i % len(teams)],
                annual_cost_usd=rng.randrange(140, 321) * 1000,
                profile=rng.choices(profile_names, weights)[0],
                gateway_id=f"gw-{hashlib.sha1(email.encode()).hexdigest()[:8]}",
                # every channel is used by someone, whatever the org's size
                channel=(list(CHANNELS)[i] if i < len(CHANNELS)
                         else rng.choices(list(CHANNELS), list(CHANNELS.values()))[0]),
                folder_by_alias=rng.random() < 0.3,
            ))
        self.book.known_people.update({p.email: p.team for p in self.people})

    def make_features(self) -> None:
        rng = self.rng
        per_team = max(2, self.engineers // 8)
        for team, (prefix, repo, _) in TEAMS.items():
            for n in range(per_team):
                start_day = rng.randrange(0, max(1, self.days - 3))
                ship_day: int | None = start_day + rng.randrange(2, max(3, self.days // 2))
                if ship_day >= self.days or rng.random() < 0.2:
                    ship_day = None
                self.features.append(Feature(
                    key=f"{prefix}-{101 + n}",
                    name=f"{rng.choice(FEATURE_NOUNS).capitalize()} for {team}",
                    team=team, repo=repo, start_day=start_day, ship_day=ship_day,
                    product_area=team,
                ))

    def _active_features(self, team: str, day: int) -> list[Feature]:
        return [f for f in self.features if f.team == team and f.start_day <= day
                and (f.ship_day is None or day <= f.ship_day)]

    # ---- agent calls ---------------------------------------------------------------
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
        """DESIGN.md "The bill": per (provider, model, day) the export's excess over the logs
        is split over the export's api keys by billed cost; each key maps to its owner."""
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
        record: dict = {"occurred_at": _iso(call.occurred_at), "provider": call.provider,
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

    # ---- git -----------------------------------------------------------------------
    def make_repos(self) -> None:
        rng = self.rng
        events: dict[str, list[tuple[datetime, str, dict]]] = defaultdict(list)
        for session in self.sessions:
            if session.feature is None or rng.random() > 0.35:
                continue
            # git keeps whole seconds: so does the truth
            when = (session.ended_at + timedelta(minutes=rng.randint(5, 90))).replace(
                microsecond=0)
            ship = session.feature.ship_day
            if ship is not None and when.date() >= self.start + timedelta(days=ship):
                continue  # work after the merge stays uncommitted
            trailers = []
            if rng.random() < 0.6:
                trailers.append(rng.choice(AI_TRAILERS))
            if rng.random() < 0.5:
                trailers.append(f"Agent-Session: {session.session_id}")
            body = CLAUDE_MARKER if rng.random() < 0.2 else ""
            events[session.repo].append((when, "feature_commit", dict(
                feature=session.feature, person=session.person, trailers=trailers, body=body)))
        for feature in self.features:
            if feature.ship_day is None:
                continue
            day = self.start + timedelta(days=feature.ship_day)
            when = datetime(day.year, day.month, day.day, 17, rng.randint(0, 59), tzinfo=UTC)
            events[feature.repo].append((when, "merge", dict(feature=feature)))
        for repo in sorted({t[1] for t in TEAMS.values()}):
            for _ in range(max(2, self.days // 3)):
                day = self.start + timedelta(days=rng.randrange(self.days))
                when = datetime(day.year, day.month, day.day, rng.randint(8, 18),
                                rng.randint(0, 59), tzinfo=UTC)
                events[repo].append((when, "chore", dict(person=rng.choice(self.people))))
        repos_dir = self.out / "git" / "repos"
        repos_dir.mkdir(parents=True, exist_ok=True)
        entries = []
        for repo in sorted(events):
            self._fast_import(repos_dir / f"{repo}.git", sorted(events[repo], key=lambda e: e[0]))
            entries.append(f"  - path: repos/{repo}.git\n    name: {repo}\n"
                           f"    default_branch: main\n")
        (self.out / "git" / "repos.yml").write_text("repos:\n" + "".join(entries))
        self._write_legacy_export()

    def _write_legacy_export(self) -> None:
        """A retired repository known only from an export of canonical commits (before the
        window, so it links to no session)."""
        rng = self.rng
        lines = []
        for n in range(5):
            person = rng.choice(self.people)
            when = datetime.combine(self.start - timedelta(days=40 - n), datetime.min.time(),
                                    UTC) + timedelta(hours=11)
            sha = hashlib.sha1(f"legacy-{n}".encode()).hexdigest()
            lines.append(json.dumps({
                "repo": "acme-legacy", "sha": sha, "parents": [] if n == 0 else [
                    hashlib.sha1(f"legacy-{n - 1}".encode()).hexdigest()],
                "author_name": person.name, "author_email": person.email,
                "authored_at": _iso(when), "committer_name": person.name,
                "committer_email": person.email, "committed_at": _iso(when),
                "message": f"chore: legacy cleanup {n}\n", "additions": 10 + n, "deletions": n,
                "files_changed": 1, "on_default_branch": True}))
        (self.out / "git" / "legacy-commits.jsonl").write_text("\n".join(lines) + "\n")
        self.commit_count += len(lines)

    def _fast_import(self, path: Path, events: list[tuple[datetime, str, dict]]) -> None:
        rng = self.rng
        subprocess.run(["git", "init", "-q", "--bare", "-b", "main", str(path)], check=True)
        stream: list[bytes] = []
        mark = 0
        branch_tips: dict[str, int] = {}

        def data(text: str) -> bytes:
            raw = text.encode()
            return b"data %d\n" % len(raw) + raw + b"\n"

        def commit(ref: str, who: tuple[str, str], when: datetime, message: str,
                   parents: list[int], files: dict[str, str]) -> int:
            nonlocal mark
            mark += 1
            self.commit_count += 1
            stamp = f"{int(when.timestamp())} +0000"
            chunk = [f"commit {ref}\nmark :{mark}\n".encode(),
                     f"author {who[0]} <{who[1]}> {stamp}\n".encode(),
                     f"committer {who[0]} <{who[1]}> {stamp}\n".encode(), data(message)]
            if parents:
                chunk.append(f"from :{parents[0]}\n".encode())
            for parent in parents[1:]:
                chunk.append(f"merge :{parent}\n".encode())
            for file_path, content in files.items():
                chunk.append(f"M 100644 inline {file_path}\n".encode() + data(content))
            stream.append(b"".join(chunk))
            return mark

        def lines(tag: str) -> str:
            return "".join(f"def {tag}_{i}():\n    return {rng.randint(0, 10**6)}\n"
                           for i in range(rng.randint(2, 40)))

        first = events[0][0] if events else datetime.combine(self.start, datetime.min.time(), UTC)
        main = commit("refs/heads/main", ("Repo Bot", "repo-bot@acme.example"),
                      first - timedelta(days=1), "Initial commit\n", [],
                      {"README.md": f"# {path.stem}\n"})
        for n, (when, kind, info) in enumerate(events):
            if kind == "chore":
                person = info["person"]
                content = lines("c")
                main = commit("refs/heads/main", (person.name, person.email), when,
                              "chore: tidy dependencies\n", [main], {f"chores/c{n}.py": content})
                self.book.add_commit(CommitRecord(path.stem, person.email, when,
                                                  content.count("\n"), None, []))
            elif kind == "feature_commit":
                feature, person = info["feature"], info["person"]
                ref = f"refs/heads/feature/{feature.key}"
                parent = branch_tips.get(feature.key, main)
                message = f"{feature.key}: work on {feature.name.lower()}\n"
                if info["body"]:
                    message += f"\n{info['body']}\n"
                if info["trailers"]:
                    message += "\n" + "\n".join(info["trailers"]) + "\n"
                content = lines("f")
                branch_tips[feature.key] = commit(
                    ref, (person.name, person.email), when, message, [parent],
                    {f"src/{feature.key.lower()}/part_{n}.py": content})
                linked = [t.split(": ", 1)[1] for t in info["trailers"]
                          if t.startswith("Agent-Session: ")]
                method = ("co_author" if any(t.startswith("Co-authored-by") for t in
                                             info["trailers"])
                          else "marker" if info["body"] else "session_trailer" if linked
                          else None)
                if method:
                    self.ai_commits[method] += 1
                self.book.add_commit(CommitRecord(path.stem, person.email, when,
                                                  content.count("\n"), feature.key, linked))
            elif kind == "merge" and info["feature"].key in branch_tips:
                feature = info["feature"]
                main = commit("refs/heads/main", ("Merge Bot", "merge-bot@acme.example"), when,
                              f"Merge branch 'feature/{feature.key}'\n",
                              [main, branch_tips[feature.key]], {})
                self.book.add_ship(feature.key, when)
        subprocess.run(["git", "fast-import", "--quiet"], cwd=path, input=b"".join(stream),
                       check=True)

    # ---- CRM -----------------------------------------------------------------------
    def make_deals(self) -> list[dict]:
        """Deal event timelines; returns each deal's final state (what a replay must give)."""
        rng = self.rng
        events, finals = [], []
        feature_keys = [f.key for f in self.features]
        for n in range(max(8, self.engineers // 2)):
            deal_id = f"D-{n + 1:04d}"
            account = rng.choice(ACCOUNTS)
            state = dict(deal_id=deal_id, account=account, deal_name=f"{account} expansion",
                         amount_usd=float(rng.randrange(10, 250) * 1000),
                         features=rng.sample(feature_keys, k=rng.randint(0, 3)),
                         owner_email=f"ae{n % 4 + 1}@acme.example")
            created = datetime.combine(self.start - timedelta(days=rng.randint(5, 60)),
                                       datetime.min.time(), UTC) + timedelta(hours=10)
            close_day = self.start + timedelta(days=rng.randrange(self.days))
            close_at = datetime.combine(close_day, datetime.min.time(), UTC) + timedelta(hours=15)
            timeline = [("created", "prospecting", created, {}),
                        ("stage_changed", "negotiation", created + timedelta(days=3), {})]
            if rng.random() < 0.15:
                timeline.append(("amount_changed", "negotiation", created + timedelta(days=4),
                                 {"amount_usd": state["amount_usd"] * 1.2}))
            outcome = rng.choices(["won", "lost", "open"], [0.5, 0.25, 0.25])[0]
            if outcome in ("won", "lost"):
                timeline.append((f"closed_{outcome}", f"closed_{outcome}", close_at, {}))
            if outcome == "won" and rng.random() < 0.2:
                # Re-opened after the win: the latest event decides (won again, or open).
                timeline.append(("reopened", "negotiation", close_at + timedelta(days=2), {}))
                if rng.random() < 0.5:
                    again = close_at + timedelta(days=5)
                    timeline.append(("closed_won", "closed_won", again,
                                     {"close_date": again.date().isoformat()}))
            state["close_date"] = close_day.isoformat()
            for seq, (event_type, stage, when, changes) in enumerate(timeline, start=1):
                state.update(changes)
                events.append({"event_id": f"{deal_id}-{seq}", "occurred_at": _iso(when),
                               "sequence": seq, "event_type": event_type, "stage": stage,
                               **state})
            finals.append({"deal_id": deal_id, "won": timeline[-1][0] == "closed_won",
                           "amount_usd": state["amount_usd"],
                           "close_date": date.fromisoformat(state["close_date"]),
                           "features": state["features"]})
            if len(state["features"]) >= 2 and rng.random() < 0.5:
                self.deal_weights[deal_id] = {key: Decimal(rng.randint(1, 5))
                                              for key in state["features"]}
        # A third of the deals each in the canonical form, Salesforce's and HubSpot's exports.
        by_deal: dict[str, list[dict]] = defaultdict(list)
        for event in events:
            by_deal[event["deal_id"]].append(event)
        split: dict[str, list[list[dict]]] = defaultdict(list)
        for n, deal_events in enumerate(by_deal.values()):
            split[("canonical", "salesforce", "hubspot")[n % 3]].append(deal_events)
        folder = self.out / "crm" / "canonical"
        folder.mkdir(parents=True, exist_ok=True)
        with (folder / "deal_events.jsonl").open("w") as handle:
            handle.writelines(json.dumps(e) + "\n" for d in split["canonical"] for e in d)
        write_salesforce(self.out / "crm" / "salesforce", split["salesforce"])
        write_hubspot(self.out / "crm" / "hubspot", split["hubspot"])
        return finals

    # ---- reference -----------------------------------------------------------------
    def write_reference(self) -> None:
        rng = self.rng
        folder = self.out / "reference"
        folder.mkdir(parents=True, exist_ok=True)
        with (folder / "people.csv").open("w", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(["email", "name", "team", "annual_cost_usd", "aliases"])
            for p in self.people:
                writer.writerow([p.email, p.name, p.team, p.annual_cost_usd, ";".join(p.aliases)])
        self.budget_limits = [("org", ORG_NAME, Decimal(1500 * len(self.people)))]
        for team, (_, _, per_person) in TEAMS.items():
            members = sum(1 for p in self.people if p.team == team)
            self.budget_limits.append(("team", team, Decimal(per_person * members)))
        for p in self.people:
            if p.profile == "heavy":  # individual limits, some below what heavy users spend
                self.budget_limits.append(("user", p.email, Decimal(rng.choice([600, 1200,
                                                                                 2500]))))
        with (folder / "budgets.csv").open("w", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(["scope", "scope_id", "monthly_limit_usd"])
            writer.writerows([scope, scope_id, int(limit)]
                             for scope, scope_id, limit in self.budget_limits)
        with (folder / "features.csv").open("w", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(["feature_key", "name", "product_area"])
            for f in self.features:
                writer.writerow([f.key, f.name, f.product_area])
        with (folder / "deal_features.csv").open("w", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(["deal_id", "feature_key", "weight"])
            for deal_id, weights in self.deal_weights.items():
                writer.writerows([deal_id, key, int(w)] for key, w in weights.items())

    # ---- truth ---------------------------------------------------------------------
    def truth(self, deals: list[dict]) -> dict:
        people = {p.email: p for p in self.people}
        payroll = sum((Decimal(p.annual_cost_usd) for p in self.people), Decimal(0)) / 12
        salary_share = {}
        for key, spend in sorted(self.totals.by["person_month"].items()):
            email, month = key.split("|")
            if email in people:
                monthly_cost = Decimal(people[email].annual_cost_usd) / 12
                salary_share[key] = float((spend / monthly_cost).quantize(Decimal("1e-9")))
        return {
            "generator": {"start": self.start.isoformat(), "days": self.days,
                          "engineers": self.engineers},
            "agent_calls": self.totals.calls,
            "quarantined_agent_calls": self.quarantined_agent_calls,
            "total_spend_usd": _cents(sum(self.totals.by["team"].values(), Decimal(0))),
            "spend_by_team_usd": self.totals.rounded("team"),
            "spend_by_tier_usd": self.totals.rounded("tier"),
            "spend_by_model_usd": self.totals.rounded("model"),
            "spend_by_person_usd": self.totals.rounded("person"),
            "spend_by_day_usd": self.totals.rounded("day"),
            "spend_by_task_class_usd": self.totals.rounded("task_class"),
            "spend_by_tool_usd": self.totals.rounded("tool"),
            "spend_by_month_usd": self.totals.rounded("month"),
            # Q1: the org's token spend as a share of payroll, per month.
            "spend_pct_of_payroll_by_month": {
                month: float((spend / payroll).quantize(Decimal("1e-9")))
                for month, spend in sorted(self.totals.by["month"].items())},
            # Q2: frontier-model spend on trivial and non-work prompts, per team and month, by
            # the prompts' true class (frontier_waste_usd_by_team_month: by the class the
            # pipeline can see).
            "frontier_waste_true_usd_by_team_month": {
                key: value for key, value in self.totals.rounded("frontier_waste").items()
                if key != "none"},
            "spend_pct_of_salary_by_person_month": salary_share,
            "people": len(self.people),
            "people_by_profile": {name: sum(1 for p in self.people if p.profile == name)
                                  for name in PROFILES},
            "features": len(self.features),
            "commits": self.commit_count,
            "ai_assisted_commits_by_method": dict(sorted(self.ai_commits.items())),
            # DESIGN.md "The bill", per provider with a usage export
            "bill_by_provider": {provider: {
                "billed_usd": _cents(b["billed"]), "logged_usd": _cents(b["logged"]),
                "unlogged_usd": _cents(b["unlogged"]),
                "telemetry_coverage": float((b["logged"] / b["billed"]).quantize(
                    Decimal("1e-9")))} for provider, b in sorted(self.bill.items())},
            **self.book.answers(deals, self.deal_weights, self.budget_limits),
        }

    def run(self) -> dict:
        self.make_people()
        self.make_features()
        self.make_calls()
        self.make_repos()
        deals = self.make_deals()
        self.write_reference()
        truth = self.truth(deals)
        (self.out / "truth.json").write_text(json.dumps(truth, indent=2, sort_keys=True) + "\n")
        return truth


def generate_org(out: Path, start: date = date(2026, 10, 1), days: int = 45,
                 engineers: int = 40, seed: int = 7, tag_all: bool = False) -> dict:
    """Write a synthetic org in every supported landing format under ``out``; return truth."""
    out.mkdir(parents=True, exist_ok=True)
    return OrgGenerator(out, start, days, engineers, seed, tag_all).run()
