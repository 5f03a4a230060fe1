"""Keep dbt's run results of every run beside the GX results."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime
from pathlib import Path


def keep_dbt_results(quality_dir: Path, run_id: str, run_results: Path) -> Path | None:
    """Copy run_results.json to quality/dbt/: every dbt test's result of the run (Dagster
    keeps each one as an asset check evaluation too)."""
    if not run_results.exists():
        return None
    folder = quality_dir / "dbt"
    folder.mkdir(parents=True, exist_ok=True)
    now = datetime.now(UTC)
    kept = folder / f"{now.strftime('%Y%m%dT%H%M%SZ')}_{run_id[:8]}.json"
    shutil.copyfile(run_results, kept)
    return kept
