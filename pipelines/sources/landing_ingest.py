"""The step each ingest asset runs: a stream's new landing files → the append-only event
log, with the run's read options, its progress in the Dagster log and its counts as
materialization metadata. Keys match dbt's sources (`source('raw', 'agent_calls')` is
["raw", "agent_calls"]), so Dagster links the ingest assets to the dbt models that read them.
"""

import dagster as dg

from pipelines.defs.resources import TokenroiSettings
from pipelines.eventlog.ingest import check_landing, ingest_stream
from pipelines.eventlog.store import EventLog
from pipelines.settings import Settings
from pipelines.sources.reading.options import reading
from pipelines.sources.reference.reference_files import REFERENCE_SCHEMAS

GROUP = "ingest"


def event_log(settings: Settings) -> EventLog:
    log = EventLog(settings.lake)
    log.ensure_layout(REFERENCE_SCHEMAS)
    return log


def ingest_landing_stream(context: dg.AssetExecutionContext, settings: TokenroiSettings,
                          stream: str) -> dg.MaterializeResult:
    resolved = settings.resolve()
    check_landing(resolved.landing)
    with reading(resolved.read):
        result = ingest_stream(resolved.landing, event_log(resolved), stream,
                               progress=context.log.info)
    context.log.info(result.summary())
    return dg.MaterializeResult(metadata={
        "files_ingested": result.files_ingested,
        "files_already_ingested": result.files_skipped,
        "rows": dg.MetadataValue.int(result.rows),
        "quarantined": dg.MetadataValue.int(result.quarantined),
        "seconds": dg.MetadataValue.float(round(result.seconds, 2)),
    })
