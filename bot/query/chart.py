"""The `/exits stats` chart: events per month, stacked by country, as PNG bytes.

matplotlib is imported inside `render_events_chart`, not at module import, because it
costs about a second to import and most processes never draw a chart. The figure is built
with the object API and the Agg canvas, never pyplot, so there is no global figure state
and the function is safe to run in a worker thread (callers use `asyncio.to_thread`).
"""

from __future__ import annotations

import io
from collections.abc import Sequence

TOP_COUNTRIES = 6
OTHER = "Other"


def stack(
    rows: Sequence[tuple[str, str, int]], top: int = TOP_COUNTRIES
) -> tuple[list[str], dict[str, list[int]]]:
    """Every month in the range, and per-country counts aligned on them (gaps are zero).

    The `top` countries by total keep their own series; the rest are summed as "Other".
    """
    months = _month_range(sorted({month for month, _, _ in rows}))
    totals: dict[str, int] = {}
    for _, country, count in rows:
        totals[country] = totals.get(country, 0) + count
    kept = sorted(totals, key=lambda name: (-totals[name], name))[:top]
    series = {name: [0] * len(months) for name in kept}
    index = {month: i for i, month in enumerate(months)}
    for month, country, count in rows:
        name = country if country in series else OTHER
        series.setdefault(name, [0] * len(months))[index[month]] += count
    return months, series


def _month_range(months: list[str]) -> list[str]:
    if not months:
        return []
    year, month = map(int, months[0].split("-"))
    end = tuple(map(int, months[-1].split("-")))
    out = []
    while (year, month) <= end:
        out.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return out


def render_events_chart(rows: Sequence[tuple[str, str, int]]) -> bytes | None:
    """A stacked bar chart of events per month by country; None if matplotlib is absent."""
    if not rows:
        return None
    try:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
    except ImportError:
        return None
    months, series = stack(rows)
    figure = Figure(figsize=(8, 4), dpi=100)
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    bottom = [0] * len(months)
    for name, counts in series.items():
        axes.bar(months, counts, bottom=bottom, label=name)
        bottom = [b + c for b, c in zip(bottom, counts, strict=True)]
    axes.set_title("Surveillance-driven exits per month")
    axes.set_ylabel("events")
    axes.yaxis.get_major_locator().set_params(integer=True)
    step = max(1, len(months) // 12)
    axes.set_xticks(range(0, len(months), step), months[::step], rotation=45, ha="right")
    axes.legend(loc="upper left", fontsize="small")
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()
