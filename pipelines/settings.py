"""Every path and engine setting tokenroi uses, resolved in one place and read nowhere else.

A setting is given (a CLI flag, the run config of the ``settings`` resource in Dagster),
else it is its TOKENROI_* environment variable (``VARIABLES``), else its default. Nothing
here runs at import: the CLI resolves once from its flags, the Dagster resource
(``pipelines.defs.resources.TokenroiSettings``) once per run, and both hand the result on
as a value (``Settings``) to the code that uses it.
"""

from __future__ import annotations

import codecs
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

PROJECT_ROOT = Path(__file__).resolve().parent.parent
# The shipped dbt project and its price catalog (the dbt project a run builds is a setting:
# the tests build a customised copy).
SHIPPED_DBT_PROJECT = PROJECT_ROOT / "dbt_project"
SHIPPED_PRICE_CATALOG = SHIPPED_DBT_PROJECT / "seeds" / "model_prices.csv"

# setting -> its environment variable
VARIABLES = {
    "data": "TOKENROI_DATA",
    "landing": "TOKENROI_LANDING",
    "lake": "TOKENROI_LAKE",
    "warehouse": "TOKENROI_WAREHOUSE",
    "reports": "TOKENROI_REPORTS",
    "build_db": "TOKENROI_BUILD_DB",
    "quality": "TOKENROI_QUALITY",
    "spark_dir": "TOKENROI_SPARK_DIR",
    "engine": "TOKENROI_ENGINE",
    "spark_method": "TOKENROI_SPARK_METHOD",
    "spark_lake": "TOKENROI_SPARK_LAKE",
    "spark_export": "TOKENROI_SPARK_EXPORT",
    "keep_prompts": "TOKENROI_KEEP_PROMPTS",
    "token_conventions": "TOKENROI_TOKEN_CONVENTIONS",
    "csv_encoding": "TOKENROI_CSV_ENCODING",
    "reporting_currency": "TOKENROI_REPORTING_CURRENCY",
    "company_currency": "TOKENROI_COMPANY_CURRENCY",
    "dbt_vars": "TOKENROI_DBT_VARS",
    "dbt_project": "TOKENROI_DBT_PROJECT",
    "report_pdf": "TOKENROI_REPORT_PDF",
}

# path settings -> default, relative to the data folder
PATH_DEFAULTS = {
    "landing": "landing",
    "lake": "lake",
    "warehouse": "warehouse.duckdb",
    "reports": "reports",
    # The private file dbt builds in; only the pipeline opens it.
    "build_db": "build/tokenroi_build.duckdb",
    "quality": "quality",
    # engine=spark: the local Spark session's metastore, warehouse and exports.
    "spark_dir": "spark",
}

# The engines that build the dbt project (README "Running on a cluster").
ENGINES = ("duckdb", "spark")
# How dbt reaches Spark: a PySpark session in the dbt process, or a cluster's Thrift
# server or HTTP endpoint (profiles.yml target spark_cluster).
SPARK_METHODS = ("session", "thrift", "http")
TOKEN_CONVENTIONS = ("inclusive", "disjoint", "auto")
# The currency settings and the dbt vars they set (README "Deals in their currency").
CURRENCY_VARS = {"reporting_currency": "reporting_currency",
                 "company_currency": "company_currency"}


class SettingError(ValueError):
    """A setting's value cannot be used; the message names the setting and what to give."""


@dataclass(frozen=True)
class ReadOptions:
    """How the adapters read landing files (pipelines/sources/reading/options.py)."""

    # Prompt text is used in memory only unless kept (then it is logged).
    keep_prompts: bool = False
    # format or format/name -> inclusive | disjoint | auto (README "Token conventions")
    token_conventions: tuple[tuple[str, str], ...] = ()
    # the encoding of every CRM and reference CSV; None to detect (UTF-8, else cp1252)
    csv_encoding: str | None = None


@dataclass(frozen=True)
class Settings:
    """Resolved settings: absolute paths and checked values."""

    data: Path
    landing: Path
    lake: Path
    warehouse: Path
    reports: Path
    build_db: Path
    quality: Path
    spark_dir: Path
    dbt_project: Path = SHIPPED_DBT_PROJECT
    engine: str = "duckdb"
    spark_method: str = "session"
    spark_lake: str = ""
    spark_export: str = ""
    read: ReadOptions = field(default_factory=ReadOptions)
    # dbt_project.yml vars this org overrides (currencies, TOKENROI_DBT_VARS)
    dbt_vars: Mapping[str, Any] = field(default_factory=dict)
    # the report as PDF beside HTML and Markdown (TOKENROI_REPORT_PDF=0: without)
    report_pdf: bool = True

    @property
    def quarantine(self) -> Path:
        return self.lake / "_quarantine"

    @property
    def manifest(self) -> Path:
        return self.lake / "_manifest"

    @property
    def marts_db(self) -> Path:
        """The DuckDB file the checks and publication read: the build file itself, or with
        engine=spark a local copy of what Spark built (pipelines/spark_mirror.py), kept
        apart so the DuckDB build's incremental tables stay as they were."""
        if self.engine == "duckdb":
            return self.build_db
        return self.build_db.with_name(f"{self.build_db.stem}.spark{self.build_db.suffix}")

    @property
    def dbt_target(self) -> str:
        """The profiles.yml target that builds: duckdb, spark (a local session) or
        spark_cluster (thrift or http)."""
        if self.engine == "duckdb":
            return "duckdb"
        return "spark" if self.spark_method == "session" else "spark_cluster"

    @property
    def price_catalog(self) -> Path:
        return self.dbt_project / "seeds" / "model_prices.csv"

    def dbt_env(self) -> dict[str, str]:
        """What the dbt subprocess reads from its environment (profiles.yml, sources.yml):
        the CLI hands these over before a run starts dbt."""
        return {"TOKENROI_DATA": str(self.data), "TOKENROI_LAKE": str(self.lake),
                "TOKENROI_BUILD_DB": str(self.build_db),
                "TOKENROI_SPARK_DIR": str(self.spark_dir),
                "TOKENROI_SPARK_METHOD": self.spark_method}

    def as_config(self) -> dict[str, Any]:
        """These settings as the ``settings`` resource's run config."""
        return {"data": str(self.data), "landing": str(self.landing), "lake": str(self.lake),
                "warehouse": str(self.warehouse), "reports": str(self.reports),
                "build_db": str(self.build_db), "quality": str(self.quality),
                "spark_dir": str(self.spark_dir), "dbt_project": str(self.dbt_project),
                "engine": self.engine, "spark_method": self.spark_method,
                "spark_lake": self.spark_lake, "spark_export": self.spark_export,
                "keep_prompts": self.read.keep_prompts,
                "token_conventions": ",".join(f"{k}={v}"
                                              for k, v in self.read.token_conventions),
                "csv_encoding": self.read.csv_encoding or "",
                "dbt_vars": json.dumps(dict(self.dbt_vars), sort_keys=True),
                "report_pdf": self.report_pdf}


def resolve_settings(given: Mapping[str, Any] | None = None,
                     environ: Mapping[str, str] | None = None) -> Settings:
    """Settings from ``given`` (None or "" where not given), else ``environ`` (the process
    environment by default), else the defaults. Raises SettingError on a value it cannot use."""
    given = given or {}
    environ = os.environ if environ is None else environ

    def raw(name: str) -> Any:
        value = given.get(name)
        if value is None or value == "":
            value = environ.get(VARIABLES[name], "")
        return value.strip() if isinstance(value, str) else value

    def path(name: str, default: Path) -> Path:
        value = raw(name)
        return Path(value).expanduser().resolve() if value else default

    data = path("data", PROJECT_ROOT / "data")
    paths = {name: path(name, data / default) for name, default in PATH_DEFAULTS.items()}
    engine = _choice("engine", raw("engine"), ENGINES)
    spark_method = _choice("spark_method", raw("spark_method"), SPARK_METHODS)
    return Settings(
        data=data, **paths,
        dbt_project=path("dbt_project", SHIPPED_DBT_PROJECT),
        engine=engine, spark_method=spark_method,
        # Where Spark reads the event log (e.g. an s3a:// URI on a cluster, holding the same
        # files as the lake), and where a Spark build writes the relations the checks and
        # publication read, as Parquet (a path or URI both Spark and this machine reach).
        spark_lake=raw("spark_lake") or str(paths["lake"]),
        spark_export=raw("spark_export") or str(paths["spark_dir"] / "export"),
        read=ReadOptions(
            keep_prompts=_flag(raw("keep_prompts")),
            token_conventions=tuple(sorted(parse_token_conventions(
                raw("token_conventions") or "").items())),
            csv_encoding=_encoding(raw("csv_encoding") or "")),
        dbt_vars={**_currency_vars(raw), **_dbt_vars(raw("dbt_vars") or "")},
        report_pdf=_flag(raw("report_pdf")) if raw("report_pdf") not in (None, "") else True,
    )


def _choice(name: str, value: str, allowed: tuple[str, ...]) -> str:
    """One of ``allowed`` (the first by default); anything else is refused in one line."""
    chosen = (value or allowed[0]).lower()
    if chosen not in allowed:
        raise SettingError(f"{VARIABLES[name]}={value!r} is not one of {', '.join(allowed)}")
    return chosen


def _flag(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    return str(value).strip().lower() in ("1", "true", "yes", "on")


def parse_token_conventions(text: str) -> dict[str, str]:
    """TOKENROI_TOKEN_CONVENTIONS: how a source's input token count relates to its cache
    tokens, overriding the format's rule (README "Token conventions"). Comma-separated
    ``format=convention`` or ``format/name=convention`` (an OpenTelemetry instrumentation
    scope or service name), e.g. ``otlp/my-gateway=disjoint,litellm=inclusive``."""
    conventions = {}
    for item in text.split(","):
        if not item.strip():
            continue
        key, _, value = item.partition("=")
        if value.strip() not in TOKEN_CONVENTIONS or not key.strip():
            raise SettingError(f"TOKENROI_TOKEN_CONVENTIONS: {item.strip()!r} is not "
                               f"FORMAT[/NAME]=CONVENTION with CONVENTION one of "
                               f"{', '.join(TOKEN_CONVENTIONS)}")
        conventions[key.strip()] = value.strip()
    return conventions


def _encoding(name: str) -> str | None:
    """TOKENROI_CSV_ENCODING: the encoding of every CRM and reference CSV (e.g. cp1252),
    overriding detection; None to detect."""
    if not name:
        return None
    try:
        return codecs.lookup(name).name
    except LookupError:
        raise SettingError(f"TOKENROI_CSV_ENCODING={name!r} is not an encoding Python knows "
                           "(e.g. utf-8, cp1252, latin-1)") from None


def _dbt_vars(text: str) -> dict:
    """TOKENROI_DBT_VARS: a JSON object of dbt_project.yml vars, such as
    '{"max_unpriced_token_share": 0.05}'."""
    if not text:
        return {}
    try:
        value = json.loads(text)
    except json.JSONDecodeError as error:
        raise SettingError(f"TOKENROI_DBT_VARS is not valid JSON ({error.msg}): give an "
                           "object such as '{\"max_unpriced_token_share\": 0.05}'") from None
    if not isinstance(value, dict):
        raise SettingError("TOKENROI_DBT_VARS must be a JSON object of dbt var names to values")
    return value


def _currency_vars(raw) -> dict[str, str]:
    """The reporting currency (what deal amounts are converted to) and the company currency
    (of a CRM amount that names none: HubSpot's company currency, a single-currency
    Salesforce org), as dbt vars; unset ones keep dbt_project.yml's defaults (USD)."""
    chosen = {}
    for name, var in CURRENCY_VARS.items():
        value = (raw(name) or "").upper()
        if not value:
            continue
        if len(value) != 3 or not value.isalpha() or not value.isascii():
            raise SettingError(f"{VARIABLES[name]}={value!r} is not an ISO 4217 currency "
                               "code such as USD or EUR")
        chosen[var] = value
    return chosen


def dbt_reads(settings: Settings, environ: Mapping[str, str] | None = None) -> dict[str, Path]:
    """The paths dbt will read from ``environ`` (profiles.yml and sources.yml take
    TOKENROI_LAKE, TOKENROI_BUILD_DB, else the same defaults under TOKENROI_DATA, else the
    data folder beside the dbt project), to compare with the run's settings."""
    environ = os.environ if environ is None else environ

    def seen_by_dbt(text: str) -> Path:  # dbt runs in the project folder
        return (settings.dbt_project / Path(text).expanduser()).resolve()

    data = seen_by_dbt(environ.get("TOKENROI_DATA", "") or "../data")
    found = {}
    for name in ("lake", "build_db"):
        raw = environ.get(VARIABLES[name], "")
        found[name] = seen_by_dbt(raw) if raw else data / PATH_DEFAULTS[name]
    return found
