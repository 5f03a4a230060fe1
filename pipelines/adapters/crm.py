"""CRM exports → canonical deal events (replayed in dbt by (occurred_at, sequence)).

- Salesforce: ``Opportunity.csv`` (current state: ``IsWon``, ``IsClosed``, ``Amount``,
  ``StageName``, ``CloseDate``, a multi-select such as ``Features__c`` split on ``;``) and
  ``OpportunityHistory.csv`` (one row per change of stage, amount or close date). History
  rows become events; a stage counts as won when Salesforce marks an opportunity in it
  ``IsWon``. When the history does not end in the current state, the current state is
  appended as a last event, so a replay always lands where Salesforce is now.
- HubSpot: CRM v3 deal objects with ``propertiesWithHistory`` (``dealstage``, ``amount``,
  ``closedate``, ``hs_is_closed_won``); ``closedwon`` / ``hs_is_closed_won`` mark a win.
"""

from __future__ import annotations

import csv
import json
from collections import defaultdict
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import pyarrow as pa

from pipelines.adapters.canonical import (
    Part,
    SourceRecord,
    check_records,
    joined,
    json_documents,
)
from pipelines.adapters.fields import BadValue, text_value

FEATURES_FIELDS = ("Features__c", "features", "Features")


def split_features(value: Any) -> list[str]:
    if isinstance(value, list):
        return [str(v).strip() for v in value if str(v).strip()]
    return [part.strip() for part in str(value or "").split(";") if part.strip()]


def _truthy(value: Any) -> bool:
    return str(value).strip().lower() in ("true", "1", "yes")


def _event_type(previous: dict | None, stage: str, amount: Any, won: set[str],
                lost: set[str]) -> str:
    if previous is None:
        return "created"
    was_closed = previous["stage"] in won or previous["stage"] in lost
    if stage != previous["stage"]:
        if stage in won:
            return "closed_won"
        if stage in lost:
            return "closed_lost"
        return "reopened" if was_closed else "stage_changed"
    return "amount_changed" if amount != previous["amount_usd"] else "stage_changed"


# ---- Salesforce -----------------------------------------------------------------------------
def _read_csv(path: Path) -> list[tuple[int, dict]]:
    with path.open(newline="", encoding="utf-8-sig", errors="replace") as handle:
        reader = csv.DictReader(handle)
        return [(reader.line_num, row) for row in reader]


def read_salesforce(folder: Path) -> tuple[pa.Table | None, pa.Table | None]:
    return joined(read_salesforce_parts(folder))


def read_hubspot(path: Path) -> tuple[pa.Table | None, pa.Table | None]:
    return joined(read_hubspot_parts(path))


def read_salesforce_parts(folder: Path) -> Iterator[Part]:
    opportunities = _read_csv(folder / "Opportunity.csv")
    history_path = folder / "OpportunityHistory.csv"
    history = _read_csv(history_path) if history_path.exists() else []
    won = {"Closed Won"} | {row["StageName"] for _, row in opportunities
                            if _truthy(row.get("IsWon"))}
    lost = {"Closed Lost"} | {row["StageName"] for _, row in opportunities
                              if _truthy(row.get("IsClosed")) and not _truthy(row.get("IsWon"))}
    changes: dict[str, list[tuple[int, dict]]] = defaultdict(list)
    for line, row in history:
        if not _truthy(row.get("IsDeleted")):
            changes[row.get("OpportunityId", "")].append((line, row))
    records: list[SourceRecord] = []
    for line, opportunity in opportunities:
        deal_id = opportunity.get("Id")
        if not deal_id:
            records.append(SourceRecord(line, json.dumps(opportunity),
                                        reason="missing required field Id"))
            continue
        base = {"deal_id": deal_id, "deal_name": opportunity.get("Name"),
                "account": opportunity.get("Account.Name") or opportunity.get("AccountName")
                or opportunity.get("AccountId"),
                "owner_email": opportunity.get("Owner.Email") or None,
                "features": split_features(next((opportunity[f] for f in FEATURES_FIELDS
                                                 if opportunity.get(f)), ""))}
        previous = None
        ordered = sorted(changes.get(deal_id, []), key=lambda item: (item[1].get("CreatedDate")
                                                                     or "", item[0]))
        steps = [(f"salesforce:{row.get('Id') or f'{deal_id}:{n}'}", row.get("CreatedDate"),
                  row.get("StageName"), row.get("Amount"), row.get("CloseDate"), n,
                  json.dumps(row)) for n, (_, row) in enumerate(ordered, start=1)]
        current = (opportunity.get("StageName"), opportunity.get("Amount"),
                   opportunity.get("CloseDate"))
        if not steps or (steps[-1][2], steps[-1][3], steps[-1][4]) != current:
            steps.append((f"salesforce:{deal_id}:current", opportunity.get("LastModifiedDate")
                           or opportunity.get("CreatedDate"), *current, len(steps) + 1,
                           json.dumps(opportunity)))
        for event_id, occurred_at, stage, amount, close_date, sequence, original in steps:
            amount_value = float(amount) if _is_number(amount) else amount or None
            event = {**base, "event_id": event_id, "occurred_at": occurred_at,
                     "sequence": sequence, "stage": stage, "amount_usd": amount_value,
                     "close_date": close_date or None,
                     "event_type": _event_type(previous, stage, amount_value, won, lost)}
            records.append(SourceRecord(line * 1000 + sequence, original, event))
            previous = event
    yield check_records("deal_events", records)


def _is_number(value: Any) -> bool:
    try:
        float(value)
        return True
    except (TypeError, ValueError):
        return False


# ---- HubSpot --------------------------------------------------------------------------------
WON_STAGES, LOST_STAGES = {"closedwon"}, {"closedlost"}
TRACKED = ("dealstage", "amount", "closedate", "hs_is_closed_won")


def _deal_events(deal: dict) -> Iterable[dict]:
    """The deal's events, replayed from its property history; BadValue for a deal whose
    properties or history are not the shape HubSpot exports (objects of text values)."""
    properties, history = deal.get("properties") or {}, deal.get("propertiesWithHistory") or {}
    if not isinstance(properties, dict) or not isinstance(history, dict):
        raise BadValue("properties or propertiesWithHistory is not an object")
    properties = {name: value if name == "features" else text_value(value, name)
                  for name, value in properties.items()}
    history = {name: [(text_value(entry.get("timestamp"), f"{name} history timestamp"),
                       text_value(entry.get("value"), f"{name} history value"))
                      for entry in entries if isinstance(entry, dict)]
               for name in TRACKED if isinstance(entries := history.get(name) or [], list)}
    changes = sorted(((timestamp, name, value) for name in TRACKED
                      for timestamp, value in history.get(name) or []),
                     key=lambda change: (change[0] or "", TRACKED.index(change[1])))
    if not changes:  # no history requested: the current state is the only event
        created = properties.get("createdate") or text_value(deal.get("createdAt"), "createdAt")
        changes = [(created, name, properties.get(name)) for name in TRACKED
                   if name in properties]
    # A property without history held its current value throughout (won-ness excepted).
    state = {name: None if history.get(name) or name == "hs_is_closed_won"
             else properties.get(name) for name in TRACKED}
    base = {"deal_id": str(deal.get("id")), "deal_name": properties.get("dealname"),
            "account": properties.get("company") or properties.get("account_name"),
            "owner_email": properties.get("owner_email"),
            "features": split_features(properties.get("features"))}
    previous = None
    # Changes made at one timestamp are one event.
    by_time: dict[str, list[tuple[str, Any]]] = defaultdict(list)
    for timestamp, name, value in changes:
        by_time[timestamp].append((name, value))
    for sequence, timestamp in enumerate(sorted(by_time, key=lambda t: t or ""), start=1):
        for name, value in by_time[timestamp]:
            state[name] = value
        stage = state["dealstage"]
        if _truthy(state["hs_is_closed_won"]) and stage not in WON_STAGES:
            stage = "closedwon"
        amount = float(state["amount"]) if _is_number(state["amount"]) else state["amount"]
        event = {**base, "event_id": f"hubspot:{base['deal_id']}:{timestamp}",
                 "occurred_at": timestamp, "sequence": sequence, "stage": stage,
                 "amount_usd": amount, "close_date": state["closedate"] or None,
                 "event_type": _event_type(previous, stage, amount, WON_STAGES, LOST_STAGES)}
        yield event
        previous = event


def read_hubspot_parts(path: Path) -> Iterator[Part]:
    """Deals numbered in file order (a line that is not JSON counts as one); a deal's events
    share its number, times 1000, plus their sequence."""
    records: list[SourceRecord] = []
    ordinal = 0
    for document in json_documents(path):
        payload = document.canonical
        deals = payload.get("results", [payload]) if isinstance(payload, dict) else payload
        if document.canonical is None or not isinstance(deals, list):
            ordinal += 1
            records.append(SourceRecord(ordinal * 1000, document.original or json.dumps(deals),
                                        reason=document.reason or "not a deal, nor a list"))
            continue
        for deal in deals:
            ordinal += 1
            if not isinstance(deal, dict) or not deal.get("id"):
                records.append(SourceRecord(ordinal * 1000, json.dumps(deal),
                                            reason="a deal without an id"))
                continue
            try:
                events = list(_deal_events(deal))
            except BadValue as error:
                records.append(SourceRecord(ordinal * 1000, json.dumps(deal), reason=str(error)))
                continue
            records += [SourceRecord(ordinal * 1000 + event["sequence"], json.dumps(deal), event)
                        for event in events]
    yield check_records("deal_events", records)
