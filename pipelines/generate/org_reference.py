"""The sample org's reference files: people (with aliases), budgets, features, deal
features."""

from __future__ import annotations

import csv
from decimal import Decimal

from pipelines.generate.company import ORG_NAME, TEAMS


class ReferenceFiles:
    """Mixed into OrgGenerator: its landing/reference/ files."""

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
