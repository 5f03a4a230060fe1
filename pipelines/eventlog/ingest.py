"""Landing folder → event log. Files are recognised by folder (DESIGN.md "Landing formats").

Each landing file is ingested once (by content hash): its valid rows become one batch in the
log, its bad records go to the quarantine, and only then is it recorded in the manifest.
"""

from __future__ import annotations

import hashlib
import io
import time
from collections import Counter, deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pcsv

from pipelines.adapters.canonical import Part
from pipelines.adapters.crm import read_salesforce_parts
from pipelines.adapters.encoding import read_csv_text
from pipelines.adapters.git import Repository, RepositoryError, read_commits, read_repos_yml
from pipelines.adapters.options import keep_prompts
from pipelines.adapters.registry import AGENT_CALL_ADAPTERS, FILE_ADAPTERS, Adapter
from pipelines.eventlog.privacy import redact
from pipelines.eventlog.store import (
    EventLog,
    ManifestEntry,
    constant,
    file_sha256,
    utc_now,
    with_lineage,
)

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

CRM_FORMATS = {"canonical", "salesforce", "hubspot"}
KNOWN_TOP_FOLDERS = {"agent_calls", "git", "crm", "reference"}


def reference_path(landing: Path, name: str) -> Path:
    return landing / REFERENCE_PATHS.get(name, f"reference/{name}.csv")


def reference_schema(name: str) -> pa.Schema:
    return pa.schema([(c, pa.string()) for c in REFERENCE_COLUMNS[name]] + _REFERENCE_LINEAGE)


REFERENCE_SCHEMAS = {name: reference_schema(name) for name in REFERENCE_COLUMNS}


class LandingError(ValueError):
    """The landing folder holds something tokenroi cannot read; the message says what."""


@dataclass
class IngestResult:
    stream: str
    files_ingested: int = 0
    files_skipped: int = 0
    rows: int = 0
    quarantined: int = 0
    seconds: float = 0.0
    files: list[str] = field(default_factory=list)
    # records left out on purpose, by rule (a transcript's user lines, spans that are no
    # model request)
    skipped: Counter = field(default_factory=Counter)

    def summary(self) -> str:
        skipped = (f", {sum(self.skipped.values())} skipped by rule" if self.skipped else "")
        return (f"{self.stream}: {self.files_ingested} new file(s), {self.files_skipped} already "
                f"ingested, {self.rows} rows, {self.quarantined} quarantined{skipped} "
                f"in {self.seconds:.1f}s")


@dataclass(frozen=True)
class LandingUnit:
    """One thing to ingest as one batch: a landing file, or a repository listed in repos.yml."""

    name: str  # relative to the landing folder, kept as source_file
    fingerprint: Callable[[], str]  # content hash: unchanged units are skipped
    # the unit's parts (valid rows, refused records, skipped by rule), each written as it comes
    read: Callable[[], Iterator[Part]]
    state: Callable[[], dict] | None = None  # recorded in the manifest after the read


def _readable_sha256(path: Path) -> str:
    try:
        return file_sha256(path)
    except OSError as error:  # a dangling link, a permission, a disk error
        raise LandingError(f"cannot read landing file {path}: {error.strerror or error}; "
                           f"fix or remove it and run again") from None


def _file_unit(landing: Path, path: Path, adapter: Adapter) -> LandingUnit:
    folder = landing / adapter.folder
    return LandingUnit(str(path.relative_to(landing)), lambda: _readable_sha256(path),
                       lambda: adapter.read(path, folder))


def _adapter_units(landing: Path, adapter: Adapter) -> Iterator[LandingUnit]:
    folder = landing / adapter.folder
    search = folder.rglob if adapter.stream == "agent_calls" else folder.glob
    for path in sorted({p for pattern in adapter.patterns for p in search(pattern)}):
        yield _file_unit(landing, path, adapter)


def _repository_unit(landing: Path, repos_yml: Path, repository: Repository,
                     log: EventLog) -> LandingUnit:
    name = f"{repos_yml.relative_to(landing)}#{repository.name}"
    previous = (log.latest_state("commits", name) or {}).get("tips")
    tips = repository.tips()
    return LandingUnit(name, repository.fingerprint,
                       lambda: iter([Part(read_commits(repository, previous), None)]),
                       state=lambda: {"tips": tips})


def _stream_units(landing: Path, stream: str, log: EventLog) -> Iterator[LandingUnit]:
    """The units of one stream, in a stable order."""
    if stream == "agent_calls":
        root = landing / "agent_calls"
        if root.is_dir():
            for folder in sorted(p for p in root.iterdir() if p.is_dir()):
                if folder.name not in AGENT_CALL_ADAPTERS:
                    raise LandingError(
                        f"unknown agent-call format folder {folder}: expected one of "
                        f"{', '.join(sorted(AGENT_CALL_ADAPTERS))}")
                for unit in _adapter_units(landing, AGENT_CALL_ADAPTERS[folder.name]):
                    if folder.name == "claude_code" and "/" not in unit.name.removeprefix(
                            "agent_calls/claude_code/"):
                        raise LandingError(f"{landing / unit.name}: Claude Code transcripts go "
                                           f"under claude_code/<person>/ (email or alias)")
                    yield unit
    elif stream == "commits":
        yield from _adapter_units(landing, FILE_ADAPTERS["commits/canonical"])
        repos_yml = landing / "git" / "repos.yml"
        if repos_yml.exists():
            try:
                repositories = read_repos_yml(repos_yml)
            except RepositoryError as error:
                raise LandingError(str(error)) from None
            for repository in repositories:
                yield _repository_unit(landing, repos_yml, repository, log)
    elif stream == "deal_events":
        crm = landing / "crm"
        if crm.is_dir():
            for folder in sorted(p for p in crm.iterdir() if p.is_dir()):
                if folder.name not in CRM_FORMATS:
                    raise LandingError(f"unknown CRM format folder {folder}: expected one of "
                                       f"{', '.join(sorted(CRM_FORMATS))}")
        yield from _adapter_units(landing, FILE_ADAPTERS["deal_events/canonical"])
        salesforce = crm / "salesforce"
        if (salesforce / "Opportunity.csv").exists():
            files = [salesforce / "Opportunity.csv", salesforce / "OpportunityHistory.csv"]
            yield LandingUnit(
                str(salesforce.relative_to(landing)),
                lambda: hashlib.sha256("".join(file_sha256(f) for f in files
                                               if f.exists()).encode()).hexdigest(),
                lambda: read_salesforce_parts(salesforce))
        elif salesforce.is_dir():
            raise LandingError(f"{salesforce} has no Opportunity.csv")
        yield from _adapter_units(landing, FILE_ADAPTERS["deal_events/hubspot"])


def check_landing(landing: Path) -> None:
    if not landing.is_dir():
        raise LandingError(f"landing folder {landing} does not exist: run `tokenroi generate "
                           f"--out {landing}` or point --landing at your files")
    for child in landing.iterdir():
        hidden = child.name.startswith(".")
        if child.is_dir() and child.name not in KNOWN_TOP_FOLDERS and not hidden:
            raise LandingError(f"unknown landing folder {child}: expected "
                               f"{', '.join(sorted(KNOWN_TOP_FOLDERS))}")


# Files are read (and their batches written) on this many threads while the manifest is
# kept in landing order on the caller's: DuckDB's readers release the GIL, so two files are
# checked at once on two cores.
READ_THREADS = 2


@dataclass
class _Read:
    unit: LandingUnit
    sha: str
    batch_id: str
    ingested_at: datetime
    rows: int = 0
    quarantined: int = 0
    skipped: Counter = field(default_factory=Counter)


def _read_and_write(log: EventLog, stream: str, unit: LandingUnit, sha: str) -> _Read:
    """Read one unit and make its batch and quarantine durable (not yet in the manifest)."""
    done = _Read(unit, sha, log.batch_id(sha), utc_now())
    # A reader gives a file in parts (a large file, block by block): each part is written as
    # it comes, so memory holds one part, never the whole file.
    for part, (valid, rejected, skipped) in enumerate(unit.read()):
        done.skipped.update(skipped)
        if valid is not None:
            done.rows += valid.num_rows
            log.write_stream_batch(stream, with_lineage(valid, unit.name, sha, done.batch_id,
                                                        done.ingested_at), done.batch_id, part)
        if rejected is not None:
            done.quarantined += rejected.num_rows
            log.write_quarantine(stream, _quarantine_rows(rejected, stream, unit.name,
                                                          done.batch_id, done.ingested_at),
                                 done.batch_id, part)
    log.write_accounting(stream, _accounting_rows(stream, unit.name, sha, done), done.batch_id)
    return done


def _accounting_rows(stream: str, source_file: str, sha: str, done: _Read) -> pa.Table:
    """What became of every record of a unit: loaded, quarantined, or skipped by a rule."""
    outcomes = [("loaded", None, done.rows), ("quarantined", None, done.quarantined)]
    outcomes += [("skipped", rule, count) for rule, count in sorted(done.skipped.items())]
    n = len(outcomes)
    return pa.table({
        "stream": constant(stream, n, pa.string()),
        "source_file": constant(source_file, n, pa.string()),
        "source_file_sha256": constant(sha, n, pa.string()),
        "batch_id": constant(done.batch_id, n, pa.string()),
        "ingested_at": constant(done.ingested_at, n, pa.timestamp("us")),
        "outcome": pa.array([o for o, _, _ in outcomes], pa.string()),
        "rule": pa.array([r for _, r, _ in outcomes], pa.string()),
        "records": pa.array([c for _, _, c in outcomes], pa.int64()),
    })


def ingest_stream(landing: Path, log: EventLog, stream: str,
                  progress: Callable[[str], None] = lambda _: None) -> IngestResult:
    started = time.monotonic()
    result = IngestResult(stream)
    _sweep_unrecorded(log, stream, progress)
    seen = log.ingested_hashes(stream)

    def record(done: _Read) -> None:
        # Only after its batch is durable does a file enter the manifest.
        log.record(ManifestEntry(stream, done.unit.name, done.sha, done.batch_id, done.rows,
                                 done.quarantined, done.ingested_at.isoformat(),
                                 done.unit.state() if done.unit.state else None,
                                 dict(done.skipped)))
        result.files_ingested += 1
        result.rows += done.rows
        result.quarantined += done.quarantined
        result.skipped.update(done.skipped)
        result.files.append(done.unit.name)
        skipped = (f", {sum(done.skipped.values())} skipped by rule" if done.skipped else "")
        progress(f"{stream}: {done.unit.name}: {done.rows} rows, {done.quarantined} "
                 f"quarantined{skipped} ({time.monotonic() - started:.1f}s)")

    pending: deque[Future] = deque()
    with ThreadPoolExecutor(READ_THREADS, thread_name_prefix="ingest") as pool:
        try:
            for unit in _stream_units(landing, stream, log):
                sha = unit.fingerprint()
                if sha in seen:
                    result.files_skipped += 1
                    continue
                seen.add(sha)  # the same content twice in one run is one batch
                pending.append(pool.submit(_read_and_write, log, stream, unit, sha))
                while len(pending) > READ_THREADS:
                    record(pending.popleft().result())
            while pending:
                record(pending.popleft().result())
        finally:
            for future in pending:
                future.cancel()
    result.seconds = time.monotonic() - started
    return result


def _sweep_unrecorded(log: EventLog, stream: str, progress: Callable[[str], None]) -> None:
    if orphans := log.sweep_unrecorded(stream):
        progress(f"{stream}: removed {len(orphans)} Parquet file(s) of a batch an interrupted "
                 "run wrote but never recorded")


def _quarantine_rows(rejected: pa.Table, stream: str, source_file: str, batch_id: str,
                     ingested_at) -> pa.Table:
    n = rejected.num_rows
    raw = pc.cast(rejected["raw"], pa.string())
    # quarantined rows are few: a Python pass is cheap
    keeping = keep_prompts()
    raw = pa.array([None if text is None else redact(text, keeping) for text in raw.to_pylist()],
                   pa.string())
    return pa.table({
        "stream": constant(stream, n, pa.string()),
        "source_file": constant(source_file, n, pa.string()),
        "source_line": rejected["source_line"],
        "raw": raw,
        "reason": rejected["reason"],
        "batch_id": constant(batch_id, n, pa.string()),
        "ingested_at": constant(ingested_at, n, pa.timestamp("us")),
    })


def read_reference_csv(path: Path, name: str) -> pa.Table:
    """A reference file, every value as text (typed and tested in dbt). A file that cannot
    be read as CSV stops the run with the parser's reason: reference files are small and
    hand-kept, and a half-read people or price list would misattribute everything.
    UTF-8, else Windows-1252, or TOKENROI_CSV_ENCODING (pipelines/adapters/encoding)."""
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
    _sweep_unrecorded(log, "reference", progress)
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
