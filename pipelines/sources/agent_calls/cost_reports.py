"""Provider cost endpoints (the bill in money) → canonical bill lines.

- OpenAI ``/v1/organization/costs`` pages: ``amount.value`` is already in the currency's
  major unit (openai-python ``DataResultOrganizationCostsResultAmount``: "The numeric value
  of the cost"; the reference's 0.06 usd is six cents); it is a JSON number or, in live
  responses, a numeric string (CodexBar #999). A ``line_item`` names the model before its
  first comma ("gpt-4.1-2025-04-14, cached input"; "priority | " marks Priority processing).
- Anthropic ``/v1/organizations/cost_report`` pages: ``amount`` is a decimal string in the
  lowest currency unit ("\\"123.45\\" in \\"USD\\" represents $1.23"), so dollars are
  amount / 100; ``cost_type`` says what was billed (tokens, web_search, code_execution, …);
  ``model`` is set only on token lines grouped by description; ``workspace_id`` null is the
  Default workspace.

Amounts are read from the file's literal as exact decimals, never through a float, and
kept as text in ``bill_amount_usd``. A line carries no tokens: it is bill spend, reconciled
against the logs per provider and day (per model where the line names one). A line's event
id is its time window and grouping values, so a re-exported page collapses onto the same
events. Identity: the api key, else the project or workspace, else the organization.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from pipelines.sources.agent_calls.canonical import Part, SourceRecord, json_documents
from pipelines.sources.agent_calls.usage_exports import bucket_results, read_bucket_results
from pipelines.sources.reading.fields import BadValue, seconds_to_iso, text_value

OPENAI_SOURCE = "openai_costs"
ANTHROPIC_SOURCE = "anthropic_costs"
# Bills are reconciled in dollars; another currency would need a rate nobody gives a bill.
BILL_CURRENCY = "USD"
# Above this a line is a unit mix-up, not a bill (and would not fit the log's decimal).
MAX_AMOUNT_USD = Decimal(10) ** 12
# "priority | gpt-5.4-2026-03-05, output, long context": a processing tier, then the model.
_TIER_PREFIX = re.compile(r"^[a-z_]+ \| ")


def _exact_documents(path: Path) -> Iterator[SourceRecord]:
    """The file's JSON documents with every non-integer number kept as its literal text."""
    for document in json_documents(path):
        if document.canonical is None:
            yield document
            continue
        text = document.original or path.read_text(encoding="utf-8-sig", errors="replace")
        yield SourceRecord(document.source_line, document.original,
                           json.loads(text, parse_float=str))


def _decimal(value: Any, name: str) -> Decimal:
    if value is None or isinstance(value, bool | dict | list):
        raise BadValue(f"{name} is missing" if value is None else f"{name} is not a number")
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        raise BadValue(f"{name} is not a number") from None
    if not number.is_finite():
        raise BadValue(f"{name} is not a number")
    if number < 0:
        raise BadValue(f"{name} is negative (a credit is not spend)")
    if number >= MAX_AMOUNT_USD:
        raise BadValue(f"{name} is out of range")
    return number


def _currency(value: Any, name: str) -> None:
    # Anthropic: "Currently always USD"; OpenAI writes it lower-case ("usd").
    currency = BILL_CURRENCY if value is None else str(value).strip().upper()
    if currency != BILL_CURRENCY:
        raise BadValue(f"{name} is {value!r}: bills are reconciled in USD only")


def _plain(amount: Decimal) -> str:
    """The decimal as plain text (no exponent, no trailing zeros): '17.30' -> '17.3'."""
    text = format(amount, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def _event_id(source: str, start: str, end: str, dimensions: list[tuple[str, Any]]) -> str:
    grouped = ";".join(f"{name}={value}" for name, value in dimensions if value is not None)
    return f"{source}:{start}/{end}|{grouped or 'org'}"


def openai_line_model(line_item: str | None) -> str | None:
    """The model a cost line names: the text before the first comma, when it is an id."""
    if not line_item or "," not in line_item:
        return None
    model = _TIER_PREFIX.sub("", line_item.strip()).split(",", 1)[0].strip()
    return model if model and not re.search(r"\s", model) else None


def _openai_cost_type(line_item: str | None, model: str | None) -> str | None:
    if line_item is None:
        return None  # not grouped by line item: the whole bill of the bucket
    if model is not None or "token" in line_item.lower():
        return "tokens"
    return re.sub(r"[^a-z0-9]+", "_", line_item.lower()).strip("_") or None


def _openai(bucket: dict, result: dict) -> dict:
    amount = result.get("amount")
    if not isinstance(amount, dict):
        raise BadValue("amount is missing" if amount is None else "amount is not an object")
    dollars = _decimal(amount.get("value"), "amount.value")
    _currency(amount.get("currency"), "amount.currency")
    start = seconds_to_iso(bucket.get("start_time"), "start_time")
    end = seconds_to_iso(bucket.get("end_time"), "end_time")
    line_item = text_value(result.get("line_item"), "line_item")
    model = openai_line_model(line_item)
    return {
        "event_id": _event_id(OPENAI_SOURCE, start, end, [
            ("line_item", line_item), ("project_id", result.get("project_id")),
            ("api_key_id", result.get("api_key_id"))]),
        "occurred_at": start,
        "source": OPENAI_SOURCE,
        "user_key": result.get("api_key_id") or result.get("project_id")
        or "openai-organization",
        "provider": "openai",
        "model": model,
        "request_count": 0,
        "bill_line_item": line_item,
        "bill_cost_type": _openai_cost_type(line_item, model),
        "bill_amount_usd": _plain(dollars),
    }


def _anthropic(bucket: dict, result: dict) -> dict:
    cents = _decimal(result.get("amount"), "amount")
    _currency(result.get("currency"), "currency")
    start, end = bucket.get("starting_at"), bucket.get("ending_at")
    if not start:
        raise BadValue("missing required field starting_at")
    description = text_value(result.get("description"), "description")
    return {
        # inference_geo, where the report has it, may split one description
        "event_id": _event_id(ANTHROPIC_SOURCE, start, end, [
            ("workspace_id", result.get("workspace_id")), ("description", description),
            ("inference_geo", result.get("inference_geo"))]),
        "occurred_at": start,
        "source": ANTHROPIC_SOURCE,
        "user_key": result.get("workspace_id") or "anthropic-organization",
        "provider": "anthropic",
        "model": result.get("model"),
        "request_count": 0,
        "speed": result.get("speed"),
        "bill_line_item": description,
        "bill_cost_type": text_value(result.get("cost_type"), "cost_type"),
        "bill_amount_usd": _plain(cents / 100),  # lowest currency unit (cents) -> dollars
    }


def _read(path: Path, to_canonical: Callable[[dict, dict], dict]) -> Iterator[Part]:
    return read_bucket_results(bucket_results(_exact_documents(path)), to_canonical)


def read_openai_costs_parts(path: Path) -> Iterator[Part]:
    return _read(path, _openai)


def read_anthropic_costs_parts(path: Path) -> Iterator[Part]:
    return _read(path, _anthropic)
