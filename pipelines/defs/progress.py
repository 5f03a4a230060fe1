"""A Dagster logger that prints readable progress for command-line runs."""

import logging
import sys
import time

import dagster as dg

PROGRESS_EVENTS = {"STEP_START", "STEP_SUCCESS", "STEP_FAILURE", "ASSET_CHECK_EVALUATION",
                   "ASSET_MATERIALIZATION"}
# dbt runs dozens of tests: only their failures are printed, the rest are counted at the end.
DBT_STEP = "tokenroi_dbt"


class ProgressHandler(logging.Handler):
    """Prints step starts and ends, check verdicts and the assets' own INFO messages."""

    def __init__(self, stream=None):
        super().__init__()
        self.stream = stream or sys.stderr
        self.started = time.monotonic()

    def emit(self, record: logging.LogRecord) -> None:
        meta = getattr(record, "dagster_meta", None) or {}
        event = meta.get("dagster_event")
        elapsed = f"[{time.monotonic() - self.started:6.1f}s]"
        if event is None:
            message = meta.get("orig_message", "")
            if (meta.get("step_key") == DBT_STEP and record.levelno < logging.WARNING
                    and not message.startswith(("Running", "Finished"))):
                return
            if record.levelno >= logging.INFO and meta.get("step_key"):
                print(f"{elapsed}   {meta.get('orig_message', record.getMessage())}",
                      file=self.stream, flush=True)
            return
        kind = event.event_type_value
        if kind not in PROGRESS_EVENTS:
            return
        if kind == "STEP_START":
            line = f"→ {meta.get('step_key')}"
        elif kind == "STEP_SUCCESS":
            line = f"✓ {meta.get('step_key')}"
        elif kind == "STEP_FAILURE":
            line = f"✗ {meta.get('step_key')} failed"
        elif kind == "ASSET_MATERIALIZATION":
            line = f"  built {event.asset_key.to_user_string()}"
        else:
            data = event.event_specific_data
            if data.passed and meta.get("step_key") == DBT_STEP:
                return
            verdict = "passed" if data.passed else "FAILED"
            line = f"  check {data.check_name} on {data.asset_key.to_user_string()}: {verdict}"
        print(f"{elapsed} {line}", file=self.stream, flush=True)


@dg.logger(description="Readable progress for the tokenroi command line.")
def progress_logger(init_context):
    logger = logging.getLogger("tokenroi.progress")
    logger.setLevel(logging.DEBUG)
    logger.handlers = [ProgressHandler()]
    logger.propagate = False
    return logger
