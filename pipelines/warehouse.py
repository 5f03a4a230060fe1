"""Publication: copy the marts into a new DuckDB file and rename it over the warehouse.

Analysts keep read-only connections to the published file; a rename never disturbs them
(their snapshot stays valid) and they never see a half-written or locked warehouse.
"""

from __future__ import annotations

import os
from pathlib import Path

import duckdb

PUBLISHED_SCHEMAS = ("marts",)


def quote_identifier(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def publish_warehouse(build_db: Path, warehouse: Path) -> dict[str, int]:
    """Write every table of the build's published schemas to ``warehouse``; rows per table."""
    warehouse.parent.mkdir(parents=True, exist_ok=True)
    # A run killed mid-publication left its half-written copy; the run lock says no other
    # run is publishing now.
    for stale in warehouse.parent.glob(f".{warehouse.name}.*.tmp"):
        stale.unlink(missing_ok=True)
    temporary = warehouse.with_name(f".{warehouse.name}.{os.getpid()}.tmp")
    counts: dict[str, int] = {}
    con = duckdb.connect(str(temporary))
    try:
        con.execute(f"attach {sql_literal(build_db)} as build (read_only)")
        tables = con.execute(
            "select schema_name, table_name from duckdb_tables() "
            "where database_name = 'build' and schema_name in "
            f"({', '.join(sql_literal(s) for s in PUBLISHED_SCHEMAS)}) order by 1, 2"
        ).fetchall()
        for schema in PUBLISHED_SCHEMAS:
            con.execute(f"create schema if not exists {quote_identifier(schema)}")
        for schema, table in tables:
            target = f"{quote_identifier(schema)}.{quote_identifier(table)}"
            con.execute(f"create table {target} as select * from build.{target}")
            rows = con.execute(f"select count(*) from {target}").fetchall()[0][0]
            counts[f"{schema}.{table}"] = rows
            _copy_comments(con, schema, table)
        con.execute("detach build")
        con.execute("checkpoint")
    finally:
        con.close()
    with temporary.open("rb") as handle:
        os.fsync(handle.fileno())
    os.replace(temporary, warehouse)
    return counts


def _copy_comments(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> None:
    """The dbt docs (persisted as comments in the build) follow the table to the warehouse."""
    [(table_comment,)] = con.execute(
        "select comment from duckdb_tables() where database_name = 'build' "
        "and schema_name = ? and table_name = ?", [schema, table]).fetchall()
    columns = con.execute(
        "select column_name, comment from duckdb_columns() where database_name = 'build' "
        "and schema_name = ? and table_name = ?", [schema, table]).fetchall()
    write_comments(con, schema, table, table_comment, dict(columns))


def write_comments(con: duckdb.DuckDBPyConnection, schema: str, table: str,
                   table_comment: str | None, column_comments: dict[str, str | None]) -> None:
    """A table's and its columns' descriptions as DuckDB comments; blank ones are skipped."""
    target = f"{quote_identifier(schema)}.{quote_identifier(table)}"
    if (table_comment or "").strip():
        con.execute(f"comment on table {target} is {sql_literal(table_comment.strip())}")
    for column, comment in column_comments.items():
        if (comment or "").strip():
            con.execute(f"comment on column {target}.{quote_identifier(column)} is "
                        f"{sql_literal(comment.strip())}")


def sql_literal(value: object) -> str:
    return "'" + str(value).replace("'", "''") + "'"
