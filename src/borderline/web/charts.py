"""Server-rendered SVG charts: no JavaScript, no dependency, readable by screen readers.

Each chart has a <title>/<desc> and its numbers in <title> tooltips; pages show the same
numbers in a table next to it so nothing depends on seeing colours.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from html import escape

from markupsafe import Markup

OUTCOME_COLOURS = {
    "approve": "#1b7f3b",
    "review": "#b35c00",
    "hold": "#6f42c1",
    "decline": "#b00020",
}


def _svg(w: int, h: int, title: str, body: str) -> Markup:
    t = escape(title)
    return Markup(
        f'<svg viewBox="0 0 {w} {h}" width="{w}" height="{h}" role="img" aria-label="{t}" '
        f'class="chart"><title>{t}</title>{body}</svg>'
    )


def hbars(
    items: Sequence[tuple[str, float]],
    title: str,
    unit: str = "",
    width: int = 560,
    colour: str = "#1f5fa8",
) -> Markup:
    """Horizontal bars, one per (label, value), longest first as given."""
    if not items:
        return Markup("<p>No data yet.</p>")
    row, label_w = 22, 220
    top = max(abs(v) for _, v in items) or 1.0
    h = row * len(items) + 6
    parts = []
    for i, (label, value) in enumerate(items):
        y = 3 + i * row
        w = max(1.0, (width - label_w - 70) * abs(value) / top)
        lab = escape(label if len(label) <= 34 else label[:33] + "…")
        parts.append(
            f'<text x="{label_w - 6}" y="{y + 15}" text-anchor="end" font-size="12">{lab}</text>'
            f'<rect x="{label_w}" y="{y + 3}" width="{w:.1f}" height="{row - 6}" fill="{colour}">'
            f"<title>{escape(label)}: {value:g}{unit}</title></rect>"
            f'<text x="{label_w + w + 4:.1f}" y="{y + 15}" font-size="12">{value:g}{unit}</text>'
        )
    return _svg(width, h, title, "".join(parts))


def stacked_columns(
    days: Sequence[str],
    series: Mapping[str, Sequence[int]],
    title: str,
    width: int = 720,
    height: int = 220,
) -> Markup:
    """Columns per day stacked by outcome (volumes); the table beside it gives the rates."""
    if not days:
        return Markup("<p>No data yet.</p>")
    left, bottom = 40, 24
    totals = [sum(series[k][i] for k in series) for i in range(len(days))]
    top = max(totals) or 1
    cw = (width - left - 10) / len(days)
    parts = [
        f'<line x1="{left}" y1="{height - bottom}" x2="{width}" y2="{height - bottom}" '
        'stroke="#555"/>',
        f'<text x="{left - 4}" y="12" text-anchor="end" font-size="11">{top}</text>',
        f'<text x="{left - 4}" y="{height - bottom}" text-anchor="end" font-size="11">0</text>',
    ]
    plot_h = height - bottom - 8
    for i, day in enumerate(days):
        y: float = height - bottom
        x = left + i * cw
        for k, vals in series.items():
            v = vals[i]
            if not v:
                continue
            hh = plot_h * v / top
            y -= hh
            parts.append(
                f'<rect x="{x + 1:.1f}" y="{y:.1f}" width="{max(cw - 2, 1):.1f}" '
                f'height="{hh:.1f}" fill="{OUTCOME_COLOURS.get(k, "#888")}">'
                f"<title>{escape(day)} {escape(k)}: {v}</title></rect>"
            )
        if len(days) <= 16 or i % max(1, len(days) // 8) == 0:
            parts.append(
                f'<text x="{x + cw / 2:.1f}" y="{height - 8}" text-anchor="middle" '
                f'font-size="10">{escape(day[5:])}</text>'
            )
    return _svg(width, height, title, "".join(parts))


def histogram(
    counts: Sequence[int], labels: Sequence[str], title: str, width: int = 560, height: int = 180
) -> Markup:
    if not any(counts):
        return Markup("<p>No data yet.</p>")
    left, bottom = 40, 22
    top = max(counts)
    cw = (width - left - 10) / len(counts)
    plot_h = height - bottom - 8
    parts = [f'<text x="{left - 4}" y="12" text-anchor="end" font-size="11">{top}</text>']
    for i, (c, lab) in enumerate(zip(counts, labels, strict=True)):
        hh = plot_h * c / top
        x = left + i * cw
        parts.append(
            f'<rect x="{x + 1:.1f}" y="{height - bottom - hh:.1f}" width="{cw - 2:.1f}" '
            f'height="{hh:.1f}" fill="#1f5fa8"><title>score {escape(lab)}: {c}</title></rect>'
            f'<text x="{x + cw / 2:.1f}" y="{height - 6}" text-anchor="middle" '
            f'font-size="10">{escape(lab)}</text>'
        )
    return _svg(width, height, title, "".join(parts))


def heat(value: float, top: float) -> str:
    """Background colour for a heatmap cell; text stays dark enough for AA contrast."""
    if top <= 0 or value <= 0:
        return "#ffffff"
    a = min(1.0, value / top)
    # white -> #f4a582 (light orange-red); black text on it keeps contrast above 7:1.
    r = int(255 - (255 - 244) * a)
    g = int(255 - (255 - 165) * a)
    b = int(255 - (255 - 130) * a)
    return f"#{r:02x}{g:02x}{b:02x}"
