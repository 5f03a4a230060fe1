"""Keep dbt's test results of every run beside the GX results, and summarise them."""

from __future__ import annotations

import json
import shutil
from datetime import UTC, datetime
from pathlib import Path

from pipelines.quality.gx_suites import append_history


def keep_dbt_results(quality_dir: Path, run_id: str, run_results: Path) -> Path | None:
    """Copy run_results.json to quality/dbt/ and add one history line for the dbt tests:
    how many passed, and the names of those that did not."""
    if not run_results.exists():
        return None
    folder = quality_dir / "dbt"
    folder.mkdir(parents=True, exist_ok=True)
    now = datetime.now(UTC)
    kept = folder / f"{now.strftime('%Y%m%dT%H%M%SZ')}_{run_id[:8]}.json"
    shutil.copyfile(run_results, kept)
    results = json.loads(run_results.read_text()).get("results", [])
    tests = [r for r in results if r.get("unique_id", "").startswith(("test.", "unit_test."))]
    failed = [r["unique_id"].split(".")[2] for r in tests
              if r.get("status") not in ("pass", "success")]
    summary = (f"dbt tests: {len(tests) - len(failed)} of {len(tests)} passed"
               + (f"; not passing: {', '.join(failed)}" if failed else ""))
    append_history(quality_dir, {"checked_at": now.isoformat(timespec="seconds"),
                                 "run_id": run_id, "check": "dbt_tests", "asset": "tokenroi_dbt",
                                 "severity": "ERROR", "passed": not failed,
                                 "summary": summary, "result_json": str(kept)})
    return kept
