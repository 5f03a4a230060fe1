"""Which event log a build database was made from, so two logs never mix.

The staging tables are incremental: each run reads only the batches newer than what the
build already holds. A build made from another log (``tokenroi run --lake B`` after a run
on lake A with the same build file), from a log restored from an older backup, or from a
log whose batches were removed, would then keep rows that log no longer has. So every
build records, beside its file, the log's identity (a random id the log is given when it is
laid out) and the batches it has read; before a build, a build that does not belong to the
log is dropped and rebuilt from the whole log. The same when the event contract changed
since the build (an upgrade that adds a field): its incremental tables lack the column.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

from pipelines.eventlog.store import EventLog
from pipelines.sources.reading.schema import STREAM_FIELDS


def contract_fingerprint() -> str:
    """The event contract's fields (name and kind, per stream), as a digest."""
    fields = {stream: [(f.name, f.kind) for f in fields]
              for stream, fields in sorted(STREAM_FIELDS.items())}
    return hashlib.sha256(json.dumps(fields).encode()).hexdigest()[:16]


def _record_path(build_db: Path) -> Path:
    return build_db.with_name(build_db.name + ".eventlog.json")


def foreign_build(build_db: Path, log: EventLog) -> str | None:
    """Why the build database at ``build_db`` does not belong to ``log`` (None when it does,
    or when there is no build yet)."""
    if not build_db.exists():
        return None
    record_path = _record_path(build_db)
    if not record_path.exists():
        return "the build does not say which event log it was made from"
    record = json.loads(record_path.read_text())
    if record.get("lake_id") != log.lake_id():
        return f"the build was made from another event log ({record.get('lake')})"
    if record.get("contract") != contract_fingerprint():
        return "the event contract changed since the build (this version reads more fields)"
    missing = set(record.get("batches", [])) - log.batch_ids()
    if missing:
        return (f"{len(missing)} batch(es) the build read are no longer in the event log "
                "(removed, or the log was restored from an older backup)")
    return None


def drop_build(build_db: Path) -> None:
    for path in (build_db, build_db.with_name(build_db.name + ".wal"), _record_path(build_db)):
        path.unlink(missing_ok=True)


def record_build(build_db: Path, log: EventLog) -> None:
    """After a successful build: the log it was made from and every batch it has read."""
    record_path = _record_path(build_db)
    temporary = record_path.with_name(f".{record_path.name}.tmp")
    temporary.write_text(json.dumps({"lake_id": log.lake_id(), "lake": str(log.lake),
                                     "contract": contract_fingerprint(),
                                     "batches": sorted(log.batch_ids())}))
    os.replace(temporary, record_path)
