"""The `tokenroi` command: generate a sample org, run the pipeline, render reports.

Flags, then TOKENROI_* environment variables, then defaults make the run's settings
(pipelines/settings.py); the job gets them as the run config of its ``settings`` resource,
and dbt, a subprocess, gets the paths it reads in its environment (``_hand_off``).
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from pipelines.settings import ENGINES, SettingError, Settings, resolve_settings

EPILOG = """
paths default to data/landing, data/lake, data/warehouse.duckdb and data/reports; each can
be set by flag or by TOKENROI_LANDING, TOKENROI_LAKE, TOKENROI_WAREHOUSE, TOKENROI_REPORTS
(or TOKENROI_DATA for the folder holding all of them). TOKENROI_ENGINE=spark builds the
models on Apache Spark instead of DuckDB; the outputs are the same.
"""


class CommandError(Exception):
    """A failure to report in one line with a non-zero exit."""


def _settings(args: argparse.Namespace) -> Settings:
    """The run's settings: the command's flags over the environment over the defaults."""
    given = {name: str(Path(getattr(args, name)).expanduser().resolve())
             for name in ("landing", "lake", "warehouse", "reports")
             if getattr(args, name, None)}
    if getattr(args, "engine", None):
        given["engine"] = args.engine
    try:
        return resolve_settings(given)
    except SettingError as error:
        raise CommandError(str(error)) from None


def _hand_off(settings: Settings) -> None:
    """The one place tokenroi writes its environment: what its subprocesses read. dbt reads
    the lake and build paths (profiles.yml, sources.yml) from it; GX, Dagster and tqdm
    their telemetry and progress switches; dagster-dbt finds `dbt` on PATH."""
    os.environ.update(settings.dbt_env())
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    os.environ.setdefault("DAGSTER_DISABLE_TELEMETRY", "true")
    os.environ.setdefault("TQDM_DISABLE", "1")  # GX's progress bars would drown the progress
    bin_dir = str(Path(sys.executable).parent)
    if shutil.which("dbt") is None or not os.environ.get("PATH", "").startswith(bin_dir):
        os.environ["PATH"] = bin_dir + os.pathsep + os.environ.get("PATH", "")


def _definitions(settings: Settings):
    """The code location for the settings' dbt project, its manifest prepared first."""
    from pipelines.defs.dbt_project import ManifestMissing, prepare_manifest
    from pipelines.settings import SHIPPED_DBT_PROJECT

    try:
        prepare_manifest(settings.dbt_project)
    except ManifestMissing as error:
        raise CommandError(str(error)) from None
    if settings.dbt_project == SHIPPED_DBT_PROJECT:
        from pipelines.definitions import defs
        return defs
    from pipelines.definitions import build_definitions
    return build_definitions(settings.dbt_project)


def _run_pipeline(settings: Settings, wait: bool = False, full_refresh: bool = False,
                  dbt_vars: dict | None = None) -> None:
    from pipelines.eventlog.ingest import LandingError, check_landing

    try:
        check_landing(settings.landing)
    except LandingError as error:
        raise CommandError(str(error)) from None
    _hand_off(settings)
    defs = _definitions(settings)
    from pipelines.defs.resources import CLI_TAG
    from pipelines.instance import dagster_home, instance
    from pipelines.runlock import RunLocked, lock_path, run_lock
    from pipelines.runner import run_config, run_job

    job_name = "tokenroi_daily"
    log_path = (dagster_home(settings) / "logs"
                / f"{job_name}-{datetime.now(UTC):%Y%m%dT%H%M%SZ}.log")
    try:
        with run_lock(lock_path(settings.build_db), wait=wait,
                      waiting=lambda message: print(message, file=sys.stderr, flush=True)):
            outcome = run_job(defs, job_name, log_path,
                              run_config(settings, full_refresh=full_refresh,
                                         dbt_vars=dbt_vars),
                              instance(settings), tags={CLI_TAG: "cli"},
                              marts_db=settings.marts_db)
    except RunLocked as error:
        raise CommandError(str(error)) from None
    if not outcome.success:
        raise CommandError(f"{outcome.reason()} (details: {log_path})")
    warned = f"{len(outcome.warnings)} warning" + ("" if len(outcome.warnings) == 1 else "s")
    print(f"checks: {len(outcome.checks_passed)} passed, {warned}, 0 failed "
          f"(dbt tests and GX suites; results in {settings.quality})")
    for warning in outcome.warnings:
        print(f"warning: {warning}")
    print(f"dbt output: {log_path}")
    print(f"warehouse: {settings.warehouse}")
    reports = sorted(settings.reports.glob("*/outcome_report.html"))
    for report in reports:
        print(f"report: {report}")


def cmd_generate(args: argparse.Namespace) -> None:
    from pipelines.generate.org import generate_org

    out = Path(args.out).expanduser().resolve()
    if out.exists() and any(out.iterdir()):
        raise CommandError(f"{out} is not empty: generate into a new folder")
    truth = generate_org(out, start=args.start, days=args.days, engineers=args.engineers,
                         seed=args.seed, tag_all=args.tag_all)
    print(f"generated {truth['agent_calls']:,} agent calls for {truth['people']} people "
          f"({truth['generator']['start']}, {args.days} days) in {out}")
    print(f"answers: {out / 'truth.json'}")


def cmd_run(args: argparse.Namespace) -> None:
    _run_pipeline(_settings(args), wait=args.wait)


def demo_window(today: date) -> tuple[date, int]:
    """The demo's sample: the previous full month and this month up to yesterday, so the
    report has a month-over-month change and every source is fresh at run time."""
    yesterday = today - timedelta(days=1)
    previous_month_end = yesterday.replace(day=1) - timedelta(days=1)
    start = previous_month_end.replace(day=1)
    return start, (yesterday - start).days + 1


def cmd_demo(args: argparse.Namespace) -> None:
    settings = _settings(args)
    landing = settings.landing
    if not landing.exists() or not any(landing.iterdir()):
        from pipelines.generate.org import generate_org

        start, days = demo_window(date.today())
        print(f"generating the sample org into {landing} ({start} to "
              f"{start + timedelta(days=days - 1)}) ...", flush=True)
        truth = generate_org(landing, start=start, days=days)
        print(f"generated {truth['agent_calls']:,} agent calls for {truth['people']} people")
    else:
        print(f"using the landing folder {landing} as it is")
    _run_pipeline(settings)


def cmd_rebuild(args: argparse.Namespace) -> None:
    settings = _settings(args)
    on = "" if settings.engine == "duckdb" else f" on {settings.engine}"
    print(f"rebuilding every model{on} from the event log in {settings.lake} (the daily job "
          "with a full refresh: the build database is dropped first)")
    _run_pipeline(settings, full_refresh=True)


def cmd_docs(args: argparse.Namespace) -> None:
    """dbt's documentation site, as one page, from the project and the build database."""
    import subprocess

    from pipelines.defs.resources import dbt_executable

    settings = _settings(args)
    _hand_off(settings)
    project = settings.dbt_project
    out = Path(args.out).expanduser().resolve() if args.out else settings.data / "docs"
    if not settings.build_db.exists():
        print(f"note: no build database at {settings.build_db} yet (run `tokenroi run`): "
              "the docs will describe the models without row counts or column types")
    done = subprocess.run([dbt_executable(), "docs", "generate", "--static", "--quiet",
                           "--profiles-dir", str(project)], cwd=project,
                          capture_output=True, text=True)
    page = project / "target" / "static_index.html"
    if done.returncode != 0 or not page.exists():
        reason = (done.stdout + done.stderr).strip().splitlines()
        raise CommandError("dbt docs generate failed: " + (reason[-1] if reason else "?"))
    out.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(page, out / "index.html")
    print(f"docs: {out / 'index.html'} (one file; open it in a browser)")


def cmd_report(args: argparse.Namespace) -> None:
    from pipelines.report.render import available_months, render_month

    settings = _settings(args)
    out = Path(args.out).expanduser().resolve() if args.out else settings.reports
    if not settings.warehouse.exists():
        raise CommandError(f"no warehouse at {settings.warehouse}: run `tokenroi run` first")
    months = available_months(settings.warehouse)
    if args.month not in months:
        raise CommandError(f"no spend for {args.month} in {settings.warehouse}; months with "
                           f"data: {', '.join(months) or 'none'}")
    print(f"report: {render_month(settings.warehouse, args.month, out)[0]}")


def cmd_checks(args: argparse.Namespace) -> None:
    from pipelines.instance import instance
    from pipelines.quality.history import check_history, check_states

    settings = _settings(args)
    defs = _definitions(settings)
    keys = defs.resolve_asset_graph().asset_check_keys
    history = check_history(instance(settings), keys, limit=max(args.last, 50))
    if not history:
        raise CommandError("no check results in the Dagster instance: run `tokenroi run` "
                           "first")
    if args.check:
        entries = [e for e in history if e["check"] == args.check]
        if not entries:
            known = sorted({e["check"] for e in history})
            raise CommandError(f"no check named {args.check!r}; known: {', '.join(known)}")
        for entry in entries[-args.last:]:
            outcome = "pass" if entry["passed"] else entry["severity"].lower()
            print(f"{entry['checked_at']}  {entry['run_id'][:8]}  {outcome:5}  "
                  f"{entry['summary']}")
        return
    states = check_states(history)
    order = {"FAIL": 0, "warn": 1, "pass": 2}
    for state in sorted(states, key=lambda s: (order[s["outcome"]], s["check"])):
        print(f"{state['outcome']:4}  since {state['since']} (run {state['since_run'][:8]})  "
              f"{state['check']} on {state['asset']}: {state['summary']}")
    failing = sum(s["outcome"] == "FAIL" for s in states)
    warning = sum(s["outcome"] == "warn" for s in states)
    print(f"{len(states)} checks: {failing} failing, {warning} warning "
          f"(full results: {settings.quality})")


def cmd_prices_check(args: argparse.Namespace) -> None:
    from pipelines.prices.check import unpriced_models
    settings = _settings(args)
    if not settings.warehouse.exists():
        raise CommandError(f"no warehouse at {settings.warehouse}: run `tokenroi run` first")
    overrides = settings.landing / "reference" / "model_prices.csv"
    catalog = settings.price_catalog
    found = unpriced_models(settings.warehouse, [catalog, overrides])
    for model in found:
        print(model.line())
    print(f"{len(found)} unpriced model(s) in {settings.warehouse}" + (
        f"; price them in {overrides} (columns of the shipped catalog, "
        f"{catalog.name})" if found else ""))


def cmd_classify_eval(args: argparse.Namespace) -> None:
    from pipelines.classify.evaluate import (
        evaluate,
        evaluate_test_split,
        labelled,
        write_scores,
    )

    if args.file:
        path = Path(args.file)
        if not path.exists():
            raise CommandError(f"no labelled prompt file at {path} (CSV with columns "
                               "label,prompt, or JSONL records with prompt and label)")
        evaluation = evaluate(labelled(path), str(path))
    else:
        evaluation = evaluate_test_split()
    print(f"task classifier on {evaluation.name}:")
    print(evaluation.model.table())
    print()
    print(evaluation.model.matrix())
    print()
    print(f"the rules-and-lexicon classifier it replaced: macro F1 "
          f"{evaluation.rules.macro_f1:.3f} on the same prompts")
    if args.write:
        write_scores(evaluation)
        print("scores written beside the model (the report quotes them)")


def _month(text: str) -> str:
    try:
        date.fromisoformat(text + "-01")
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a month like 2026-10") from None
    return text


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="tokenroi",
        description="Tie AI token spend to the features it shipped and the revenue they closed.",
        epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def paths(sub: argparse.ArgumentParser, *names: str) -> None:
        helps = {"landing": "folder of landing files to ingest",
                 "lake": "event log folder (append-only Parquet)",
                 "warehouse": "published DuckDB file for analysts",
                 "reports": "folder for the monthly reports"}
        for name in names:
            sub.add_argument(f"--{name}", metavar="PATH", help=helps[name])

    def engine(sub: argparse.ArgumentParser) -> None:
        sub.add_argument("--engine", choices=ENGINES,
                         help="what builds the dbt models: duckdb on this machine (default) or "
                              "spark (a local PySpark session, or a cluster: README \"Running "
                              "on a cluster\"); default TOKENROI_ENGINE")

    demo = commands.add_parser("demo", help="generate the sample org if absent, run everything",
                               description="Generate the sample org into the landing folder "
                                           "(when it is empty: the previous month and this "
                                           "month up to yesterday), run the whole pipeline and "
                                           "print the checks' summary and where the report "
                                           "and warehouse are.")
    paths(demo, "landing", "lake", "warehouse", "reports")
    engine(demo)
    demo.set_defaults(func=cmd_demo)

    generate = commands.add_parser(
        "generate", help="write a synthetic org in every landing format, plus truth.json",
        description="Write a deterministic synthetic organisation (people, agent calls, git "
                    "repositories, CRM deals) and truth.json with the answers computed "
                    "independently of the pipeline.")
    generate.add_argument("--out", required=True, metavar="DIR", help="an empty folder")
    generate.add_argument("--start", type=date.fromisoformat, default=date(2026, 10, 1),
                          metavar="DATE", help="first day (default 2026-10-01)")
    generate.add_argument("--days", type=int, default=45,
                          help="days of activity (default 45: one full month and half the next)")
    generate.add_argument("--engineers", type=int, default=40, help="people (default 40)")
    generate.add_argument("--seed", type=int, default=7, help="random seed (default 7)")
    generate.add_argument("--tag-all", action="store_true",
                          help="tag every call with its task class (no classifier needed)")
    generate.set_defaults(func=cmd_generate)

    run = commands.add_parser(
        "run", help="ingest new landing files, build, check, publish (the daily job)",
        description="Run the daily Dagster job: ingest new landing files into the event log, "
                    "build the dbt models, run the checks and, when every blocking check "
                    "passes, publish the warehouse and the reports.")
    paths(run, "landing", "lake", "warehouse", "reports")
    engine(run)
    run.add_argument("--wait", action="store_true",
                     help="if another run is using the same data folder, wait for it to end "
                          "(default: refuse at once and say which run holds it)")
    run.set_defaults(func=cmd_run)

    report = commands.add_parser("report", help="regenerate the outcome report for a month")
    report.add_argument("--month", required=True, type=_month, metavar="YYYY-MM")
    report.add_argument("--out", metavar="DIR", help="reports folder (default data/reports)")
    paths(report, "warehouse")
    report.set_defaults(func=cmd_report)

    prices = commands.add_parser(
        "prices", help="the price catalog: `prices check` lists the models nobody prices",
        description="check: the models in the published warehouse without a price, with "
                    "their calls and tokens and the nearest ids in the price catalog (the "
                    "shipped one, generated from LiteLLM's price map by `make prices`, and "
                    "landing/reference/model_prices.csv).")
    prices.add_argument("action", choices=["check"])
    paths(prices, "landing", "warehouse")
    prices.set_defaults(func=cmd_prices_check)

    checks = commands.add_parser(
        "checks", help="each quality check's latest outcome and since when it has held",
        description="Read the check results Dagster keeps for the runs (its instance in "
                    "DAGSTER_HOME, default data/dagster_home): "
                    "every check's latest outcome, and the run where it started failing or "
                    "recovered. With --check, that check's outcome in each run.")
    checks.add_argument("--check", metavar="NAME", help="one check's history, run by run")
    checks.add_argument("--last", type=int, default=20, metavar="N",
                        help="with --check: the last N runs (default 20)")
    checks.set_defaults(func=cmd_checks)

    classify_eval = commands.add_parser(
        "classify-eval", help="precision, recall, F1 and confusion matrix of the task classifier",
        description="Score the shipped task classifier on the labelled corpus's test split "
                    "(pipelines/classify/corpus: never used for training), or on another "
                    "labelled file: per-class precision, recall and F1, the confusion matrix, "
                    "and the old rules' macro F1 on the same prompts.")
    classify_eval.add_argument("--file", metavar="FILE",
                               help="a CSV (label,prompt) or JSONL (prompt, label) to score "
                                    "instead of the test split")
    classify_eval.add_argument("--write", action="store_true",
                               help="keep the test split's scores beside the model "
                                    "(task_model_scores.json), for the report")
    classify_eval.set_defaults(func=cmd_classify_eval)

    docs = commands.add_parser(
        "docs", help="build the dbt docs site (models, columns, tests, lineage) as one page",
        description="Run `dbt docs generate --static` on the project and the build database "
                    "and copy the single-page site to data/docs/index.html.")
    docs.add_argument("--out", metavar="DIR", help="folder for index.html (default data/docs)")
    docs.set_defaults(func=cmd_docs)

    rebuild = commands.add_parser(
        "rebuild", help="drop the warehouse build and rebuild it from the event log alone",
        description="Drop the build database and rebuild every model from the whole event "
                    "log. Daily runs merge only new batches into the staging tables; rebuild "
                    "after upgrading tokenroi or after removing batches from the log.")
    paths(rebuild, "lake", "warehouse", "reports")
    engine(rebuild)
    rebuild.set_defaults(func=cmd_rebuild)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        args.func(args)
    except CommandError as error:
        print(f"tokenroi: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
