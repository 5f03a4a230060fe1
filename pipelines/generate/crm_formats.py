"""Write generated deal timelines as Salesforce and HubSpot exports."""

from __future__ import annotations

import csv
import json
from pathlib import Path

SALESFORCE_STAGES = {"prospecting": "Prospecting", "negotiation": "Negotiation/Review",
                     "closed_won": "Closed Won", "closed_lost": "Closed Lost"}
HUBSPOT_STAGES = {"prospecting": "appointmentscheduled", "negotiation": "contractsent",
                  "closed_won": "closedwon", "closed_lost": "closedlost"}


def _salesforce_time(iso: str) -> str:
    return iso.replace("Z", "+0000")


def write_salesforce(folder: Path, deals: list[list[dict]]) -> None:
    """Opportunity.csv (current state) and OpportunityHistory.csv (one row per event)."""
    folder.mkdir(parents=True, exist_ok=True)
    opportunities, history = [], []
    for events in deals:
        last = events[-1]
        opportunities.append({
            "Id": last["deal_id"], "Name": last["deal_name"], "Account.Name": last["account"],
            "Amount": last["amount_usd"], "StageName": SALESFORCE_STAGES[last["stage"]],
            "CloseDate": last["close_date"], "IsWon": str(last["event_type"] == "closed_won"),
            "IsClosed": str(last["event_type"] in ("closed_won", "closed_lost")),
            "CreatedDate": _salesforce_time(events[0]["occurred_at"]),
            "LastModifiedDate": _salesforce_time(last["occurred_at"]),
            "Owner.Email": last["owner_email"], "Features__c": ";".join(last["features"])})
        for event in events:
            history.append({
                "Id": f"{event['deal_id']}-H{event['sequence']}",
                "OpportunityId": event["deal_id"],
                "CreatedDate": _salesforce_time(event["occurred_at"]),
                "StageName": SALESFORCE_STAGES[event["stage"]], "Amount": event["amount_usd"],
                "CloseDate": event["close_date"], "IsDeleted": "false"})
    for name, rows in (("Opportunity.csv", opportunities), ("OpportunityHistory.csv", history)):
        if not rows:
            continue
        with (folder / name).open("w", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
            writer.writeheader()
            writer.writerows(rows)


def write_hubspot(folder: Path, deals: list[list[dict]]) -> None:
    """CRM v3 deal objects with propertiesWithHistory, newest history entry first."""
    folder.mkdir(parents=True, exist_ok=True)
    results = []
    for events in deals:
        last = events[-1]
        history: dict[str, list[dict]] = {"dealstage": [], "amount": [], "closedate": []}
        previous: dict = {}
        for event in events:
            values = {"dealstage": HUBSPOT_STAGES[event["stage"]],
                      "amount": str(event["amount_usd"]), "closedate": event["close_date"]}
            for name, value in values.items():
                if previous.get(name) != value:
                    history[name].insert(0, {"value": value, "timestamp": event["occurred_at"],
                                             "sourceType": "CRM_UI"})
            previous = values
        results.append({
            "id": last["deal_id"], "createdAt": events[0]["occurred_at"],
            "updatedAt": last["occurred_at"], "archived": False,
            "properties": {"dealname": last["deal_name"], "company": last["account"],
                           "amount": str(last["amount_usd"]),
                           "dealstage": HUBSPOT_STAGES[last["stage"]],
                           "closedate": last["close_date"], "features": ";".join(
                               last["features"]), "owner_email": last["owner_email"],
                           "hs_is_closed_won": str(last["event_type"] == "closed_won").lower()},
            "propertiesWithHistory": history})
    (folder / "deals.json").write_text(json.dumps({"results": results}, indent=1))
