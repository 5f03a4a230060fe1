"""Inline SVG charts (no scripts, no network) and number formatting for humans."""

from __future__ import annotations

from decimal import Decimal
from html import escape


def format_usd(value: float | Decimal | None) -> str:
    """$950, $12.3k, $4.56M — short, for headlines and charts."""
    if value is None:
        return "n/a"
    amount = float(value)
    sign = "-" if amount < 0 else ""
    amount = abs(amount)
    for limit, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "k")):
        if amount >= limit:
            return f"{sign}${amount / limit:.1f}{suffix}"
    return f"{sign}${amount:,.0f}" if amount >= 100 else f"{sign}${amount:,.2f}"


def format_pct(share: float | Decimal | None) -> str:
    return "n/a" if share is None else f"{float(share) * 100:.1f}%"


def bar_chart(items: list[tuple[str, float]], title: str, width: int = 560) -> str:
    """A horizontal bar chart as an <svg> element; labels and title are escaped."""
    bar_height, gap, label_width, value_width = 22, 8, 150, 80
    height = len(items) * (bar_height + gap) + 34
    largest = max((float(v) for _, v in items), default=0.0) or 1.0
    plot = width - label_width - value_width
    rows = []
    for i, (label, value) in enumerate(items):
        y = 30 + i * (bar_height + gap)
        length = max(1.0, plot * float(value) / largest) if value else 0.0
        rows.append(
            f'<text x="{label_width - 8}" y="{y + 15}" text-anchor="end" class="label">'
            f"{escape(str(label))}</text>"
            f'<rect x="{label_width}" y="{y}" width="{length:.1f}" height="{bar_height}" '
            f'rx="3" class="bar"><title>{escape(str(label))}: {escape(format_usd(value))}'
            f"</title></rect>"
            f'<text x="{label_width + length + 6:.1f}" y="{y + 15}" class="value">'
            f"{escape(format_usd(value))}</text>"
        )
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" aria-label="{escape(title, quote=True)}">'
        f'<text x="0" y="16" class="chart-title">{escape(title)}</text>{"".join(rows)}</svg>'
    )
