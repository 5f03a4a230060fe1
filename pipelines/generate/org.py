"""The sample organisation: people, agent calls, real git repositories, CRM deals, truth.json.

Everything is drawn from one seeded ``random.Random`` so a seed always gives the same org.
The answers in truth.json are computed here, in plain Python with exact decimals, from the
records this module generated: never by running the pipeline.
"""

from __future__ import annotations

import hashlib
import json
import random
from collections import defaultdict
from datetime import date
from decimal import Decimal
from pathlib import Path

from pipelines.generate.call_formats import CHANNELS, FormatWriter
from pipelines.generate.calls import AgentCalls
from pipelines.generate.company import (
    FEATURE_NOUNS,
    FIRST_NAMES,
    LAST_NAMES,
    PROFILES,
    TEAMS,
    Feature,
    Person,
    Session,
    Totals,
    cents,
)
from pipelines.generate.crm_deals import CrmDeals
from pipelines.generate.git_history import GitHistory
from pipelines.generate.list_prices import Price, load_prices
from pipelines.generate.org_reference import ReferenceFiles
from pipelines.generate.truth import TruthBook, load_routing_targets
from pipelines.settings import SHIPPED_DBT_PROJECT, SHIPPED_PRICE_CATALOG

ROUTING_TARGETS = SHIPPED_DBT_PROJECT / "seeds" / "routing_targets.csv"


class OrgGenerator(AgentCalls, GitHistory, CrmDeals, ReferenceFiles):
    """One seeded org: people and features here; agent calls, git, CRM and reference files
    from the mixins of their source family (calls, git_history, crm_deals, org_reference)."""

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
            "total_spend_usd": cents(sum(self.totals.by["team"].values(), Decimal(0))),
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
            # docs/rules.md "The bill reconciliation", per provider with a usage export
            "bill_by_provider": {provider: {
                "billed_usd": cents(b["billed"]), "logged_usd": cents(b["logged"]),
                "unlogged_usd": cents(b["unlogged"]),
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
