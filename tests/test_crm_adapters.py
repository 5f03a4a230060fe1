"""Salesforce and HubSpot exports → canonical deal events that replay to the current state."""

from __future__ import annotations

import csv
import json
from pathlib import Path

from pipelines.sources.crm.deal_exports import read_hubspot, read_salesforce


def write_csv(path: Path, rows: list[dict]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


def test_salesforce_history_becomes_events_and_won_stages_come_from_is_won(tmp_path):
    folder = tmp_path / "salesforce"
    write_csv(folder / "Opportunity.csv", [
        {"Id": "006A", "Name": "Globex expansion", "AccountId": "001G", "Amount": "120000",
         "StageName": "Signed", "CloseDate": "2026-10-20", "IsWon": "true", "IsClosed": "true",
         "CreatedDate": "2026-09-01T10:00:00.000+0000",
         "LastModifiedDate": "2026-10-20T15:00:00.000+0000", "Features__c": "PAY-1;PAY-2"},
        {"Id": "006B", "Name": "Hooli pilot", "AccountId": "001H", "Amount": "30000",
         "StageName": "Negotiation", "CloseDate": "2026-11-30", "IsWon": "false",
         "IsClosed": "false", "CreatedDate": "2026-09-05T10:00:00.000+0000",
         "LastModifiedDate": "2026-10-25T09:00:00.000+0000", "Features__c": ""},
    ])
    write_csv(folder / "OpportunityHistory.csv", [
        {"Id": "008-1", "OpportunityId": "006A", "CreatedDate": "2026-09-01T10:00:00.000+0000",
         "StageName": "Prospecting", "Amount": "100000", "CloseDate": "2026-10-31",
         "IsDeleted": "false"},
        {"Id": "008-2", "OpportunityId": "006A", "CreatedDate": "2026-09-10T10:00:00.000+0000",
         "StageName": "Prospecting", "Amount": "120000", "CloseDate": "2026-10-31",
         "IsDeleted": "false"},
        {"Id": "008-3", "OpportunityId": "006A", "CreatedDate": "2026-10-20T15:00:00.000+0000",
         "StageName": "Signed", "Amount": "120000", "CloseDate": "2026-10-20",
         "IsDeleted": "false"},
        # Hooli was lost, then re-opened; its history stops before today's stage
        {"Id": "008-4", "OpportunityId": "006B", "CreatedDate": "2026-09-05T10:00:00.000+0000",
         "StageName": "Closed Lost", "Amount": "30000", "CloseDate": "2026-10-01",
         "IsDeleted": "false"},
    ])
    valid, rejected = read_salesforce(folder)
    assert rejected is None
    # amounts as the export wrote them, in the org's currency (no CurrencyIsoCode column)
    events = [(r["deal_id"], r["sequence"], r["event_type"], r["stage"], r["amount"],
               r["currency"]) for r in valid.to_pylist()]
    assert events == [
        ("006A", 1, "created", "Prospecting", "100000", None),
        ("006A", 2, "amount_changed", "Prospecting", "120000", None),
        ("006A", 3, "closed_won", "Signed", "120000", None),  # "Signed" is a won stage here
        ("006B", 1, "created", "Closed Lost", "30000", None),
        ("006B", 2, "reopened", "Negotiation", "30000", None),  # the current state, appended
    ]
    first = valid.to_pylist()[0]
    assert first["features"] == ["PAY-1", "PAY-2"] and first["account"] == "001G"
    assert str(valid.to_pylist()[2]["close_date"]) == "2026-10-20"


def test_hubspot_property_history_replays_a_win_reopened_and_won_again(tmp_path):
    deal = {"id": "9001", "createdAt": "2026-09-01T10:00:00Z", "archived": False,
            "properties": {"dealname": "Initech renewal", "amount": "50000",
                           "dealstage": "closedwon", "closedate": "2026-10-25T00:00:00Z",
                           "features": "GRO-101;GRO-102", "hs_is_closed_won": "true"},
            "propertiesWithHistory": {
                "dealstage": [
                    {"value": "closedwon", "timestamp": "2026-10-25T12:00:00Z"},
                    {"value": "contractsent", "timestamp": "2026-10-12T12:00:00Z"},
                    {"value": "closedwon", "timestamp": "2026-10-10T12:00:00Z"},
                    {"value": "appointmentscheduled", "timestamp": "2026-09-01T10:00:00Z"}],
                "amount": [{"value": "50000", "timestamp": "2026-10-20T09:00:00Z"},
                           {"value": "40000", "timestamp": "2026-09-01T10:00:00Z"}],
            }}
    path = tmp_path / "hubspot" / "deals.json"
    path.parent.mkdir()
    path.write_text(json.dumps({"results": [deal, {"properties": {}}]}))
    valid, rejected = read_hubspot(path)
    events = [(r["sequence"], r["event_type"], r["stage"], r["amount"])
              for r in valid.to_pylist()]
    assert events == [
        (1, "created", "appointmentscheduled", "40000"),
        (2, "closed_won", "closedwon", "40000"),
        (3, "reopened", "contractsent", "40000"),
        (4, "amount_changed", "contractsent", "50000"),
        (5, "closed_won", "closedwon", "50000"),
    ]
    assert valid.to_pylist()[0]["features"] == ["GRO-101", "GRO-102"]
    assert [r["reason"] for r in rejected.to_pylist()] == ["a deal without an id"]
