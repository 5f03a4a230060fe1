"""The sample org's CRM: deal event timelines (won, lost, open, re-opened), a third each in
the canonical form, Salesforce's and HubSpot's exports."""

from __future__ import annotations

import json
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from pipelines.generate.company import iso
from pipelines.generate.crm_formats import write_hubspot, write_salesforce

ACCOUNTS = ["Globex", "Initech", "Umbrella", "Hooli", "Stark Industries", "Wayne Enterprises",
            "Tyrell", "Cyberdyne", "Soylent", "Wonka", "Vandelay", "Pied Piper"]


class CrmDeals:
    """Mixed into OrgGenerator: its deals."""

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
                events.append({"event_id": f"{deal_id}-{seq}", "occurred_at": iso(when),
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
