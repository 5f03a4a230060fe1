"""What the code location defines: a snapshot of keys, the job, the schedule, and validation."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import dagster as dg
import pytest

from pipelines.definitions import defs
from pipelines.defs.dbt_project import dbt_build_args, prepare_manifest
from pipelines.defs.publish_assets import PUBLISHED_MARTS
from pipelines.quality import mart_suites
from pipelines.settings import SettingError, resolve_settings
from pipelines.spark_mirror import exported_relations

ROOT = Path(__file__).resolve().parent.parent


def test_asset_keys_link_ingest_to_dbt_sources_and_layers():
    keys = {key.to_user_string() for key in defs.resolve_asset_graph().get_all_asset_keys()}
    assert {"raw/agent_calls", "raw/commits", "raw/deal_events", "raw/quarantine",
            "reference/people", "reference/budgets", "reference/features",
            "reference/deal_features", "reference/model_prices", "seeds/model_prices",
            "staging/stg_raw__agent_calls", "intermediate/int_agent_calls_priced",
            "marts/fct_agent_calls", "marts/fct_spend_daily", "marts/dim_people",
            "marts/dim_models", "warehouse", "outcome_report"} <= keys
    graph = defs.resolve_asset_graph()
    staging = graph.get(dg.AssetKey(["staging", "stg_raw__agent_calls"]))
    assert dg.AssetKey(["raw", "agent_calls"]) in staging.parent_keys
    assert dg.AssetKey(["warehouse"]) in graph.get(dg.AssetKey(["outcome_report"])).parent_keys


def _checks_by_asset() -> dict[str, dict[str, bool]]:
    """asset -> {check name: blocking}."""
    graph = defs.resolve_asset_graph()
    found: dict[str, dict[str, bool]] = {}
    for key in graph.asset_check_keys:
        found.setdefault(key.asset_key.to_user_string(), {})[key.name] = (
            graph.get_check_spec(key).blocking)
    return found


def test_every_published_mart_has_a_blocking_great_expectations_suite():
    checks = _checks_by_asset()
    # Guarded by dbt tests alone: reference dimensions, the redacted examples list, the
    # quarantine listing; data_quality carries the gates instead.
    without_suite = {"dim_models", "dim_features", "fct_frontier_waste_examples",
                     "fct_quarantined_records", "data_quality"}
    for mart in set(PUBLISHED_MARTS) - without_suite:
        assert checks[f"marts/{mart}"].get(f"{mart}_expectations") is True, mart
    # each gate is a dbt test on its own model (marts/gate_<name>), unioned in data_quality
    gates = {name: blocking for asset, named in checks.items()
             if asset.startswith("marts/gate_")
             for name, blocking in named.items() if asset == f"marts/gate_{name}"}
    assert gates == {"unpriced_token_share": True, "source_freshness": False,
                     "telemetry_coverage": False, "quarantined_records": False,
                     "unknown_identity_spend": False, "unconverted_deal_amounts": False}


def test_every_staging_and_mart_model_has_dbt_key_tests_shown_as_checks():
    checks = _checks_by_asset()
    models = [key for key in defs.resolve_asset_graph().get_all_asset_keys()
              if key.path[0] in ("staging", "marts")]
    assert len(models) > 30
    for key in models:
        names = checks.get(key.to_user_string(), {})
        assert any(n.startswith("unique_") for n in names), key  # incl. combinations
        assert any(n.startswith(("not_null_", "unique_combination_of_columns_"))
                   for n in names), key


def test_conservation_accepted_values_and_relationships_are_checks():
    checks = _checks_by_asset()
    assert "assert_spend_is_conserved_per_day" in checks["marts/fct_spend_attribution"]
    assert "assert_won_revenue_is_conserved" in checks["marts/fct_revenue_attribution"]
    assert "assert_spend_matches_the_bill" in checks["marts/fct_bill_reconciliation"]
    assert "assert_daily_spend_matches_calls" in checks["marts/fct_spend_daily"]
    calls = checks["marts/fct_agent_calls"]
    for column in ("model_tier", "cost_source", "task_class", "unattributed_reason"):
        assert f"accepted_values_fct_agent_calls_{column}" in " ".join(calls), column
    assert any(n.startswith("relationships_fct_agent_calls_person_email") for n in calls)
    assert any(n.startswith("accepted_values_fct_budget_status_status")
               for n in checks["marts/fct_budget_status"])
    assert any(n.startswith("relationships_fct_revenue_attribution_deal_id")
               for n in checks["marts/fct_revenue_attribution"])


def test_the_daily_schedule_runs_the_daily_job_at_0200_utc():
    schedule = defs.resolve_schedule_def("tokenroi_daily_0200_utc")
    assert (schedule.job_name, schedule.cron_schedule, schedule.execution_timezone) == (
        "tokenroi_daily", "0 2 * * *", "UTC")


def test_dbt_build_args(tmp_path):
    settings = resolve_settings(environ={"TOKENROI_DATA": str(tmp_path)})
    base = ["build", "--target", "duckdb", "--exclude", "test_type:unit"]
    assert dbt_build_args(settings) == base
    assert dbt_build_args(settings, full_refresh=True, dbt_vars={"b": 1, "a": "x"}) == [
        *base, "--full-refresh", "--vars", '{"a": "x", "b": 1}']


def test_on_spark_the_build_gets_the_lake_and_the_relations_to_export(tmp_path):
    settings = resolve_settings(environ={"TOKENROI_DATA": str(tmp_path), "TOKENROI_ENGINE":
                                         "spark",
                                         "TOKENROI_SPARK_LAKE": "s3a://acme-data/tokenroi/lake"})
    args = dbt_build_args(settings, dbt_vars={"a": 1}, spark_exports=["marts.dim_people"])
    assert args[:6] == ["build", "--target", "spark", "--exclude", "test_type:unit", "--vars"]
    assert json.loads(args[6]) == {
        "a": 1, "spark_lake": "s3a://acme-data/tokenroi/lake",
        "spark_export": str(tmp_path.resolve() / "spark" / "export"),
        "spark_exports": ["marts.dim_people"]}


@pytest.mark.parametrize(("engine", "method", "target"), [
    ("", "", "duckdb"), ("duckdb", "http", "duckdb"), ("spark", "", "spark"),
    ("SPARK", "session", "spark"), ("spark", "thrift", "spark_cluster"),
    ("spark", "http", "spark_cluster")])
def test_one_setting_chooses_the_dbt_target(engine, method, target):
    settings = resolve_settings(environ={"TOKENROI_ENGINE": engine,
                                         "TOKENROI_SPARK_METHOD": method})
    assert settings.dbt_target == target
    assert settings.marts_db.name == ("tokenroi_build.duckdb" if target == "duckdb"
                                      else "tokenroi_build.spark.duckdb")


def test_a_given_setting_beats_its_variable_which_beats_the_default(tmp_path):
    environ = {"TOKENROI_DATA": str(tmp_path), "TOKENROI_LAKE": str(tmp_path / "elsewhere"),
               "TOKENROI_KEEP_PROMPTS": "1", "TOKENROI_DBT_VARS": '{"a": 1}',
               "TOKENROI_REPORTING_CURRENCY": "eur"}
    settings = resolve_settings({"lake": str(tmp_path / "given"), "engine": "spark"}, environ)
    assert settings.lake == tmp_path / "given"
    assert settings.landing == tmp_path / "landing"  # the default under the data folder
    assert settings.engine == "spark" and settings.read.keep_prompts
    assert settings.dbt_vars == {"reporting_currency": "EUR", "a": 1}
    assert resolve_settings(environ=environ).lake == tmp_path / "elsewhere"
    with pytest.raises(SettingError, match="TOKENROI_TOKEN_CONVENTIONS"):
        resolve_settings(environ={"TOKENROI_TOKEN_CONVENTIONS": "otlp=sideways"})


def test_the_resource_resolves_from_run_config_then_the_environment(tmp_path, monkeypatch):
    from pipelines.defs.resources import TokenroiSettings

    for name in [n for n in os.environ if n.startswith("TOKENROI_")]:
        monkeypatch.delenv(name)  # only what this test sets
    monkeypatch.setenv("TOKENROI_DATA", str(tmp_path))
    monkeypatch.setenv("TOKENROI_WAREHOUSE", str(tmp_path / "pub.duckdb"))
    resolved = TokenroiSettings(lake=str(tmp_path / "given")).resolve()
    assert resolved.lake == tmp_path / "given"
    assert resolved.warehouse == tmp_path / "pub.duckdb"
    assert resolved.build_db == tmp_path / "build" / "tokenroi_build.duckdb"
    # the CLI's run config round-trips every resolved value
    assert TokenroiSettings(**resolved.as_config()).resolve() == resolved


def test_importing_the_code_location_reads_no_setting_and_runs_nothing(tmp_path):
    """In a fresh process with a broken setting and no dbt on PATH: the import succeeds (the
    setting is read when a run starts), and tokenroi's code starts no subprocess (the
    manifest was prepared ahead: `make install`, the CLI, the test session)."""
    code = textwrap.dedent("""
        import subprocess, sys
        import dagster, dagster_dbt, duckdb  # the libraries' own imports probe the platform
        started = []
        real = subprocess.Popen.__init__
        def record(self, *args, **kwargs):
            started.append(args[0] if args else kwargs.get("args"))
            real(self, *args, **kwargs)
        subprocess.Popen.__init__ = record
        import pipelines.definitions
        print("started:", started)
    """)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=300, env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path),
                                            "TOKENROI_ENGINE": "snowflake",
                                            "DAGSTER_HOME": str(tmp_path)})
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1] == "started: []"


def test_no_module_writes_the_environment_but_the_clis_hand_off():
    """os.environ is written in one function: the CLI's hand-off to its subprocesses."""
    writes = re.compile(r"os\.environ(\[[^]]+\]\s*=|\.(update|setdefault|pop)\()|os\.putenv")
    found = {}
    for path in (ROOT / "pipelines").rglob("*.py"):
        lines = [n for n, line in enumerate(path.read_text().splitlines(), 1)
                 if writes.search(line)]
        if lines:
            found[str(path.relative_to(ROOT))] = lines
    assert set(found) == {"pipelines/cli.py"}, found
    cli = (ROOT / "pipelines" / "cli.py").read_text().splitlines()
    hand_off = next(n for n, line in enumerate(cli, 1) if line.startswith("def _hand_off("))
    end = next(n for n, line in enumerate(cli[hand_off:], hand_off + 1)
               if line.startswith("def "))
    assert all(hand_off < n < end for n in found["pipelines/cli.py"]), found


def test_the_engine_is_only_the_dbt_target_of_one_job():
    # one job for both engines: the daily job's steps do not depend on the engine
    assert "tokenroi_dbt" in {node.name for node in
                              defs.resolve_job_def("tokenroi_daily").graph.node_defs}
    assert [job.name for job in defs.resolve_all_job_defs()
            if not job.name.startswith("__")] == ["tokenroi_daily"]


def test_runs_started_by_dagster_queue_behind_each_other(tmp_path):
    from pipelines.instance import instance

    job = defs.resolve_job_def("tokenroi_daily")
    assert job.tags["tokenroi/build"] == "tokenroi"
    dagster = instance(resolve_settings(environ={"TOKENROI_DATA": str(tmp_path)}))
    coordinator = dagster.run_coordinator
    assert type(coordinator).__name__ == "QueuedRunCoordinator"
    assert {"key": "tokenroi/build", "limit": 1} in coordinator.get_run_queue_config(
        ).tag_concurrency_limits


def test_an_unknown_engine_is_refused_in_one_line(tmp_path):
    done = subprocess.run([str(Path(sys.executable).parent / "tokenroi"), "run"],
                          capture_output=True, text=True, timeout=120,
                          env={"PATH": "/usr/bin:/bin", "TOKENROI_DATA": str(tmp_path),
                               "TOKENROI_ENGINE": "snowflake"})
    assert done.returncode == 1
    assert done.stderr == ("tokenroi: TOKENROI_ENGINE='snowflake' is not one of duckdb, spark"
                           "\n")


def test_a_spark_build_exports_every_mart_and_what_the_checks_read():
    relations = exported_relations(prepare_manifest())
    assert [r for r in relations if r.startswith("marts.")] == sorted(
        f"marts.{name}" for name in PUBLISHED_MARTS)
    # every relation the checks' Facts read outside the marts is exported
    source = Path(mart_suites.__file__).read_text()
    read = set(re.findall(r"from ((?:staging|intermediate)\.\w+)", source))
    assert read and read <= set(relations)


def test_dagster_validates_the_workspace(tmp_path):
    dagster = Path(sys.executable).parent / "dagster"
    done = subprocess.run([str(dagster), "definitions", "validate", "-w", "workspace.yaml"],
                          cwd=ROOT, capture_output=True, text=True, timeout=300,
                          env={"PATH": f"{Path(sys.executable).parent}:/usr/bin:/bin",
                               "HOME": str(tmp_path), "TOKENROI_DATA": str(tmp_path),
                               "DAGSTER_HOME": str(tmp_path)})
    assert done.returncode == 0, done.stdout + done.stderr
    assert "All code locations passed validation" in done.stdout + done.stderr


def test_the_landing_sensor_requests_a_run_only_when_files_land(tmp_path, monkeypatch):
    from pipelines.defs.resources import TokenroiSettings
    from pipelines.defs.sensors import landing_files_sensor

    landing = tmp_path / "landing"
    (landing / "agent_calls" / "canonical").mkdir(parents=True)
    (landing / "truth.json").write_text("{}")  # top-level files are not landing files
    instance = dg.DagsterInstance.ephemeral()
    settings = TokenroiSettings(landing=str(landing))

    def tick(cursor):
        context = dg.build_sensor_context(instance=instance, cursor=cursor,
                                          resources={"settings": settings})
        return landing_files_sensor(context), context.cursor

    result, empty = tick(None)
    assert isinstance(result, dg.RunRequest)  # first look: nothing seen before
    result, cursor = tick(empty)
    assert isinstance(result, dg.SkipReason) and "among 0 landing files" in result.skip_message
    (landing / "truth.json").write_text('{"changed": true}')
    assert isinstance(tick(cursor)[0], dg.SkipReason)
    (landing / "agent_calls" / "canonical" / "calls.jsonl").write_text("{}\n")
    result, cursor = tick(cursor)
    assert isinstance(result, dg.RunRequest)
    assert result.tags["tokenroi/landing_files"] == "1"
    assert isinstance(tick(cursor)[0], dg.SkipReason)
    assert defs.resolve_sensor_def("landing_files_sensor").job_name == "tokenroi_daily"


def test_a_run_that_skipped_publication_is_a_failure_with_the_reason():
    # Dagster calls a run whose downstream steps were skipped a success; tokenroi does not
    # (a lost dbt result once skipped publication and still printed "0 failed").
    from pipelines.runner import outcome_of

    @dg.asset(output_required=False)
    def marts_built():
        yield from ()

    @dg.asset(deps=[marts_built])
    def warehouse():
        return 1

    result = dg.materialize([marts_built, warehouse], raise_on_error=False)
    assert result.success
    outcome = outcome_of(result)
    assert not outcome.success
    assert outcome.reason() == ("step warehouse was skipped: an asset it depends on was not "
                                "produced, so nothing was published")
