"""The append-only event log: Parquet batches, the file manifest and the quarantine.

Layout under the lake folder (docs/event-log.md):
    <stream>/date=YYYY-MM-DD/<batch_id>.parquet     canonical rows + lineage
    reference/<name>/<batch_id>.parquet              reference snapshots (latest wins)
    _quarantine/<stream>/<batch_id>.parquet          rejected records with file, line, reason
    _ingested/<stream>/<batch_id>.parquet            per landing file: records loaded,
                                                     quarantined, skipped by rule
    _manifest/manifest.jsonl                         one line per ingested landing file

Every file is written under a temporary name and renamed into place; a file enters the
manifest only after its batch is durable, so an interrupted ingest is simply redone.
A batch id is derived from the file's content, so redoing it rewrites the same names; the
Parquet of a batch never recorded (its file gone or changed by the next run) is deleted by
the next ingest of its stream.
"""

from __future__ import annotations

import hashlib
import json
import os
import uuid
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from pipelines.sources.reading.schema import (
    ACCOUNTING_SCHEMA,
    PARTITION_TIME,
    QUARANTINE_SCHEMA,
    stream_schema,
)

STREAMS = tuple(PARTITION_TIME)
# A schema-only file in every folder, so readers never meet an empty one. Not "_empty": Spark
# skips files whose names start with "_" or ".".
EMPTY_FILE = "empty.parquet"


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def utc_now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


@dataclass(frozen=True)
class ManifestEntry:
    stream: str
    source_file: str
    source_file_sha256: str
    batch_id: str
    rows: int
    quarantined: int
    ingested_at: str
    state: dict | None = None  # what the next incremental read starts from (git ref tips)
    skipped: dict | None = None  # records left out on purpose, by rule


def _write_atomically(table: pa.Table, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.with_name(f".{target.name}.tmp")
    pq.write_table(table, temporary, compression="zstd")
    with temporary.open("rb") as handle:
        os.fsync(handle.fileno())
    os.replace(temporary, target)


class EventLog:
    def __init__(self, lake: Path):
        self.lake = lake
        self.manifest_path = lake / "_manifest" / "manifest.jsonl"
        self.lake_id_path = lake / "_manifest" / "lake_id"

    # ---- layout --------------------------------------------------------------------
    def ensure_layout(self, reference_schemas: dict[str, pa.Schema]) -> None:
        """Create every stream folder with a schema-only file, so dbt can always read it."""
        for stream in STREAMS:
            self._ensure_empty(self.lake / stream / EMPTY_FILE, stream_schema(stream))
        for name, schema in reference_schemas.items():
            self._ensure_empty(self.lake / "reference" / name / EMPTY_FILE, schema)
        quarantine = self.lake / "_quarantine"
        self._ensure_empty(quarantine / EMPTY_FILE, QUARANTINE_SCHEMA)
        self._ensure_empty(self.lake / "_ingested" / EMPTY_FILE, ACCOUNTING_SCHEMA)
        # A killed run may have left temporaries (never read: they do not end in .parquet).
        for temporary in self.lake.rglob(".*.tmp"):
            temporary.unlink(missing_ok=True)
        self.manifest_path.parent.mkdir(parents=True, exist_ok=True)
        self.manifest_path.touch(exist_ok=True)
        if not self.lake_id_path.exists():  # the log's identity, given once (provenance.py)
            temporary = self.lake_id_path.with_name(".lake_id.tmp")
            temporary.write_text(uuid.uuid4().hex + "\n")
            os.replace(temporary, self.lake_id_path)

    @staticmethod
    def _ensure_empty(path: Path, schema: pa.Schema) -> None:
        # Rewritten when the schema gained a column, so readers always see every column.
        if not path.exists() or not pq.read_schema(path).equals(schema):
            _write_atomically(schema.empty_table(), path)

    # ---- manifest ------------------------------------------------------------------
    def entries(self, stream: str) -> Iterator[dict]:
        if not self.manifest_path.exists():
            return
        with self.manifest_path.open() as handle:
            for line in handle:
                if not line.endswith("\n"):
                    break  # torn by a kill mid-append: that file was not recorded
                if line.strip():
                    entry = json.loads(line)
                    if entry["stream"] == stream:
                        yield entry

    def lake_id(self) -> str | None:
        """The log's identity: a random id written when the log was laid out."""
        return (self.lake_id_path.read_text().strip() if self.lake_id_path.exists()
                else None)

    def batch_ids(self) -> set[str]:
        """Every batch the manifest records, of every stream."""
        return {entry["batch_id"] for stream in (*STREAMS, "reference")
                for entry in self.entries(stream)}

    def ingested_hashes(self, stream: str) -> set[str]:
        return {entry["source_file_sha256"] for entry in self.entries(stream)}

    def latest_state(self, stream: str, source_file: str) -> dict | None:
        state = None
        for entry in self.entries(stream):
            if entry["source_file"] == source_file:
                state = entry.get("state")
        return state

    def latest_hashes(self, stream: str) -> dict[str, str]:
        """source_file -> sha256 of its most recent ingest."""
        return {entry["source_file"]: entry["source_file_sha256"] for entry in self.entries(stream)}

    def record(self, entry: ManifestEntry) -> None:
        self._cut_torn_line()
        with self.manifest_path.open("a") as handle:
            handle.write(json.dumps(asdict(entry)) + "\n")
            handle.flush()
            os.fsync(handle.fileno())

    def _cut_torn_line(self) -> None:
        """A line without its newline was being written when a run was killed: drop it, or
        the next entry would be glued to it."""
        if not self.manifest_path.exists():
            return
        with self.manifest_path.open("rb+") as handle:
            size = handle.seek(0, os.SEEK_END)
            if size == 0:
                return
            handle.seek(size - 1)
            if handle.read(1) == b"\n":
                return
            handle.seek(0)
            keep = handle.read().rfind(b"\n") + 1
            handle.truncate(keep)
            handle.flush()
            os.fsync(handle.fileno())

    def sweep_unrecorded(self, stream: str) -> list[Path]:
        """Delete the stream's Parquet (rows and quarantine, or reference snapshots) whose
        batch the manifest does not hold: a run killed mid-batch wrote it, and a batch is
        read only once it is whole. The rerun rewrites it if its file is still there. Only
        while holding the run lock: another run's batch in progress looks the same."""
        recorded = {entry["batch_id"] for entry in self.entries(stream)}
        folders = ([self.lake / "reference"] if stream == "reference"
                   else [self.lake / stream, self.lake / "_quarantine" / stream,
                         self.lake / "_ingested" / stream])
        orphans = [path for folder in folders for path in folder.rglob("*.parquet")
                   if path.name != EMPTY_FILE and path.stem.split("-")[0] not in recorded]
        for path in orphans:
            path.unlink()
        return orphans

    # ---- batches -------------------------------------------------------------------
    @staticmethod
    def batch_id(sha256: str) -> str:
        return sha256[:24]

    @staticmethod
    def _file_name(batch_id: str, part: int | None) -> str:
        """A batch's file, or one part of a batch read block by block (same names on redo)."""
        return f"{batch_id}.parquet" if part is None else f"{batch_id}-{part:05d}.parquet"

    def write_stream_batch(self, stream: str, rows: pa.Table, batch_id: str,
                           part: int | None = None) -> None:
        """Rows already carry lineage; they are split into date partitions."""
        rows = rows.select(stream_schema(stream).names).cast(stream_schema(stream))
        days = pc.cast(rows[PARTITION_TIME[stream]], pa.date32(), safe=False)
        unique = pc.unique(days).to_pylist()
        for day in unique:  # (a day's file, the usual landing file, is written uncopied)
            _write_atomically(rows if len(unique) == 1 else rows.filter(pc.equal(days, day)),
                              self.lake / stream / f"date={day.isoformat()}"
                              / self._file_name(batch_id, part))

    def write_reference_snapshot(self, name: str, rows: pa.Table, batch_id: str) -> None:
        _write_atomically(rows, self.lake / "reference" / name / f"{batch_id}.parquet")

    def write_accounting(self, stream: str, outcomes: pa.Table, batch_id: str) -> None:
        """Per landing unit, how many records were loaded, quarantined, skipped by rule."""
        _write_atomically(outcomes.select(ACCOUNTING_SCHEMA.names).cast(ACCOUNTING_SCHEMA),
                          self.lake / "_ingested" / stream / f"{batch_id}.parquet")

    def write_quarantine(self, stream: str, rejected: pa.Table, batch_id: str,
                         part: int | None = None) -> None:
        _write_atomically(rejected.select(QUARANTINE_SCHEMA.names).cast(QUARANTINE_SCHEMA),
                          self.lake / "_quarantine" / stream / self._file_name(batch_id, part))


def constant(value: object, rows: int, type_: pa.DataType) -> pa.Array:
    """One value repeated for a whole batch (no per-row Python)."""
    return pa.repeat(pa.scalar(value, type_), rows)


def with_lineage(rows: pa.Table, source_file: str, sha256: str, batch_id: str,
                 ingested_at: datetime) -> pa.Table:
    n = rows.num_rows
    rows = rows.append_column("source_file", constant(source_file, n, pa.string()))
    rows = rows.append_column("source_file_sha256", constant(sha256, n, pa.string()))
    rows = rows.append_column("ingested_at", constant(ingested_at, n, pa.timestamp("us")))
    return rows.append_column("batch_id", constant(batch_id, n, pa.string()))
