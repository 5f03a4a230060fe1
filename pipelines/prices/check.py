"""`tokenroi prices check`: the models the published warehouse could not price, with their
calls and tokens and the catalog ids nearest to each (a date suffix, a reseller prefix or a
typo away), so a data team knows which row to add to landing/reference/model_prices.csv."""

from __future__ import annotations

import csv
import difflib
from dataclasses import dataclass
from pathlib import Path

import duckdb


@dataclass(frozen=True)
class Unpriced:
    provider: str
    model: str
    calls: int
    tokens: int
    nearest: list[str]

    def line(self) -> str:
        near = ", ".join(self.nearest) if self.nearest else "none close"
        return (f"{self.provider}/{self.model}: {self.calls:,} calls, {self.tokens:,} tokens; "
                f"nearest catalog ids: {near}")


def catalog_ids(*catalogs: Path) -> dict[str, list[str]]:
    """provider -> the model ids the catalogs (the shipped seed, the user's overrides) list."""
    ids: dict[str, set[str]] = {}
    for path in catalogs:
        if not path.exists():
            continue
        with path.open(newline="", encoding="utf-8-sig") as handle:
            for row in csv.DictReader(handle):
                ids.setdefault(row["provider"].strip().lower(), set()).add(row["model"].strip())
    return {provider: sorted(models) for provider, models in ids.items()}


def unpriced_models(warehouse: Path, catalogs: list[Path], nearest: int = 3) -> list[Unpriced]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        rows = con.execute("""
            select provider, model, count(*) as calls,
                   sum(input_tokens + cache_read_tokens + cache_write_tokens
                       + cache_write_1h_tokens + output_tokens) as tokens
            from marts.fct_agent_calls
            where cost_source = 'unpriced'
            group by all
            order by tokens desc, provider, model""").fetchall()
    ids = catalog_ids(*catalogs)
    every = sorted({f"{p}/{m}" for p, models in ids.items() for m in models})
    found = []
    for provider, model, calls, tokens in rows:
        own = ids.get((provider or "").lower(), [])
        close = difflib.get_close_matches(model or "", own, n=nearest, cutoff=0.6) if own else []
        if not close:  # a provider the catalog does not know, or nothing close under it
            close = difflib.get_close_matches(f"{provider}/{model}", every, n=nearest,
                                              cutoff=0.6)
        found.append(Unpriced(provider or "unknown", model or "", int(calls), int(tokens or 0),
                              close))
    return found
