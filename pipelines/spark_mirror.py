"""TOKENROI_ENGINE=spark: the Spark build's results copied into the local build file.

The checks (Great Expectations on DataFrames read from DuckDB) and publication (a DuckDB
file for analysts) read the build file whichever engine built the models. After a Spark
build, dbt's on-run-end hook (macros/event_log_tables.sql) has written the relations they
read as Parquet under the export folder; this copies them into a new build file, with the
models' dbt descriptions as comments, and renames it into place.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import duckdb

from pipelines.publish import quote_identifier, sql_literal
from pipelines.quality.mart_suites import FACT_RELATIONS


def exported_relations(manifest_path: Path) -> list[str]:
    """"schema.name" of every mart in the dbt manifest, then the relations the checks read."""
    nodes = json.loads(manifest_path.read_text())["nodes"].values()
    marts = sorted(f"marts.{node['name']}" for node in nodes
                   if node["resource_type"] == "model" and node["fqn"][1] == "marts")
    return marts + list(FACT_RELATIONS)


def mirror_spark_build(export: str, build_db: Path, manifest_path: Path) -> dict[str, int]:
    """Replace ``build_db`` with the relations exported under ``export``; rows per table."""
    relations = exported_relations(manifest_path)
    docs = _descriptions(manifest_path)
    build_db.parent.mkdir(parents=True, exist_ok=True)
    temporary = build_db.with_name(f".{build_db.name}.{os.getpid()}.tmp")
    temporary.unlink(missing_ok=True)
    counts: dict[str, int] = {}
    con = duckdb.connect(str(temporary))
    try:
        # Spark writes timestamps as instants; the models' timestamps are UTC wall clocks.
        con.execute("set TimeZone = 'UTC'")
        for relation in relations:
            schema, name = relation.split(".")
            target = f"{quote_identifier(schema)}.{quote_identifier(name)}"
            files = sql_literal(f"{export.rstrip('/')}/{schema}/{name}/*.parquet")
            columns = con.execute(f"describe select * from read_parquet({files})").fetchall()
            select = ", ".join(
                f"cast({quote_identifier(column)} as timestamp) as {quote_identifier(column)}"
                if kind == "TIMESTAMP WITH TIME ZONE" else quote_identifier(column)
                for column, kind, *_ in columns)
            con.execute(f"create schema if not exists {quote_identifier(schema)}")
            con.execute(f"create table {target} as select {select} from read_parquet({files})")
            counts[relation] = con.execute(f"select count(*) from {target}").fetchall()[0][0]
            _comment(con, schema, name, docs.get(name))
        con.execute("checkpoint")
    finally:
        con.close()
    os.replace(temporary, build_db)
    build_db.with_name(build_db.name + ".wal").unlink(missing_ok=True)
    return counts


def _descriptions(manifest_path: Path) -> dict[str, tuple[str, dict[str, str]]]:
    """Each model's description and its columns' (what persist_docs writes on DuckDB)."""
    nodes = json.loads(manifest_path.read_text())["nodes"].values()
    return {node["name"]: (node.get("description") or "",
                           {name: column.get("description") or ""
                            for name, column in node.get("columns", {}).items()})
            for node in nodes if node["resource_type"] == "model"}


def _comment(con: duckdb.DuckDBPyConnection, schema: str, name: str,
             docs: tuple[str, dict[str, str]] | None) -> None:
    if docs is None:
        return
    table, columns = docs
    target = f"{quote_identifier(schema)}.{quote_identifier(name)}"
    if table.strip():
        con.execute(f"comment on table {target} is {sql_literal(table.strip())}")
    present = {row[0] for row in con.execute(
        "select column_name from duckdb_columns() where schema_name = ? and table_name = ?",
        [schema, name]).fetchall()}
    for column, text in columns.items():
        if text.strip() and column in present:
            con.execute(f"comment on column {target}.{quote_identifier(column)} is "
                        f"{sql_literal(text.strip())}")
