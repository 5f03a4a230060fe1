"""The CRM readers on real-shaped exports (tests/fixtures/real/crm/): a multi-currency
Salesforce Data Export in Windows-1252 with Salesforce's own dated rates, and HubSpot deals
as the v3 API pages and batch reads, Airbyte's connector and the legacy v1 API write them.

Every number comes from the corpus's expected.json, worked out by hand from the vendors'
documented conventions (SOURCES.md there): each deal's currency, amount as the source wrote
it, close date, won-ness and history, and its amount in US dollars at the close date's
rate. The warehouse half runs inside the one end-to-end run of the real corpus
(tests/test_real_corpus.py), through ``land_crm_corpus`` and ``assert_crm_deals_converted``.
"""

from __future__ import annotations

import json
from collections import defaultdict
from decimal import Decimal
from pathlib import Path

import pytest

from pipelines.settings import ReadOptions
from pipelines.sources.agent_calls.canonical import merged
from pipelines.sources.crm.deal_exports import (
    read_hubspot_parts,
    read_salesforce,
    read_salesforce_parts,
)
from pipelines.sources.reading.options import reading
from pipelines.sources.reference.reference_files import read_reference_csv

CRM = Path(__file__).parent / "fixtures" / "real" / "crm"
EXPECTED = json.loads((CRM / "expected.json").read_text())
DEALS = {deal["deal_id"]: deal for deal in EXPECTED["deals"]}
# SOURCES.md convention 6: the sample portal's company currency (the setting's default).
COMPANY_CURRENCY = "USD"
# The reference files of the corpus and the snapshot each lands as.
REFERENCE_FILES = {"salesforce/DatedConversionRate.csv": "salesforce_dated_conversion_rates",
                   "salesforce/CurrencyType.csv": "salesforce_currency_types",
                   "reference/fx_rates.csv": "fx_rates"}


def _events() -> dict[str, list[dict]]:
    """Each deal's events, in order, from every CRM file of the corpus."""
    events: dict[str, list[dict]] = defaultdict(list)
    parts = [merged(read_salesforce_parts(CRM / "salesforce"))]
    parts += [merged(read_hubspot_parts(path)) for path in sorted((CRM / "hubspot").glob("*.json"))]
    for part in parts:
        assert part.rejected is None
        for row in part.valid.to_pylist():
            events[row["deal_id"]].append(row)
    return {deal: sorted(rows, key=lambda r: r["sequence"]) for deal, rows in events.items()}


def test_every_record_of_the_crm_corpus_is_read():
    events = _events()
    by_file = defaultdict(set)
    for deal in EXPECTED["deals"]:
        by_file[deal["file"]].add(deal["deal_id"])
    assert set(events) == set(DEALS)  # every deal of every file, none refused
    for name, deals in by_file.items():
        assert len(deals) == EXPECTED["records"][name], name
        if name.startswith("hubspot/"):
            part = merged(read_hubspot_parts(CRM / name))
            assert part.rejected is None and not part.skipped
            assert set(part.valid["deal_id"].to_pylist()) == deals, name
    # each history row is one event (an opportunity's current state adds one only when its
    # history does not end there)
    history = [row for deal_id in by_file["salesforce/Opportunity.csv"]
               for row in events[deal_id] if not row["event_id"].endswith(":current")]
    assert len(history) == EXPECTED["records"]["salesforce/OpportunityHistory.csv"]
    for name, snapshot in REFERENCE_FILES.items():
        assert read_reference_csv(CRM / name, snapshot).num_rows == EXPECTED["records"][name]


@pytest.mark.parametrize("deal_id", sorted(DEALS))
def test_a_real_deal_keeps_its_currency_amount_close_date_and_won_ness(deal_id):
    want, events = DEALS[deal_id], _events()[deal_id]
    last = events[-1]
    # a deal that names no currency is in the company's (HubSpot's deal_currency_code null)
    assert (last["currency"] or COMPANY_CURRENCY) == want["currency"]
    assert last["amount"] == want["amount"]  # the source's text, every digit
    assert str(last["close_date"]) == want["close_date"]  # HubSpot: the UTC calendar date
    assert last["stage"] == want["stage"]
    assert last["event_type"] == ("closed_won" if want["is_won"] else "closed_lost"
                                  if want["is_closed"] else last["event_type"])
    if not want["is_closed"]:
        assert last["event_type"] not in ("closed_won", "closed_lost")
    history = EXPECTED["history_events"][deal_id]
    replayed = [e for e in events if not e["event_id"].endswith(":current")]
    # a deal exported without its history is one event: its current state
    assert len(replayed) == (history or 1)


def _latin_export(tmp_path: Path, data: bytes) -> Path:
    folder = tmp_path / "salesforce"
    folder.mkdir(parents=True)
    (folder / "Opportunity.csv").write_bytes(data)
    return folder


def test_a_windows_1252_export_reads_as_its_utf8_twin(tmp_path):
    text = (CRM / "salesforce" / "Opportunity.csv").read_bytes().decode("cp1252")
    stages = {deal["stage"] for deal in EXPECTED["deals"] if deal["source"] == "salesforce"}
    assert {"Cerrada ganada", "Propuesta económica", "Negociación", "Prospección"} <= stages

    def read(folder: Path) -> dict[str, tuple]:
        valid, rejected = read_salesforce(folder)
        assert rejected is None
        return {row["deal_id"]: (row["stage"], row["deal_name"]) for row in valid.to_pylist()}

    latin = read(_latin_export(tmp_path / "cp1252", text.encode("cp1252")))
    utf8 = read(_latin_export(tmp_path / "utf8", text.encode("utf-8")))
    assert latin == utf8
    assert {stage for stage, _ in latin.values()} == stages
    assert latin["0065e00000QkPa1AAF"][1] == "Minera Andina – Licencias 2024"  # 0x96
    # the setting forces an encoding: read as UTF-8, the same bytes are not the same names
    with reading(ReadOptions(csv_encoding="utf-8")):
        forced = read(_latin_export(tmp_path / "forced", text.encode("cp1252")))
    assert "Negociación" not in {stage for stage, _ in forced.values()}
    with reading(ReadOptions(csv_encoding="cp1252")):
        assert read(_latin_export(tmp_path / "forced-cp1252", text.encode("cp1252"))) == utf8


def test_an_amount_that_is_no_plain_number_is_a_reason_never_a_guess(tmp_path):
    # a spreadsheet round trip in a Spanish locale writes 146.000.000 for 146000000
    text = (CRM / "salesforce" / "Opportunity.csv").read_bytes().decode("cp1252")
    folder = _latin_export(tmp_path, text.replace('"146000000"', '"146.000.000"')
                           .encode("cp1252"))
    valid, rejected = read_salesforce(folder)  # (no history file: one row, one event)
    assert rejected["reason"].to_pylist() == ["Amount is not a number"]
    assert '"0065e00000QkPeXAAV"' in rejected["raw"][0].as_py()
    assert len(set(valid["deal_id"].to_pylist())) == EXPECTED["records"][
        "salesforce/Opportunity.csv"] - 1


def test_a_latin1_reference_file_keeps_its_accents(tmp_path):
    people = tmp_path / "people.csv"
    people.write_bytes("email,name,team,annual_cost_usd,aliases\n"
                       "ines@x.example,Inés Muñoz,pagos,90000,\n".encode("latin-1"))
    assert read_reference_csv(people, "people")["name"].to_pylist() == ["Inés Muñoz"]


def test_a_canonical_deal_event_may_carry_an_amount_in_its_currency(tmp_path):
    from pipelines.sources.agent_calls.canonical import read_canonical_jsonl

    path = tmp_path / "deals.jsonl"
    event = {"deal_id": "D1", "occurred_at": "2024-02-29T10:00:00Z", "event_type": "closed_won",
             "amount": "146000000.125", "currency": "cop", "close_date": "2024-02-29"}
    path.write_text(json.dumps(event) + "\n" + json.dumps({**event, "amount": 98500000}) + "\n")
    valid, rejected = read_canonical_jsonl("deal_events", path)
    assert rejected is None
    # text keeps every digit (a JSON number its JSON text); dbt staging upper-cases the code
    assert valid.select(["amount", "currency"]).to_pylist() == [
        {"amount": "146000000.125", "currency": "cop"},
        {"amount": "98500000", "currency": "cop"}]


def test_currency_settings_become_dbt_vars_and_a_bad_one_is_refused():
    from pipelines.settings import SettingError, resolve_settings

    environ = {"TOKENROI_REPORTING_CURRENCY": "eur", "TOKENROI_COMPANY_CURRENCY": "MXN"}
    assert resolve_settings(environ=environ).dbt_vars == {"reporting_currency": "EUR",
                                                          "company_currency": "MXN"}
    environ["TOKENROI_DBT_VARS"] = '{"reporting_currency": "GBP"}'
    # the explicit var wins
    assert resolve_settings(environ=environ).dbt_vars["reporting_currency"] == "GBP"
    with pytest.raises(SettingError, match="ISO 4217"):
        resolve_settings(environ={"TOKENROI_REPORTING_CURRENCY": "euros"})
    assert resolve_settings(environ={"TOKENROI_CSV_ENCODING": "Latin-1"}
                            ).read.csv_encoding == "iso8859-1"
    with pytest.raises(SettingError, match="TOKENROI_CSV_ENCODING"):
        resolve_settings(environ={"TOKENROI_CSV_ENCODING": "klingon"})


# ---- the warehouse (run inside tests/test_real_corpus.py's end-to-end run) -----------------
def land_crm_corpus(landing: Path) -> None:
    """The corpus's CRM exports and fx_rates.csv, as a user drops them in landing/."""
    for path in CRM.rglob("*"):
        if path.is_file() and path.parent != CRM:
            relative = path.relative_to(CRM)
            target = landing / (relative if relative.parts[0] == "reference"
                                else Path("crm", relative))
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(path.read_bytes())


def assert_crm_deals_converted(workspace) -> None:
    """Each deal in US dollars at its close date's rate, to 6 decimals; the BRL deal, which
    no table prices, has a reason, no dollars, and no part in won revenue."""
    deals = {row[0]: row[1:] for row in workspace.query(
        "select deal_id, currency, amount, close_date, is_won, is_closed, fx_rate, "
        "amount_usd, amount_usd_missing_reason from marts.fct_deals")}
    assert set(deals) == set(DEALS)
    for deal_id, want in DEALS.items():
        currency, amount, close_date, is_won, is_closed, rate, amount_usd, reason = deals[deal_id]
        assert (currency, str(close_date), is_won, is_closed) == (
            want["currency"], want["close_date"], want["is_won"], want["is_closed"]), deal_id
        assert amount == (None if want["amount"] is None else Decimal(want["amount"])), deal_id
        if want["rate_used"] is not None:
            assert rate == Decimal(want["rate_used"]["rate"]), deal_id
        if want["amount_usd"] is None:
            assert amount_usd is None and reason is not None, deal_id
        else:
            assert (amount_usd, reason) == (Decimal(want["amount_usd"]), None), deal_id
    excluded = set(EXPECTED["excluded_from_won_total"])
    assert {d for d, row in deals.items() if row[6] is None and row[3]} == excluded
    assert {d: deals[d][7] for d in excluded} == {d: "no_exchange_rate" for d in excluded}
    total = Decimal(EXPECTED["won_revenue_usd_total"])
    assert workspace.query("select sum(amount_usd) from marts.fct_deals where is_won")[0][0] \
        == total
    won = workspace.query("select deal_id, sum(credited_revenue_usd + not_credited_revenue_usd) "
                          "from marts.fct_revenue_attribution group by deal_id")
    assert {deal_id for deal_id, _ in won} == set(EXPECTED["won_deals_in_total"])
    assert sum(split for _, split in won) == total
    assert workspace.query(
        "select subject, affected_rows from marts.data_quality "
        "where check_name = 'unconverted_deal_amounts'") == [("BRL", len(excluded))]
