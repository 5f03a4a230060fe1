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

from pipelines.quality.mart_suites import FACT_RELATIONS
from pipelines.warehouse import quote_identifier, sql_literal, write_comments


def exported_relations(manifest_path: Path) -> list[str]:
    """"schema.name" of every mart table in the dbt manifest (not the gates' views: the
    union data_quality holds their rows), then the relations the checks read."""
    marts = sorted(f"marts.{node['name']}" for node in _models(manifest_path)
                   if node["fqn"][1] == "marts"
                   and node["config"].get("materialized") != "view")
    return marts + list(FACT_RELATIONS)


def mirror_spark_build(export: str, build_db: Path, relations: list[str],
                       manifest_path: Path) -> dict[str, int]:
    """Replace ``build_db`` with ``relations`` as exported under ``export``, each with its
    model's dbt docs as comments (what persist_docs writes on DuckDB); rows per table."""
    docs = {node["name"]: node for node in _models(manifest_path)}
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
            node = docs.get(name, {})
            described = node.get("columns", {})
            write_comments(con, schema, name, node.get("description"),
                           {column: described.get(column, {}).get("description")
                            for column, *_ in columns})
        con.execute("checkpoint")
    finally:
        con.close()
    os.replace(temporary, build_db)
    build_db.with_name(build_db.name + ".wal").unlink(missing_ok=True)
    return counts


def _models(manifest_path: Path) -> list[dict]:
    return [node for node in json.loads(manifest_path.read_text())["nodes"].values()
            if node["resource_type"] == "model"]
