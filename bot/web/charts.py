"""Charts as inline SVG, drawn on the server (no JavaScript library, no CDN).

Every label goes through ``escape``; the result is ``Markup`` ready for a template.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from markupsafe import Markup, escape

PALETTE = ("#0f766e", "#f59e0b", "#6366f1", "#ef4444")


def _num(value: float | int | Decimal) -> float:
    return float(value)


def grouped_bars(
    labels: Sequence[str],
    series: Sequence[tuple[str, Sequence[float | int | Decimal]]],
    *,
    title: str,
    width: int = 440,
    height: int = 280,
) -> Markup:
    """Vertical bars per label, one colour per series, with a legend and a max tick."""
    left, right, top, bottom = 44, 8, 52, 30
    plot_w, plot_h = width - left - right, height - top - bottom
    peak = max([_num(v) for _, values in series for v in values] + [1.0])
    n = max(len(labels), 1)
    group_w = plot_w / n
    bar_w = max(group_w * 0.8 / max(len(series), 1), 1.0)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="{escape(title)}"><title>{escape(title)}</title>',
        f'<line x1="{left}" y1="{top + plot_h}" x2="{width - right}" y2="{top + plot_h}" '
        'stroke="#999"/>',
        f'<text x="{left - 4}" y="{top + 5}" font-size="15" text-anchor="end">'
        f"{escape(_short(peak))}</text>",
        f'<line x1="{left}" y1="{top}" x2="{width - right}" y2="{top}" stroke="#ddd"/>',
    ]
    for s_index, (name, values) in enumerate(series):
        colour = PALETTE[s_index % len(PALETTE)]
        legend_x = 4 + (s_index % 2) * (width // 2)
        legend_y = 4 + (s_index // 2) * 22
        parts.append(
            f'<rect x="{legend_x}" y="{legend_y + 3}" width="14" height="14" fill="{colour}"/>'
            f'<text x="{legend_x + 20}" y="{legend_y + 16}" font-size="16">{escape(name)}</text>'
        )
        for i, value in enumerate(values):
            h = plot_h * _num(value) / peak
            x = left + i * group_w + group_w * 0.1 + s_index * bar_w
            parts.append(
                f'<rect x="{x:.1f}" y="{top + plot_h - h:.1f}" width="{bar_w:.1f}" '
                f'height="{h:.1f}" fill="{colour}"><title>{escape(labels[i])}: '
                f"{escape(str(value))}</title></rect>"
            )
    step = max(1, -(-n // 6))  # at most 6 day labels: each stays wide enough to read
    for i, text in enumerate(labels):
        if i % step == 0:
            x = left + i * group_w + group_w / 2
            parts.append(
                f'<text x="{x:.1f}" y="{height - bottom + 20}" font-size="15" '
                f'text-anchor="middle">{escape(text)}</text>'
            )
    parts.append("</svg>")
    return Markup("".join(parts))


def horizontal_bars(
    items: Sequence[tuple[str, float | int | Decimal]],
    *,
    title: str,
    width: int = 440,
    row_height: int = 46,
    value_format: str = "{}",
    values: Sequence[str] | None = None,
) -> Markup:
    """One horizontal bar per item (a funnel when the items shrink); the label sits above
    its bar so long names never squeeze it. ``values`` are the texts shown (formatted)."""
    label_w = 4
    height = row_height * len(items) + 10
    peak = max([_num(v) for _, v in items] + [1.0])
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="{escape(title)}"><title>{escape(title)}</title>'
    ]
    for i, (name, value) in enumerate(items):
        y = 5 + i * row_height
        shown = values[i] if values is not None else value_format.format(value)
        w = (width - label_w - 130) * _num(value) / peak
        parts.append(
            f'<text x="{label_w}" y="{y + 15}" font-size="15">{escape(name)}</text>'
            f'<rect x="{label_w}" y="{y + 20}" width="{max(w, 2):.1f}" height="{row_height - 26}" '
            f'fill="{PALETTE[0]}" rx="3"/>'
            f'<text x="{label_w + max(w, 2) + 8:.1f}" y="{y + 35}" font-size="15">'
            f"{escape(shown)}</text>"
        )
    parts.append("</svg>")
    return Markup("".join(parts))


def _short(value: float) -> str:
    if value >= 1000:
        return f"{value / 1000:.1f}k"
    return f"{value:.0f}"
