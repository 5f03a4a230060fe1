"""Plain-Python pricing used by the generator's truth.json.

Deliberately independent of the dbt models: it reads the shipped catalog CSV and applies
docs/rules.md's price rules with exact decimals, so tests compare two separate computations.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

MTOK = Decimal(1_000_000)


@dataclass(frozen=True)
class Price:
    tier: str
    input: Decimal
    output: Decimal
    cache_read: Decimal
    cache_write: Decimal
    cache_write_1h: Decimal

    def cost(self, input_tokens: int, cache_read: int, cache_write: int, cache_write_1h: int,
             output_tokens: int) -> Decimal:
        return (
            input_tokens * self.input
            + cache_read * self.cache_read
            + cache_write * self.cache_write
            + cache_write_1h * self.cache_write_1h
            + output_tokens * self.output
        ) / MTOK


def load_prices(path: Path) -> dict[tuple[str, str], Price]:
    """(provider, model) -> price; the catalog the generator uses has one row per model."""
    prices: dict[tuple[str, str], Price] = {}
    with path.open(newline="") as handle:
        for row in csv.DictReader(handle):
            input_price = Decimal(row["input_usd_per_mtok"])
            # docs/rules.md "Pricing": a blank cache price falls back to the input price;
            # 1h writes to 5m.
            cache_read = Decimal(row["cache_read_usd_per_mtok"] or row["input_usd_per_mtok"])
            cache_write = Decimal(row["cache_write_usd_per_mtok"] or row["input_usd_per_mtok"])
            cache_write_1h = (
                Decimal(row["cache_write_1h_usd_per_mtok"]) if row["cache_write_1h_usd_per_mtok"]
                else cache_write
            )
            prices[(row["provider"], row["model"])] = Price(
                tier=row["tier"],
                input=input_price,
                output=Decimal(row["output_usd_per_mtok"]),
                cache_read=cache_read,
                cache_write=cache_write,
                cache_write_1h=cache_write_1h,
            )
    return prices
