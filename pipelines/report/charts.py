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


def format_pct(share: float | Decimal | None, digits: int = 1) -> str:
    """0.042 -> '4.2%'; shares under 0.1% keep two significant digits ('0.028%')."""
    if share is None:
        return "n/a"
    percent = float(share) * 100
    if 0 < abs(percent) < 0.1:
        return f"{percent:.2g}%"
    return f"{percent:.{digits}f}%"


def format_change(change: float | None, *, points: bool = False) -> str:
    """A relative change ('+3.1%', '−12.0%') or a change of a share in points ('+0.4 pp')."""
    if change is None:
        return "no earlier month"
    value = float(change) * 100
    sign = "+" if value > 0 else "−" if value < 0 else "±"
    if points:
        return f"{sign}{abs(value):.2f} pp" if abs(value) < 1 else f"{sign}{abs(value):.1f} pp"
    return f"{sign}{abs(value):.1f}%"


# Colour-blind-safe palette (Okabe–Ito), for series such as teams.
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442",
           "#000000"]


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


def stacked_columns(days: list[str], series: dict[str, list[float]], title: str,
                    width: int = 900, height: int = 280) -> str:
    """Vertical columns per day, stacked by series (e.g. teams), with a legend."""
    left, top, bottom, legend_height = 60, 28, 40, 22
    plot_width, plot_height = width - left - 10, height - top - bottom - legend_height
    totals = [sum(values[i] for values in series.values()) for i in range(len(days))]
    largest = max(totals, default=0.0) or 1.0
    step = plot_width / max(len(days), 1)
    column = max(step * 0.75, 1.0)
    parts = [f'<text x="0" y="16" class="chart-title">{escape(title)}</text>']
    for fraction in (0.5, 1.0):  # two gridlines with their amounts
        y = top + plot_height * (1 - fraction)
        parts.append(f'<line x1="{left}" y1="{y:.1f}" x2="{width - 10}" y2="{y:.1f}" '
                     f'class="grid"/><text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end" '
                     f'class="value">{escape(format_usd(largest * fraction))}</text>')
    for i, day in enumerate(days):
        x, base = left + i * step, top + plot_height
        for n, (name, values) in enumerate(series.items()):
            h = plot_height * values[i] / largest
            if h <= 0:
                continue
            base -= h
            parts.append(
                f'<rect x="{x:.1f}" y="{base:.1f}" width="{column:.1f}" height="{h:.1f}" '
                f'fill="{PALETTE[n % len(PALETTE)]}"><title>{escape(day)} {escape(name)}: '
                f"{escape(format_usd(values[i]))}</title></rect>")
        if i % max(1, len(days) // 8) == 0:
            parts.append(f'<text x="{x:.1f}" y="{top + plot_height + 14}" class="label">'
                         f"{escape(day[5:])}</text>")
    x = left
    for n, name in enumerate(series):
        y = height - 8
        parts.append(f'<rect x="{x}" y="{y - 10}" width="10" height="10" '
                     f'fill="{PALETTE[n % len(PALETTE)]}"/><text x="{x + 14}" y="{y}" '
                     f'class="label">{escape(name)}</text>')
        x += 24 + 7 * len(name)
    return (f'<svg xmlns="http://www.w3.org/2000/svg" role="img" width="{width}" '
            f'height="{height}" viewBox="0 0 {width} {height}" '
            f'aria-label="{escape(title, quote=True)}">{"".join(parts)}</svg>')


def column_chart(items: list[tuple[str, float]], title: str, value_format=str,
                 width: int = 600, height: int = 240) -> str:
    """Vertical columns with their labels underneath (e.g. a distribution over buckets)."""
    left, top, bottom = 10, 28, 40
    plot_height = height - top - bottom
    largest = max((float(v) for _, v in items), default=0.0) or 1.0
    step = (width - left) / max(len(items), 1)
    parts = [f'<text x="0" y="16" class="chart-title">{escape(title)}</text>']
    for i, (label, value) in enumerate(items):
        h = plot_height * float(value) / largest
        x = left + i * step
        parts.append(
            f'<rect x="{x + step * 0.1:.1f}" y="{top + plot_height - h:.1f}" '
            f'width="{step * 0.8:.1f}" height="{h:.1f}" class="bar"><title>{escape(label)}: '
            f"{escape(value_format(value))}</title></rect>"
            f'<text x="{x + step / 2:.1f}" y="{top + plot_height - h - 4:.1f}" '
            f'text-anchor="middle" class="value">{escape(value_format(value))}</text>'
            f'<text x="{x + step / 2:.1f}" y="{top + plot_height + 16}" text-anchor="middle" '
            f'class="label">{escape(label)}</text>')
    return (f'<svg xmlns="http://www.w3.org/2000/svg" role="img" width="{width}" '
            f'height="{height}" viewBox="0 0 {width} {height}" '
            f'aria-label="{escape(title, quote=True)}">{"".join(parts)}</svg>')
