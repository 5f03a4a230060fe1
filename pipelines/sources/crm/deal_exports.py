"""CRM exports → canonical deal events (replayed in dbt by (occurred_at, sequence)).

- Salesforce: ``Opportunity.csv`` (current state: ``IsWon``, ``IsClosed``, ``Amount``,
  ``StageName``, ``CloseDate``, a multi-select such as ``Features__c`` split on ``;``) and
  ``OpportunityHistory.csv`` (one row per change of stage, amount or close date). History
  rows become events; a stage counts as won when Salesforce marks an opportunity in it
  ``IsWon``. When the history does not end in the current state, the current state is
  appended as a last event, so a replay always lands where Salesforce is now.
- HubSpot: CRM v3 deal objects with ``propertiesWithHistory`` (``dealstage``, ``amount``,
  ``closedate``, ``hs_is_closed_won``), as the API pages, batch reads and Airbyte's
  connector write them (values as strings, or as JSON numbers and booleans), and legacy v1
  ``/deals/v1/deal/paged`` pages (each property an object: the current value is
  ``.value``, its history ``.versions``, times in epoch milliseconds). ``closedwon`` or
  ``hs_is_closed_won`` mark a win, ``closedlost`` or ``hs_is_closed`` without a win a loss:
  a custom pipeline's stages are numeric ids, so the flags decide the current state.

Money stays in its currency: ``amount`` is the source's text (every digit kept; Salesforce
``Amount``, HubSpot ``amount``), ``currency`` the ISO code (Salesforce ``CurrencyIsoCode``,
HubSpot ``deal_currency_code``; none in a single-currency org or for HubSpot's company
currency). dbt converts at the close date's rate. A close date is a UTC calendar date.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections import defaultdict
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import pyarrow as pa

from pipelines.sources.agent_calls.canonical import (
    Part,
    SourceRecord,
    check_records,
    joined,
    json_documents,
)
from pipelines.sources.reading.encoding import read_csv_text
from pipelines.sources.reading.fields import BadValue, text_value

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
    return ("amount_changed" if _number(amount) != _number(previous["amount"])
            else "stage_changed")


_DECIMAL = re.compile(r"^[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?$")


def _number(text: str | None) -> Decimal | None:
    try:
        return Decimal(text) if text else None
    except InvalidOperation:
        return None


def source_amount(value: Any, name: str) -> str | None:
    """An amount as the source wrote it (text, every digit kept), or BadValue: a number that
    is not finite or is negative is a reason, never a guess."""
    text = (text_value(value, name) or "").strip()
    if not text:
        return None
    # plain ASCII decimals as SQL reads them (Python's Decimal also takes "1_000", "NaN"
    # and other scripts' digits)
    if not _DECIMAL.match(text):
        raise BadValue(f"{name} is not a number")
    if Decimal(text) < 0:
        raise BadValue(f"{name} is negative")
    return text


def currency_code(value: Any, name: str) -> str | None:
    text = (text_value(value, name) or "").strip().upper()
    return text or None


def _from_epoch_ms(milliseconds: int) -> datetime:
    return datetime(1970, 1, 1, tzinfo=UTC) + timedelta(milliseconds=milliseconds)


def utc_date(value: str | None) -> str | None:
    """A close date as a UTC calendar date: HubSpot's closedate is a UTC instant (v3 ISO
    text, v1 epoch milliseconds); the date a zone behind UTC would see is another day, and
    on a rate boundary another rate. Text that is no time is left for the contract check."""
    if value is None or not value.strip():
        return None
    text = value.strip()
    try:
        if text.lstrip("-").isdigit():
            return _from_epoch_ms(int(text)).date().isoformat()
        moment = datetime.fromisoformat(text)
    except (ValueError, OverflowError):
        return text
    if moment.tzinfo is None:
        return moment.date().isoformat()
    return moment.astimezone(UTC).date().isoformat()


# ---- Salesforce -----------------------------------------------------------------------------
def _read_csv(path: Path) -> list[tuple[int, dict]]:
    """Rows with the line each ends on; UTF-8 or Windows-1252 (sources/reading/encoding)."""
    reader = csv.DictReader(io.StringIO(read_csv_text(path), newline=""))
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
                # a single-currency org's export has no CurrencyIsoCode: the company's
                "currency": currency_code(opportunity.get("CurrencyIsoCode"), "CurrencyIsoCode"),
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
            try:
                amount_text = source_amount(amount, "Amount")
            except BadValue as error:
                records.append(SourceRecord(line * 1000 + sequence, original,
                                            reason=str(error)))
                continue
            event = {**base, "event_id": event_id, "occurred_at": occurred_at,
                     "sequence": sequence, "stage": stage, "amount": amount_text,
                     "close_date": close_date or None,
                     "event_type": _event_type(previous, stage, amount_text, won, lost)}
            records.append(SourceRecord(line * 1000 + sequence, original, event))
            previous = event
    yield check_records("deal_events", records)


# ---- HubSpot --------------------------------------------------------------------------------
WON_STAGES, LOST_STAGES = {"closedwon"}, {"closedlost"}
TRACKED = ("dealstage", "amount", "deal_currency_code", "closedate", "hs_is_closed_won",
           "hs_is_closed")
# What HubSpot computes for the deal as it is now: without their own history they describe
# the last event only (a custom pipeline's won stage is a numeric id: only these tell).
FLAGS = ("hs_is_closed_won", "hs_is_closed")


def _transition(previous: dict | None, stage: str | None, amount: str | None, won: bool,
                lost: bool) -> str:
    if previous is None:
        return "closed_won" if won else "closed_lost" if lost else "created"
    if won and not previous["won"]:
        return "closed_won"
    if lost and not previous["lost"]:
        return "closed_lost"
    if (previous["won"] or previous["lost"]) and not (won or lost):
        return "reopened"
    if stage == previous["stage"] and _number(amount) != _number(previous["amount"]):
        return "amount_changed"
    return "stage_changed"


def _v1_time(value: Any, name: str) -> str | None:
    """A legacy v1 time: epoch milliseconds, as a number or its text."""
    text = (text_value(value, name) or "").strip()
    if not text:
        return None
    if not text.lstrip("-").isdigit():
        raise BadValue(f"{name} is not epoch milliseconds")
    try:
        return _from_epoch_ms(int(text)).isoformat()
    except OverflowError:
        raise BadValue(f"{name} is out of range") from None


def _from_v1(deal: dict) -> dict:
    """A legacy v1 deal (``dealId``; each property ``{value, timestamp, versions}``) in v3's
    shape: the current value is ``.value``, the history ``.versions`` (newest first)."""
    raw = deal.get("properties") or {}
    if not isinstance(raw, dict):
        raise BadValue("properties is not an object")
    properties, history = {}, {}
    for name, prop in raw.items():
        if not isinstance(prop, dict):
            raise BadValue(f"property {name} is not a v1 property object")
        properties[name] = prop.get("value")
        versions = prop.get("versions")
        if name in TRACKED and isinstance(versions, list):
            history[name] = [{"value": v.get("value"),
                              "timestamp": _v1_time(v.get("timestamp"), f"{name} timestamp")}
                             for v in versions if isinstance(v, dict)]
    if properties.get("createdate") is not None:
        properties["createdate"] = _v1_time(properties["createdate"], "createdate")
    return {"id": deal.get("dealId"), "properties": properties,
            "propertiesWithHistory": history}


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
    # A property without history held its current value throughout (the flags excepted).
    state = {name: None if history.get(name) or name in FLAGS else properties.get(name)
             for name in TRACKED}
    base = {"deal_id": str(deal.get("id")), "deal_name": properties.get("dealname"),
            "account": properties.get("company") or properties.get("account_name"),
            "owner_email": properties.get("owner_email"),
            "features": split_features(properties.get("features"))}
    previous = None
    # Changes made at one timestamp are one event.
    by_time: dict[str, list[tuple[str, Any]]] = defaultdict(list)
    for timestamp, name, value in changes:
        by_time[timestamp].append((name, value))
    times = sorted(by_time, key=lambda t: t or "")
    for sequence, timestamp in enumerate(times, start=1):
        for name, value in by_time[timestamp]:
            state[name] = value
        if sequence == len(times):
            state.update({name: properties.get(name) for name in FLAGS if not history.get(name)})
        stage = state["dealstage"]
        won = stage in WON_STAGES or _truthy(state["hs_is_closed_won"])
        lost = not won and (stage in LOST_STAGES or _truthy(state["hs_is_closed"]))
        amount = source_amount(state["amount"], "amount")
        event = {**base, "event_id": f"hubspot:{base['deal_id']}:{timestamp}",
                 "occurred_at": timestamp, "sequence": sequence, "stage": stage,
                 "amount": amount,
                 # none: the portal's company currency (a setting, applied in dbt)
                 "currency": currency_code(state["deal_currency_code"], "deal_currency_code"),
                 # closedate is an instant; its UTC date picks the exchange rate
                 "close_date": utc_date(state["closedate"]),
                 "event_type": _transition(previous, stage, amount, won, lost)}
        yield event
        previous = {**event, "won": won, "lost": lost}


def read_hubspot_parts(path: Path) -> Iterator[Part]:
    """Deals numbered in file order (a line that is not JSON counts as one); a deal's events
    share its number, times 1000, plus their sequence."""
    records: list[SourceRecord] = []
    ordinal = 0
    for document in json_documents(path):
        payload = document.canonical
        # a v3 page or batch read ("results"), a legacy v1 page ("deals"), or one deal
        deals = (payload.get("results", payload.get("deals", [payload]))
                 if isinstance(payload, dict) else payload)
        if document.canonical is None or not isinstance(deals, list):
            ordinal += 1
            records.append(SourceRecord(ordinal * 1000, document.original or json.dumps(deals),
                                        reason=document.reason or "not a deal, nor a list"))
            continue
        for deal in deals:
            ordinal += 1
            original = json.dumps(deal)
            try:
                if isinstance(deal, dict) and "id" not in deal and deal.get("dealId"):
                    deal = _from_v1(deal)
                if not isinstance(deal, dict) or not deal.get("id"):
                    raise BadValue("a deal without an id")
                events = list(_deal_events(deal))
            except BadValue as error:
                records.append(SourceRecord(ordinal * 1000, original, reason=str(error)))
                continue
            records += [SourceRecord(ordinal * 1000 + event["sequence"], original, event)
                        for event in events]
    yield check_records("deal_events", records)
