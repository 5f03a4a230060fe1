"""Reference files: people, budgets, features, deal features, price overrides and exchange
rates, each snapshotted whole into the event log when it changes (the latest wins)."""

from __future__ import annotations

import io
import time
from collections.abc import Callable
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pcsv

from pipelines.eventlog.ingest import IngestResult, LandingError, sweep_unrecorded
from pipelines.eventlog.store import EventLog, ManifestEntry, file_sha256, utc_now, with_lineage
from pipelines.sources.reading.encoding import read_csv_text

# Reference files: name -> the columns the file must have (values are kept as text and typed
# in dbt staging, where a bad value fails a test instead of the ingest).
REFERENCE_COLUMNS: dict[str, list[str]] = {
    "people": ["email", "name", "team", "annual_cost_usd", "aliases"],
    "budgets": ["scope", "scope_id", "monthly_limit_usd"],
    "features": ["feature_key", "name", "product_area"],
    "deal_features": ["deal_id", "feature_key", "weight"],
    "model_prices": ["provider", "model", "valid_from", "valid_to", "tier", "input_usd_per_mtok",
                     "output_usd_per_mtok", "cache_read_usd_per_mtok", "cache_write_usd_per_mtok",
                     "cache_write_1h_usd_per_mtok"],
    # Exchange rates: a rate is units of the currency per US dollar, valid until the next
    # valid_from of the same currency.
    "fx_rates": ["currency", "valid_from", "rate_per_usd"],
    # Salesforce's own rates, exported beside the opportunities (column names as Salesforce
    # spells them, compared without case): dated rates (advanced currency management) ...
    "salesforce_dated_conversion_rates": ["isocode", "startdate", "nextstartdate",
                                          "conversionrate"],
    # ... and the static rate per currency, used where a currency has no dated rates.
    "salesforce_currency_types": ["isocode", "conversionrate", "iscorporate"],
}
# Where a reference file lands, relative to the landing folder (else reference/<name>.csv).
REFERENCE_PATHS = {
    "salesforce_dated_conversion_rates": "crm/salesforce/DatedConversionRate.csv",
    "salesforce_currency_types": "crm/salesforce/CurrencyType.csv",
}
_REFERENCE_LINEAGE = [("source_file", pa.string()), ("source_file_sha256", pa.string()),
                      ("source_line", pa.int64()), ("ingested_at", pa.timestamp("us")),
                      ("batch_id", pa.string())]
OPTIONAL_REFERENCES = {"model_prices", "deal_features", "fx_rates",
                       "salesforce_dated_conversion_rates", "salesforce_currency_types"}



def reference_path(landing: Path, name: str) -> Path:
    return landing / REFERENCE_PATHS.get(name, f"reference/{name}.csv")


def reference_schema(name: str) -> pa.Schema:
    return pa.schema([(c, pa.string()) for c in REFERENCE_COLUMNS[name]] + _REFERENCE_LINEAGE)


REFERENCE_SCHEMAS = {name: reference_schema(name) for name in REFERENCE_COLUMNS}


def read_reference_csv(path: Path, name: str) -> pa.Table:
    """A reference file, every value as text (typed and tested in dbt). A file that cannot
    be read as CSV stops the run with the parser's reason: reference files are small and
    hand-kept, and a half-read people or price list would misattribute everything.
    UTF-8, else Windows-1252, or TOKENROI_CSV_ENCODING (pipelines/sources/reading/encoding)."""
    try:
        table = pcsv.read_csv(
            io.BytesIO(read_csv_text(path).encode()),
            parse_options=pcsv.ParseOptions(newlines_in_values=True),
            convert_options=pcsv.ConvertOptions(column_types={}, strings_can_be_null=True))
    except pa.ArrowInvalid as error:
        raise LandingError(f"{path}: not a readable CSV ({' '.join(str(error).split())}); expected "
                           f"the columns {', '.join(REFERENCE_COLUMNS[name])}") from None
    table = table.rename_columns([c.strip().lower() for c in table.column_names])
    repeated = sorted({c for c in table.column_names if table.column_names.count(c) > 1})
    if repeated:
        raise LandingError(f"{path}: column(s) {', '.join(repeated)} appear more than once")
    missing = [c for c in REFERENCE_COLUMNS[name] if c not in table.column_names]
    if missing:
        raise LandingError(f"{path}: missing column(s) {', '.join(missing)}; expected "
                           f"{', '.join(REFERENCE_COLUMNS[name])}")
    columns = {c: pc.cast(table[c], pa.string()) for c in REFERENCE_COLUMNS[name]}
    columns["source_line"] = pa.array(range(2, table.num_rows + 2), pa.int64())
    return pa.table(columns)


def ingest_reference(landing: Path, log: EventLog,
                     progress: Callable[[str], None] = lambda _: None) -> IngestResult:
    started = time.monotonic()
    result = IngestResult("reference")
    sweep_unrecorded(log, "reference", progress)
    latest = log.latest_hashes("reference")
    for name in REFERENCE_COLUMNS:
        path = reference_path(landing, name)
        if not path.exists():
            if name not in OPTIONAL_REFERENCES:
                progress(f"reference: {path} is missing; {name} stays as last ingested")
            continue
        sha = file_sha256(path)
        relative = str(path.relative_to(landing))
        # A snapshot is new when it differs from the latest one of the same file (a revert
        # to an older version is a new snapshot too).
        if latest.get(relative) == sha:
            result.files_skipped += 1
            continue
        batch_id, ingested_at = log.batch_id(sha), utc_now()
        rows = with_lineage(read_reference_csv(path, name), relative, sha, batch_id, ingested_at)
        log.write_reference_snapshot(name, rows.select(REFERENCE_SCHEMAS[name].names)
                                     .cast(REFERENCE_SCHEMAS[name]), batch_id)
        log.record(ManifestEntry("reference", relative, sha, batch_id, rows.num_rows, 0,
                                 ingested_at.isoformat()))
        result.files_ingested += 1
        result.rows += rows.num_rows
        result.files.append(relative)
        progress(f"reference: {relative}: {rows.num_rows} rows")
    result.seconds = time.monotonic() - started
    return result
