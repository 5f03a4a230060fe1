"""The sample org: deterministic, bimodal, real repositories, truth consistent with itself."""

from __future__ import annotations

import json
import subprocess
from datetime import date
from decimal import Decimal

from pipelines.generate.org import generate_org


def test_the_same_seed_gives_the_same_org(tmp_path):
    first = generate_org(tmp_path / "a", date(2026, 10, 1), 5, 10, seed=3)
    second = generate_org(tmp_path / "b", date(2026, 10, 1), 5, 10, seed=3)
    assert first == second
    assert (tmp_path / "a" / "agent_calls" / "canonical" / "calls-2026-10-03.jsonl").read_bytes() \
        == (tmp_path / "b" / "agent_calls" / "canonical" / "calls-2026-10-03.jsonl").read_bytes()
    assert generate_org(tmp_path / "c", date(2026, 10, 1), 5, 10, seed=4) != first


def test_truth_breakdowns_add_up_to_the_total(tmp_path):
    truth = generate_org(tmp_path / "org", date(2026, 10, 1), 7, 20, seed=5)
    total = Decimal(str(truth["total_spend_usd"]))
    for breakdown in ("spend_by_team_usd", "spend_by_tier_usd", "spend_by_model_usd",
                      "spend_by_person_usd", "spend_by_day_usd", "spend_by_task_class_usd"):
        assert abs(sum(Decimal(str(v)) for v in truth[breakdown].values()) - total) < \
            Decimal("0.0001"), breakdown


def test_usage_is_bimodal_heavy_users_outspend_light_ones(tmp_path):
    truth = generate_org(tmp_path / "org", date(2026, 10, 1), 20, 40, seed=7)
    spend = sorted(truth["spend_by_person_usd"].values(), reverse=True)
    top_share = sum(spend[: len(spend) // 5]) / sum(spend)
    assert top_share > 0.6  # the top fifth of spenders carries most of the bill
    assert truth["people_by_profile"]["none"] > 0
    # the four classes, plus "unknown" for billed spend no log saw
    assert set(truth["spend_by_task_class_usd"]) == {"planning", "implementation", "trivial",
                                                     "non_work", "unknown"}


def test_repositories_are_real_with_merges_and_agent_trailers(tmp_path):
    generate_org(tmp_path / "org", date(2026, 10, 1), 10, 16, seed=2)
    repos = sorted((tmp_path / "org" / "git" / "repos").glob("*.git"))
    assert repos
    log = "".join(subprocess.run(["git", "-C", str(r), "log", "--all", "--format=%P%n%B"],
                                 check=True, capture_output=True, text=True).stdout
                  for r in repos)
    assert "Agent-Session: " in log and "Co-authored-by: " in log
    assert "Merge branch 'feature/" in log
    yml = (tmp_path / "org" / "git" / "repos.yml").read_text()
    assert all(f"repos/{r.name}" in yml for r in repos)


def test_truth_json_is_written_beside_the_landing_formats(tmp_path):
    generate_org(tmp_path / "org", date(2026, 10, 1), 3, 6, seed=1)
    truth = json.loads((tmp_path / "org" / "truth.json").read_text())
    assert truth["generator"] == {"start": "2026-10-01", "days": 3, "engineers": 6}
    for folder in ("agent_calls/canonical", "crm/canonical", "git", "reference"):
        assert (tmp_path / "org" / folder).is_dir()


def test_truth_conserves_spend_and_revenue(tmp_path):
    truth = generate_org(tmp_path / "org", date(2026, 10, 1), 20, 24, seed=9)
    unattributed = sum(truth["unattributed_spend_usd_by_reason"].values())
    assert abs(truth["attributed_spend_usd"] + unattributed - truth["total_spend_usd"]) < 1e-4
    not_credited = sum(truth["not_credited_revenue_usd_by_reason"].values())
    assert abs(truth["credited_revenue_usd"] + not_credited - truth["won_revenue_usd"]) < 1e-4
    assert abs(sum(f["agent_cost_usd"] for f in truth["features"].values())
               - truth["attributed_spend_usd"]) < 1e-4


def test_the_same_seed_gives_the_same_org_in_another_process(tmp_path):
    import sys
    from pathlib import Path

    tokenroi = Path(sys.executable).parent / "tokenroi"
    for name in ("a", "b"):
        subprocess.run([str(tokenroi), "generate", "--out", str(tmp_path / name), "--days", "4",
                        "--engineers", "9", "--seed", "5"], check=True, capture_output=True)
    assert (tmp_path / "a" / "truth.json").read_bytes() == \
        (tmp_path / "b" / "truth.json").read_bytes()
