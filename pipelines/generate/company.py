"""The sample organisation's make-up: teams, people, features, sessions, usage profiles,
and the exact spend totals truth.json is made of."""

from __future__ import annotations

import hashlib
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal

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
FEATURE_NOUNS = ["webhooks", "retry queue", "audit log", "SSO login", "usage dashboard",
                 "bulk export", "smart search", "invoice PDFs", "offline mode", "rate limits",
                 "fraud rules", "data lineage", "push digests", "tax engine", "API keys"]


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
        return {k: cents(v) for k, v in sorted(self.by[dimension].items())}


def cents(value: Decimal) -> float:
    return float(value.quantize(Decimal("0.000001")))


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
