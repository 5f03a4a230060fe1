"""Landing folder → event log. Files are recognised by folder (docs/formats.md).

Each landing file is ingested once (by content hash): its valid rows become one batch in the
log, its bad records go to the quarantine, and only then is it recorded in the manifest.
"""

from __future__ import annotations

import hashlib
import time
from collections import Counter, deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc

from pipelines.eventlog.privacy import redact
from pipelines.eventlog.store import (
    EventLog,
    ManifestEntry,
    constant,
    file_sha256,
    utc_now,
    with_lineage,
)
from pipelines.sources.agent_calls.canonical import Part
from pipelines.sources.crm.deal_exports import read_salesforce_parts
from pipelines.sources.git.git_log import Repository, RepositoryError, read_commits, read_repos_yml
from pipelines.sources.reading.options import keep_prompts
from pipelines.sources.registry import AGENT_CALL_ADAPTERS, FILE_ADAPTERS, Adapter

CRM_FORMATS = {"canonical", "salesforce", "hubspot"}
KNOWN_TOP_FOLDERS = {"agent_calls", "git", "crm", "reference"}


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
    sweep_unrecorded(log, stream, progress)
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


def sweep_unrecorded(log: EventLog, stream: str, progress: Callable[[str], None]) -> None:
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
