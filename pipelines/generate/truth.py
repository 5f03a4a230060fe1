"""The answers to the five questions (docs/README.md), computed in plain Python from the
generated records.

Independent of the pipeline by construction: the generator feeds this book every call,
session, commit and deal it writes, and the book applies the rules of docs/rules.md with
exact decimals. The choices the design leaves open are fixed here and documented in the
README's "Choices" section; the dbt models implement the same choices.
"""

from __future__ import annotations

import calendar
import csv
import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from pipelines.generate.list_prices import Price

FEATURE_KEY = re.compile(r"[A-Z][A-Z0-9]+-[0-9]+")
SESSION_LINK_WINDOW = timedelta(hours=4)
ROUTABLE_TIERS = ("frontier", "mid")


def load_routing_targets(path: Path) -> dict[str, tuple[str, str]]:
    with path.open(newline="") as handle:
        return {row["task_class"]: (row["target_provider"], row["target_model"])
                for row in csv.DictReader(handle)}


def _money(value: Decimal) -> float:
    return float(value.quantize(Decimal("0.000001")))


@dataclass
class SessionRecord:
    person_email: str
    repo: str | None
    first_at: datetime
    last_at: datetime
    pending_usd: Decimal = Decimal(0)  # cost left for commit linking (rule c)


@dataclass
class CommitRecord:
    repo: str
    author_email: str
    authored_at: datetime
    lines_changed: int
    feature_key: str | None
    session_ids: list[str]


@dataclass
class TruthBook:
    prices: dict[tuple[str, str], Price]
    routing_targets: dict[str, tuple[str, str]]
    known_people: dict[str, str]  # email -> team
    feature_cost: dict[str, Decimal] = field(default_factory=lambda: defaultdict(Decimal))
    unattributed: dict[str, Decimal] = field(default_factory=lambda: defaultdict(Decimal))
    total: Decimal = Decimal(0)
    sessions: dict[str, SessionRecord] = field(default_factory=dict)
    commits: list[CommitRecord] = field(default_factory=list)
    shipped_on: dict[str, date] = field(default_factory=dict)
    routing: dict[str, list[Decimal]] = field(default_factory=lambda: defaultdict(
        lambda: [Decimal(0), Decimal(0), Decimal(0)]))
    scope_spend: dict[tuple[str, str, str], Decimal] = field(default_factory=lambda: defaultdict(
        Decimal))
    last_day: date | None = None

    # ---- calls ---------------------------------------------------------------------
    def add_call(self, *, occurred_at: datetime, person_email: str, provider: str, model: str,
                 task_class: str, tokens: dict[str, int], cost: Decimal, session_id: str,
                 repo: str | None, branch: str | None, tagged_feature: str | None) -> None:
        self.total += cost
        team = self.known_people.get(person_email)
        month = occurred_at.strftime("%Y-%m")
        day = occurred_at.date()
        self.last_day = max(self.last_day or day, day)
        self._route(month, team or "unknown", task_class, provider, model, tokens, cost)
        self.scope_spend[(month, "org", "")] += cost
        if team:
            self.scope_spend[(month, "team", team)] += cost
            self.scope_spend[(month, "user", person_email)] += cost
            session = self.sessions.get(session_id)
            if session is None:
                self.sessions[session_id] = SessionRecord(person_email, repo, occurred_at,
                                                          occurred_at)
            else:
                session.first_at = min(session.first_at, occurred_at)
                session.last_at = max(session.last_at, occurred_at)
        # docs/rules.md "Attribution: call → feature": non-work first, then (a) explicit
        # key, (b) branch key, (c) commits linked to the session (settled in finish()).
        branch_key = FEATURE_KEY.search(branch or "")
        if task_class == "non_work":
            self.unattributed["non_work"] += cost
        elif tagged_feature:
            self.feature_cost[tagged_feature] += cost
        elif branch_key:
            self.feature_cost[branch_key.group(0)] += cost
        elif team is None:
            self.unattributed["unknown_person"] += cost
        else:
            self.sessions[session_id].pending_usd += cost

    def add_unlogged(self, *, day: date, person_email: str, team: str | None, provider: str,
                     model: str, cost: Decimal) -> None:
        """Billed spend no log explains: counted everywhere, attributed nowhere."""
        self.total += cost
        month = day.strftime("%Y-%m")
        self.last_day = max(self.last_day or day, day)
        tokens = dict.fromkeys(("input_tokens", "cache_read_tokens", "cache_write_tokens",
                                "cache_write_1h_tokens", "output_tokens"), 0)
        self._route(month, team or "unknown", "unknown", provider, model, tokens, cost)
        self.scope_spend[(month, "org", "")] += cost
        if team:
            self.scope_spend[(month, "team", team)] += cost
            self.scope_spend[(month, "user", person_email)] += cost
        self.unattributed["unlogged"] += cost

    def _route(self, month: str, team: str, task_class: str, provider: str, model: str,
               tokens: dict[str, int], cost: Decimal) -> None:
        tier = self.prices[(provider, model)].tier
        routed = cost
        if tier in ROUTABLE_TIERS and task_class in self.routing_targets:
            routed = self.prices[self.routing_targets[task_class]].cost(
                tokens["input_tokens"], tokens["cache_read_tokens"],
                tokens["cache_write_tokens"], tokens["cache_write_1h_tokens"],
                tokens["output_tokens"])
        bucket = self.routing[f"{month}|{team}|{task_class}|{tier}"]
        bucket[0] += cost
        bucket[1] += routed
        bucket[2] += max(cost - routed, Decimal(0))

    # ---- commits -------------------------------------------------------------------
    def add_commit(self, record: CommitRecord) -> None:
        self.commits.append(record)

    def add_ship(self, feature_key: str, shipped_at: datetime) -> None:
        """The first mainline commit that references the key (a merge commit here)."""
        day = shipped_at.date()
        self.shipped_on[feature_key] = min(self.shipped_on.get(feature_key, day), day)

    def _settle_sessions(self) -> None:
        by_trailer: dict[str, list[CommitRecord]] = defaultdict(list)
        by_author: dict[tuple[str, str], list[CommitRecord]] = defaultdict(list)
        by_person: dict[str, list[CommitRecord]] = defaultdict(list)
        for commit in self.commits:
            for session_id in commit.session_ids:
                by_trailer[session_id].append(commit)
            by_author[(commit.author_email, commit.repo)].append(commit)
            by_person[commit.author_email].append(commit)
        for session_id, session in self.sessions.items():
            if not session.pending_usd:
                continue
            # Same repo when the call's log names one; any repo of the person's otherwise.
            candidates = (by_author.get((session.person_email, session.repo), [])
                          if session.repo else by_person.get(session.person_email, []))
            linked = by_trailer.get(session_id) or [
                c for c in candidates
                if session.first_at <= c.authored_at <= session.last_at + SESSION_LINK_WINDOW]
            if not linked:
                self.unattributed["no_linked_commit"] += session.pending_usd
                continue
            lines = sum(c.lines_changed for c in linked)
            for commit in linked:
                share = (Decimal(commit.lines_changed) / lines if lines
                         else Decimal(1) / len(linked))
                amount = session.pending_usd * share
                if commit.feature_key:
                    self.feature_cost[commit.feature_key] += amount
                else:
                    self.unattributed["no_feature_key"] += amount

    # ---- deals ---------------------------------------------------------------------
    def revenue(self, deals: list[dict], weights: dict[str, dict[str, Decimal]]) -> dict:
        """deals: each {deal_id, won, amount_usd, close_date, features} after replay."""
        credited: dict[str, Decimal] = defaultdict(Decimal)
        not_credited: dict[str, Decimal] = defaultdict(Decimal)
        won_total = Decimal(0)
        for deal in deals:
            if not deal["won"]:
                continue
            amount = Decimal(str(deal["amount_usd"]))
            won_total += amount
            cited = weights.get(deal["deal_id"]) or {k: Decimal(1) for k in deal["features"]}
            if not cited:
                not_credited["no_cited_feature"] += amount
                continue
            weight_total = sum(cited.values())
            for key, weight in cited.items():
                share = amount * weight / weight_total
                shipped = self.shipped_on.get(key)
                if shipped is None:
                    not_credited["never_shipped"] += share
                elif shipped > deal["close_date"]:
                    not_credited["shipped_after_close"] += share
                else:
                    credited[key] += share
        return {"won_total": won_total, "credited": credited, "not_credited": not_credited}

    # ---- budgets -------------------------------------------------------------------
    def budgets(self, limits: list[tuple[str, str, Decimal]]) -> dict[str, dict]:
        """Month-to-date spend per scope as of the last day with data; run-rate projection."""
        answers = {}
        months = sorted({month for month, _, _ in self.scope_spend})
        for month in months:
            year, number = map(int, month.split("-"))
            days_in_month = calendar.monthrange(year, number)[1]
            as_of = self.last_day
            month_end = date(year, number, days_in_month)
            elapsed = days_in_month if as_of is None or as_of >= month_end else as_of.day
            for scope, scope_id, limit in limits:
                spend = self.scope_spend.get((month, scope, "" if scope == "org" else scope_id),
                                             Decimal(0))
                projected = spend * days_in_month / elapsed
                status = "over" if spend >= limit else "at_risk" if projected >= limit else "ok"
                answers[f"{month}|{scope}|{scope_id}"] = {
                    "spend_usd": _money(spend), "limit_usd": float(limit),
                    "projected_usd": _money(projected), "status": status}
        return answers

    # ---- all answers ---------------------------------------------------------------
    def answers(self, deals: list[dict], weights: dict[str, dict[str, Decimal]],
                limits: list[tuple[str, str, Decimal]]) -> dict:
        self._settle_sessions()
        revenue = self.revenue(deals, weights)
        attributed = sum(self.feature_cost.values(), Decimal(0))
        features = sorted(set(self.feature_cost) | set(revenue["credited"])
                          | set(self.shipped_on))
        routing = {key: {"cost_usd": _money(c), "routed_cost_usd": _money(r),
                         "savings_usd": _money(s)} for key, (c, r, s) in sorted(
                             self.routing.items())}
        frontier = sum((c for key, (c, _, _) in self.routing.items()
                        if key.endswith("|frontier")), Decimal(0))
        routable = sum((c for key, (c, _, s) in self.routing.items()
                        if key.endswith("|frontier") and key.split("|")[2]
                        in self.routing_targets), Decimal(0))
        won = revenue["won_total"]
        waste: dict[str, Decimal] = defaultdict(Decimal)
        for key, (cost, _, _) in self.routing.items():
            month, team, task_class, tier = key.split("|")
            if tier == "frontier" and task_class in ("trivial", "non_work"):
                waste[f"{team}|{month}"] += cost
        return {
            "frontier_waste_usd_by_team_month": {k: _money(v) for k, v in sorted(
                waste.items())},
            # Q2: routing savings (month|team|task_class|tier) and the frontier share routable
            "routing_by_month_team_class_tier": routing,
            "routing_savings_usd": _money(sum((s for _, _, s in self.routing.values()),
                                              Decimal(0))),
            "routable_share_of_frontier_spend": float((routable / frontier).quantize(
                Decimal("1e-9"))) if frontier else None,
            # Q3: budgets (month|scope|scope_id)
            "budget_status": self.budgets(limits),
            # Q4: per-feature agent cost, credited revenue, ship date
            "features": {key: {
                "agent_cost_usd": _money(self.feature_cost.get(key, Decimal(0))),
                "credited_revenue_usd": _money(revenue["credited"].get(key, Decimal(0))),
                "shipped_on": self.shipped_on[key].isoformat() if key in self.shipped_on
                else None} for key in features},
            # Q5: what could be attributed at all
            "attributed_spend_usd": _money(attributed),
            "unattributed_spend_usd_by_reason": {k: _money(v) for k, v in sorted(
                self.unattributed.items())},
            "spend_attribution_coverage": float((attributed / self.total).quantize(
                Decimal("1e-9"))) if self.total else None,
            "won_revenue_usd": _money(won),
            "credited_revenue_usd": _money(sum(revenue["credited"].values(), Decimal(0))),
            "not_credited_revenue_usd_by_reason": {k: _money(v) for k, v in sorted(
                revenue["not_credited"].items())},
            "revenue_credit_coverage": float((sum(revenue["credited"].values(), Decimal(0))
                                              / won).quantize(Decimal("1e-9"))) if won else None,
        }
