"""Every path and setting tokenroi uses, read from the environment in one place.

The CLI turns its flags into these environment variables before anything else runs, so
Dagster assets, dbt (through ``profiles.yml`` and ``env_var``) and the tests all see one
absolute path per store.
"""

from __future__ import annotations

import codecs
import json
import os
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
# The shipped dbt project; TOKENROI_DBT_PROJECT points tokenroi at a customised copy.
DBT_PROJECT_DIR = Path(os.environ.get("TOKENROI_DBT_PROJECT")
                       or PROJECT_ROOT / "dbt_project").expanduser().resolve()
SHIPPED_PRICE_CATALOG = DBT_PROJECT_DIR / "seeds" / "model_prices.csv"

# name of the environment variable -> default, relative to the project's data/ folder
_PATH_DEFAULTS = {
    "TOKENROI_LANDING": "landing",
    "TOKENROI_LAKE": "lake",
    "TOKENROI_WAREHOUSE": "warehouse.duckdb",
    "TOKENROI_REPORTS": "reports",
    # The private file dbt builds in; only the pipeline opens it.
    "TOKENROI_BUILD_DB": "build/tokenroi_build.duckdb",
    "TOKENROI_QUALITY": "quality",
    # TOKENROI_ENGINE=spark: the local Spark session's metastore, warehouse and exports.
    "TOKENROI_SPARK_DIR": "spark",
}

# The engines that build the dbt project (README "Running on a cluster").
ENGINES = ("duckdb", "spark")
# How dbt reaches Spark: a PySpark session in the dbt process, or a cluster's Thrift
# server or HTTP endpoint (profiles.yml target spark_cluster).
SPARK_METHODS = ("session", "thrift", "http")


def _path(name: str) -> Path:
    raw = os.environ.get(name)
    return Path(raw).expanduser().resolve() if raw else (data_dir() / _PATH_DEFAULTS[name])


@dataclass(frozen=True)
class Settings:
    landing: Path
    lake: Path
    warehouse: Path
    reports: Path
    build_db: Path
    quality: Path
    spark_dir: Path
    engine: str = "duckdb"
    spark_method: str = "session"

    @property
    def quarantine(self) -> Path:
        return self.lake / "_quarantine"

    @property
    def manifest(self) -> Path:
        return self.lake / "_manifest"

    @property
    def marts_db(self) -> Path:
        """The DuckDB file the checks and publication read: the build file itself, or with
        TOKENROI_ENGINE=spark a local copy of what Spark built (pipelines/spark_mirror.py),
        kept apart so the DuckDB build's incremental tables stay as they were."""
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
    def spark_lake(self) -> str:
        """Where Spark reads the event log: TOKENROI_SPARK_LAKE (e.g. an s3a:// URI on a
        cluster, holding the same files as the lake), else the lake itself."""
        return os.environ.get("TOKENROI_SPARK_LAKE") or str(self.lake)

    @property
    def spark_export(self) -> str:
        """Where a Spark build writes the relations the checks and publication read, as
        Parquet (TOKENROI_SPARK_EXPORT, a path or URI both Spark and this machine reach)."""
        return os.environ.get("TOKENROI_SPARK_EXPORT") or str(self.spark_dir / "export")

    def export(self) -> None:
        """Publish these paths to the environment so dbt subprocesses read the same ones."""
        for name, value in self.as_env().items():
            os.environ[name] = value
        self.build_db.parent.mkdir(parents=True, exist_ok=True)

    def as_env(self) -> dict[str, str]:
        return {
            "TOKENROI_LANDING": str(self.landing),
            "TOKENROI_LAKE": str(self.lake),
            "TOKENROI_WAREHOUSE": str(self.warehouse),
            "TOKENROI_REPORTS": str(self.reports),
            "TOKENROI_BUILD_DB": str(self.build_db),
            "TOKENROI_QUALITY": str(self.quality),
            "TOKENROI_SPARK_DIR": str(self.spark_dir),
            "TOKENROI_ENGINE": self.engine,
            "TOKENROI_SPARK_METHOD": self.spark_method,
            "TOKENROI_DBT_TARGET": self.dbt_target,
        }


def load_settings() -> Settings:
    return Settings(
        landing=_path("TOKENROI_LANDING"),
        lake=_path("TOKENROI_LAKE"),
        warehouse=_path("TOKENROI_WAREHOUSE"),
        reports=_path("TOKENROI_REPORTS"),
        build_db=_path("TOKENROI_BUILD_DB"),
        quality=_path("TOKENROI_QUALITY"),
        spark_dir=_path("TOKENROI_SPARK_DIR"),
        engine=_choice("TOKENROI_ENGINE", ENGINES),
        spark_method=_choice("TOKENROI_SPARK_METHOD", SPARK_METHODS),
    )


def _choice(name: str, allowed: tuple[str, ...]) -> str:
    """One of ``allowed`` (the first by default); anything else is refused in one line."""
    value = os.environ.get(name, "").strip().lower() or allowed[0]
    if value not in allowed:
        raise ValueError(f"{name}={os.environ[name]!r} is not one of {', '.join(allowed)}")
    return value


def data_dir() -> Path:
    return Path(os.environ.get("TOKENROI_DATA", PROJECT_ROOT / "data")).resolve()


def ensure_dagster_home() -> Path:
    """DAGSTER_HOME (default data/dagster_home) so CLI runs show up in `make dev`'s UI."""
    home = Path(os.environ.get("DAGSTER_HOME") or data_dir() / "dagster_home").resolve()
    home.mkdir(parents=True, exist_ok=True)
    config = home / "dagster.yaml"
    if not config.exists():
        config.write_text("telemetry:\n  enabled: false\n")
    os.environ["DAGSTER_HOME"] = str(home)
    return home


def keep_prompts() -> bool:
    """Prompt text is used in memory only unless TOKENROI_KEEP_PROMPTS=1 (then it is logged)."""
    return os.environ.get("TOKENROI_KEEP_PROMPTS", "") == "1"


TOKEN_CONVENTIONS = ("inclusive", "disjoint", "auto")


def token_conventions() -> dict[str, str]:
    """TOKENROI_TOKEN_CONVENTIONS: how a source's input token count relates to its cache
    tokens, overriding the format's rule (README "Token conventions"). Comma-separated
    ``format=convention`` or ``format/name=convention`` (an OpenTelemetry instrumentation
    scope or service name), e.g. ``otlp/my-gateway=disjoint,litellm=inclusive``."""
    conventions = {}
    for item in os.environ.get("TOKENROI_TOKEN_CONVENTIONS", "").split(","):
        if not item.strip():
            continue
        key, _, value = item.partition("=")
        if value.strip() not in TOKEN_CONVENTIONS or not key.strip():
            raise ValueError(f"TOKENROI_TOKEN_CONVENTIONS: {item.strip()!r} is not "
                             f"FORMAT[/NAME]=CONVENTION with CONVENTION one of "
                             f"{', '.join(TOKEN_CONVENTIONS)}")
        conventions[key.strip()] = value.strip()
    return conventions


def dbt_vars() -> dict:
    """Overrides of dbt_project.yml's vars for every run: the currency settings, then
    TOKENROI_DBT_VARS, a JSON object such as '{"max_unpriced_token_share": 0.05}'."""
    raw = os.environ.get("TOKENROI_DBT_VARS", "").strip()
    if not raw:
        return currency_vars()
    try:
        value = json.loads(raw)
    except json.JSONDecodeError as error:
        raise ValueError(f"TOKENROI_DBT_VARS is not valid JSON ({error.msg}): "
                         f"give an object such as '{{\"max_unpriced_token_share\": 0.05}}'"
                         ) from None
    if not isinstance(value, dict):
        raise ValueError("TOKENROI_DBT_VARS must be a JSON object of dbt var names to values")
    return {**currency_vars(), **value}


def csv_encoding() -> str | None:
    """TOKENROI_CSV_ENCODING: the encoding of every CRM and reference CSV (e.g. cp1252),
    overriding detection (UTF-8, else Windows-1252); None to detect."""
    name = os.environ.get("TOKENROI_CSV_ENCODING", "").strip()
    if not name:
        return None
    try:
        return codecs.lookup(name).name
    except LookupError:
        raise ValueError(f"TOKENROI_CSV_ENCODING={name!r} is not an encoding Python knows "
                         "(e.g. utf-8, cp1252, latin-1)") from None


# The currency settings and the dbt vars they set (README "Deals in their currency").
CURRENCY_SETTINGS = {"TOKENROI_REPORTING_CURRENCY": "reporting_currency",
                     "TOKENROI_COMPANY_CURRENCY": "company_currency"}


def currency_vars() -> dict[str, str]:
    """TOKENROI_REPORTING_CURRENCY (what deal amounts are converted to) and
    TOKENROI_COMPANY_CURRENCY (the currency of a CRM amount that names none: HubSpot's
    company currency, a single-currency Salesforce org), as dbt vars; unset ones keep
    dbt_project.yml's defaults (USD)."""
    chosen = {}
    for name, var in CURRENCY_SETTINGS.items():
        value = os.environ.get(name, "").strip().upper()
        if not value:
            continue
        if len(value) != 3 or not value.isalpha() or not value.isascii():
            raise ValueError(f"{name}={os.environ[name]!r} is not an ISO 4217 currency code "
                             "such as USD or EUR")
        chosen[var] = value
    return chosen
