"""The same dbt project on Apache Spark: every mart equals the DuckDB build.

The generated org's event log (the one the end-to-end run ingested) is rebuilt by the same
Dagster job with TOKENROI_ENGINE=spark, a local PySpark session; its published warehouse
must hold the same tables, columns and rows as the DuckDB run's, money to the cent.
"""

from __future__ import annotations

import datetime
import decimal
import math
import shutil
import subprocess

import duckdb
import pytest
from test_end_to_end import BREAKDOWNS, cents

from conftest import Workspace

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(shutil.which("java") is None,
                       reason="Spark needs a Java runtime (Java 17): `make test` installs "
                              "default-jre-headless where it can"),
]

# The run's own clock: when the gates were measured, and the freshness gate measured by it.
RUN_TIME_DEPENDENT = {"data_quality": "* exclude (measured_at) from marts.data_quality "
                                      "where check_name <> 'source_freshness'"}


@pytest.fixture(scope="module")
def spark_run(pipeline_run, tmp_path_factory) -> tuple[Workspace, Workspace, dict,
                                                        subprocess.CompletedProcess]:
    """The DuckDB run's event log, copied and rebuilt on Spark by `tokenroi rebuild`."""
    duck, truth, _ = pipeline_run
    spark = Workspace(tmp_path_factory.mktemp("spark"), settings={"TOKENROI_ENGINE": "spark"})
    shutil.copytree(duck.landing, spark.landing)  # already in the log: nothing new to ingest
    shutil.copytree(duck.lake, spark.lake)
    done = spark.tokenroi("rebuild")
    return duck, spark, truth, done


def tables(workspace: Workspace) -> list[str]:
    return [name for (name,) in workspace.query(
        "select table_name from duckdb_tables() where schema_name = 'marts' order by 1")]


def rows_of(workspace: Workspace, table: str) -> tuple[list[str], list[tuple]]:
    query = "select " + RUN_TIME_DEPENDENT.get(table, f'* from marts."{table}"')
    with duckdb.connect(str(workspace.warehouse), read_only=True) as con:
        result = con.execute(query)
        return [column for column, *_ in result.description], result.fetchall()


def plain(value):
    """One spelling per value: both engines' decimals, doubles and lists compare alike."""
    if isinstance(value, decimal.Decimal):
        return float(value)
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, list | tuple):
        return tuple(plain(item) for item in value)
    if isinstance(value, datetime.datetime) and value.tzinfo is not None:
        return value.astimezone(datetime.UTC).replace(tzinfo=None)
    return value


def sort_key(row: tuple) -> tuple:
    return tuple((0, "") if v is None else (1, f"{v:.4f}") if isinstance(v, float)
                 else (1, str(v)) for v in row)


def differences(columns: list[str], expected: list[tuple], actual: list[tuple]) -> list[str]:
    """Where two tables' rows differ: money (*_usd) by more than half a cent, other numbers
    beyond rounding (1e-9 relative), anything else at all. Row order does not matter."""
    if len(expected) != len(actual):
        return [f"{len(expected)} rows, not {len(actual)}"]
    expected = sorted((tuple(plain(v) for v in row) for row in expected), key=sort_key)
    actual = sorted((tuple(plain(v) for v in row) for row in actual), key=sort_key)
    found = []
    for want, got in zip(expected, actual, strict=True):
        for column, a, b in zip(columns, want, got, strict=True):
            numbers = isinstance(a, int | float) and isinstance(b, int | float)
            if numbers and not isinstance(a, bool):
                tolerance = 0.005 if column.endswith("_usd") else 1e-9 * max(1.0, abs(a))
                same = abs(a - b) <= tolerance
            else:
                same = a == b
            if not same:
                found.append(f"{column}: {a!r} != {b!r}")
    return found


def test_the_comparison_finds_a_cent_and_a_missing_row():
    columns = ["team", "cost_usd", "share"]
    rows = [("api", decimal.Decimal("10.004"), 0.25), ("web", decimal.Decimal("2.5"), 0.75)]
    # another engine's spelling of the same values, in another order: no difference
    assert differences(columns, rows, [("web", 2.5, 0.75), ("api", 10.0041, 0.25)]) == []
    assert differences(columns, rows, [("web", 2.5, 0.75), ("api", 10.014, 0.25)]) == [
        "cost_usd: 10.004 != 10.014"]
    assert differences(columns, rows, [("web", 2.5, 0.75), ("api", 10.004, 0.2501)]) == [
        "share: 0.25 != 0.2501"]
    assert differences(columns, rows, rows[:1]) == ["2 rows, not 1"]


def test_the_spark_run_passes_every_check_the_duckdb_run_passes(spark_run, pipeline_run):
    _, spark, _, done = spark_run
    # "checks: N passed, 1 warning, 0 failed (… results in <the workspace's folder>)"
    checks = [line.split(" (")[0] for line in pipeline_run[2].stdout.splitlines()
              if line.startswith("checks:")]
    assert checks and f"{checks[0]} (" in done.stdout
    assert f"warehouse: {spark.warehouse}" in done.stdout
    assert (spark.data / "build" / "tokenroi_build.spark.duckdb").exists()


def test_every_mart_built_on_spark_equals_the_duckdb_build(spark_run):
    duck, spark, _, _ = spark_run
    assert tables(spark) == tables(duck)
    found = {}
    for table in tables(duck):
        columns, expected = rows_of(duck, table)
        spark_columns, actual = rows_of(spark, table)
        assert spark_columns == columns, table
        assert expected, f"{table} is empty: the comparison would prove nothing"
        if problems := differences(columns, expected, actual):
            found[table] = problems[:5]
    assert found == {}


@pytest.mark.parametrize(("dimension", "mart", "truth_key"), BREAKDOWNS,
                         ids=[key for *_, key in BREAKDOWNS])
def test_spark_spend_breakdowns_match_truth_to_the_cent(spark_run, dimension, mart, truth_key):
    _, spark, truth, _ = spark_run
    rows = spark.query(f"select {dimension}, sum(cost_usd) from marts.{mart} group by 1")
    assert {key: cents(v) for key, v in rows} == {
        key: cents(v) for key, v in truth[truth_key].items()}


def test_the_spark_warehouse_keeps_the_dbt_docs_as_comments(spark_run):
    duck, spark, _, _ = spark_run
    sql = ("select table_name, comment from duckdb_tables() where schema_name = 'marts' "
           "order by 1")
    assert spark.query(sql) == duck.query(sql)
    sql = ("select table_name, column_name, comment from duckdb_columns() "
           "where schema_name = 'marts' order by 1, 2")
    assert spark.query(sql) == duck.query(sql)


def test_the_report_says_the_same_on_both_engines(spark_run):
    duck, spark, _, _ = spark_run
    months = sorted(path.parent.name for path in duck.data.glob("reports/*/summary.md"))
    assert months

    def said(workspace: Workspace, month: str) -> list[str]:
        # all but what each run's own clock measured: when the gates ran and how old the
        # newest events were then
        text = (workspace.data / "reports" / month / "summary.md").read_text()
        return [line for line in text.splitlines()
                if "(measured " not in line and "source_freshness" not in line]

    for month in months:
        assert said(spark, month) == said(duck, month)
