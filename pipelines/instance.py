"""The Dagster instance tokenroi's runs record in: DAGSTER_HOME, else data/dagster_home.

Its dagster.yaml queues runs: a run of the daily job (tag ``tokenroi/build``) started by
the schedule, the sensor or the UI waits in the queue while another runs, instead of
meeting it on the event log and the build database.
"""

from __future__ import annotations

import os
from pathlib import Path

import dagster as dg

from pipelines.settings import Settings

DAGSTER_YAML = """\
telemetry:
  enabled: false
run_coordinator:
  module: dagster.core.run_coordinator
  class: QueuedRunCoordinator
  config:
    tag_concurrency_limits:
      - key: tokenroi/build
        limit: 1
"""


def dagster_home(settings: Settings) -> Path:
    """DAGSTER_HOME, else the data folder's dagster_home, with tokenroi's dagster.yaml
    written there if it has none."""
    raw = os.environ.get("DAGSTER_HOME", "")
    home = (Path(raw).expanduser() if raw else settings.data / "dagster_home").resolve()
    home.mkdir(parents=True, exist_ok=True)
    config = home / "dagster.yaml"
    if not config.exists():
        config.write_text(DAGSTER_YAML)
    return home


def instance(settings: Settings) -> dg.DagsterInstance:
    return dg.DagsterInstance.from_config(str(dagster_home(settings)))


if __name__ == "__main__":  # `make dev`: prepare the instance the UI opens
    from pipelines.settings import resolve_settings

    print(dagster_home(resolve_settings()))
