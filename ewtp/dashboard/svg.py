"""Server-side SVG charts: no JavaScript, no CDN, readable by screen readers (role="img" with a
title and a description; every bar carries its own <title>), and a table is rendered beside
each chart from the same data. Two shapes cover the dashboard: stacked columns (over time or
over buckets) and stacked horizontal bars (per corridor, jurisdiction, currency, chapter)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from itertools import count

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

PALETTE = ["#2a6f97", "#e07a5f", "#3d9970", "#f2cc8f", "#8e6c8a", "#81b29a", "#c44536", "#6c757d"]
WIDTH = 640
_ids = count(1)


@dataclass
class Series:
    name: str
    values: list[float]
    colour: str = ""


def _nice_max(value: float) -> float:
    """The smallest 1, 2, 2.5 or 5 × 10^n at or above value (axis top)."""
    if value <= 0:
        return 1.0
    exp = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        if value <= step * exp:
            return step * exp
    return 10 * exp


def _fmt(v: float) -> str:
    if abs(v) >= 1_000_000:
        return f"{v / 1_000_000:.1f}M"
    if abs(v) >= 10_000:
        return f"{v / 1000:.0f}k"
    if abs(v) >= 1000:
        return f"{v / 1000:.1f}k"
    return f"{v:.0f}" if float(v).is_integer() or abs(v) >= 10 else f"{v:.1f}"


def _colours(series: list[Series]) -> list[str]:
    return [s.colour or PALETTE[i % len(PALETTE)] for i, s in enumerate(series)]


def _frame(title: str, desc: str, height: int, body: list[str], legend: list[str]) -> SafeString:
    n = next(_ids)
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" class="chart" role="img" '
             f'aria-labelledby="chart-t{n} chart-d{n}" preserveAspectRatio="xMinYMin meet">',
             f'<title id="chart-t{n}">{escape(title)}</title><desc id="chart-d{n}">{escape(desc)}</desc>',
             *body, *legend, "</svg>"]
    return mark_safe("".join(parts))  # noqa: S308 - every text above went through escape()


def _legend(series: list[Series], y: int) -> list[str]:
    if len(series) < 2:
        return []
    out, x = [], 10
    for s, colour in zip(series, _colours(series), strict=True):
        out.append(f'<rect x="{x}" y="{y}" width="12" height="12" fill="{colour}"/>'
                   f'<text x="{x + 16}" y="{y + 10}" font-size="12">{escape(s.name)}</text>')
        x += 28 + 7 * len(s.name)
        if x > WIDTH - 80:
            x, y = 10, y + 18
    return out


def columns(title: str, desc: str, categories: list[str], series: list[Series], unit: str = "") -> SafeString:
    """Stacked columns, one per category (a day or a bucket), with a value axis."""
    left, top, plot_h, plot_w = 56, 12, 200, WIDTH - 70
    totals = [sum(s.values[i] for s in series) for i in range(len(categories))]
    top_value = _nice_max(max(totals, default=0))
    body = []
    for k in range(5):
        v = top_value * k / 4
        y = top + plot_h - plot_h * k / 4
        body.append(f'<line x1="{left}" x2="{left + plot_w}" y1="{y:.1f}" y2="{y:.1f}" stroke="#ddd"/>'
                    f'<text x="{left - 6}" y="{y + 4:.1f}" font-size="11" text-anchor="end">{_fmt(v)}</text>')
    n = max(len(categories), 1)
    slot = plot_w / n
    bar = max(min(slot * 0.7, 60), 1)
    step = max(1, math.ceil(n / 12))  # at most about 12 category labels
    colours = _colours(series)
    for i, cat in enumerate(categories):
        x = left + slot * i + (slot - bar) / 2
        y = top + plot_h
        for s, colour in zip(series, colours, strict=True):
            h = plot_h * s.values[i] / top_value
            if h <= 0:
                continue
            y -= h
            body.append(f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar:.1f}" height="{h:.1f}" fill="{colour}">'
                        f'<title>{escape(cat)} · {escape(s.name)}: {_fmt(s.values[i])} {escape(unit)}</title></rect>')
        if i % step == 0:
            body.append(f'<text x="{x + bar / 2:.1f}" y="{top + plot_h + 16}" font-size="11" '
                        f'text-anchor="middle">{escape(cat)}</text>')
    return _frame(title, desc, top + plot_h + 30 + 18 * (1 + len(series) // 6),
                  body, _legend(series, top + plot_h + 26))


def bars(title: str, desc: str, categories: list[str], series: list[Series], unit: str = "") -> SafeString:
    """Stacked horizontal bars, one row per category, the value written at the end of each bar."""
    left, top, row_h = 150, 6, 24
    plot_w = WIDTH - left - 70
    totals = [sum(s.values[i] for s in series) for i in range(len(categories))]
    top_value = max(totals, default=0) or 1
    colours = _colours(series)
    body = []
    for i, cat in enumerate(categories):
        y = top + row_h * i
        body.append(f'<text x="{left - 6}" y="{y + 15}" font-size="12" text-anchor="end">{escape(cat[:24])}</text>')
        x = float(left)
        for s, colour in zip(series, colours, strict=True):
            w = plot_w * s.values[i] / top_value
            if w <= 0:
                continue
            body.append(f'<rect x="{x:.1f}" y="{y + 3}" width="{w:.1f}" height="{row_h - 6}" fill="{colour}">'
                        f'<title>{escape(cat)} · {escape(s.name)}: {_fmt(s.values[i])} {escape(unit)}</title></rect>')
            x += w
        body.append(f'<text x="{x + 4:.1f}" y="{y + 15}" font-size="11">{_fmt(totals[i])}</text>')
    height = top + row_h * max(len(categories), 1) + 8
    return _frame(title, desc, height + 18 * (1 + len(series) // 6), body, _legend(series, height))
