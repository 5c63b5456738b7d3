"""Small bar charts as SVG text: the run report draws its pictures with no library, no script
and no network, so it opens anywhere, from a file, years later."""

from __future__ import annotations

from html import escape

PALETTE = ("#2b6cb0", "#dd6b20", "#38a169", "#c53030", "#805ad5", "#d69e2e", "#319795", "#b83280")
WIDTH = 720
FONT = 'font-family="Helvetica, Arial, sans-serif" font-size="12"'


def _fmt(value: float) -> str:
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.2f}"


CHAR_W = 6.6  # an average character at 12 px, for fitting labels
LINE_H = 14


def _wrap(label: str, width: float) -> list[str]:
    """A label in lines that fit `width` pixels, broken between words (a long word alone on
    its line): never cut, so "Sorrel Valley District Council (organisation)" reads whole."""
    per_line = max(8, int(width / CHAR_W))
    lines: list[str] = []
    for word in label.split():
        if lines and len(lines[-1]) + 1 + len(word) <= per_line:
            lines[-1] += " " + word
        else:
            lines.append(word)
    return lines or [""]


def _label_width(labels: list[str]) -> float:
    """Room for the labels: their natural width, at most 40 % of the chart (then they wrap)."""
    return min(WIDTH * 0.4, max((len(label) for label in labels), default=0) * CHAR_W + 12)


def _label(x: float, y: float, lines: list[str]) -> str:
    """Right-aligned lines ending at x, centred on y."""
    first = y - (len(lines) - 1) * LINE_H / 2
    spans = "".join(
        f'<tspan x="{x:.1f}" y="{first + i * LINE_H:.1f}">{escape(line)}</tspan>'
        for i, line in enumerate(lines)
    )
    return f'<text text-anchor="end" {FONT}>{spans}</text>'


def _empty(title: str, height: int = 60) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" '
        f'role="img" aria-label="{escape(title)}: no data"><text x="10" y="35" {FONT} '
        f'fill="#666">No data yet.</text></svg>'
    )


def hbar_chart(title: str, rows: list[tuple[str, float]], colour: str = PALETTE[0]) -> str:
    """One horizontal bar per row, its value written at its end (top lists)."""
    if not rows or max(v for _, v in rows) <= 0:
        return _empty(title)
    label_w, bar_h, gap, top = _label_width([r[0] for r in rows]), 18, 6, 10
    wrapped = [_wrap(label, label_w - 12) for label, _ in rows]
    heights = [max(bar_h, len(lines) * LINE_H) for lines in wrapped]
    height = top + sum(h + gap for h in heights) + 10
    scale = (WIDTH - label_w - 70) / max(v for _, v in rows)
    parts = []
    y = float(top)
    for (label, value), lines, row_h in zip(rows, wrapped, heights, strict=True):
        w = max(1.0, value * scale)
        bar_y = y + (row_h - bar_h) / 2
        parts.append(
            _label(label_w - 8, bar_y + 13, lines)
            + f'<rect x="{label_w:.1f}" y="{bar_y:.1f}" width="{w:.1f}" height="{bar_h}" '
            f'fill="{colour}"><title>{escape(label)}: {_fmt(value)}</title></rect>'
            f'<text x="{label_w + w + 6:.1f}" y="{bar_y + 13:.1f}" {FONT}>{_fmt(value)}</text>'
        )
        y += row_h + gap
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height:.0f}" role="img" '
        f'aria-label="{escape(title)}">{"".join(parts)}</svg>'
    )


def _legend(names: list[str], y: int) -> str:
    parts, x = [], 10
    for i, name in enumerate(names):
        parts.append(
            f'<rect x="{x}" y="{y}" width="12" height="12" fill="{PALETTE[i % len(PALETTE)]}"/>'
            f'<text x="{x + 16}" y="{y + 11}" {FONT}>{escape(name)}</text>'
        )
        x += 28 + 7 * len(name)
    return "".join(parts)


def stacked_columns(title: str, categories: list[str], series: dict[str, list[float]]) -> str:
    """Vertical stacked columns, one per category (days), one colour per series (sources)."""
    totals = [sum(values[i] for values in series.values()) for i in range(len(categories))]
    if not categories or max(totals, default=0) <= 0:
        return _empty(title)
    left, top, plot_h, bottom = 50, 10, 200, 70
    height = top + plot_h + bottom
    step = (WIDTH - left - 10) / len(categories)
    col_w = min(48.0, max(2.0, step * 0.7))
    scale = plot_h / max(totals)
    parts = [
        f'<line x1="{left}" y1="{top + plot_h}" x2="{WIDTH - 10}" y2="{top + plot_h}" '
        'stroke="#999"/>',
        f'<text x="{left - 6}" y="{top + 10}" text-anchor="end" {FONT}>{_fmt(max(totals))}</text>',
        f'<text x="{left - 6}" y="{top + plot_h}" text-anchor="end" {FONT}>0</text>',
    ]
    for i, category in enumerate(categories):
        x = left + i * step + (step - col_w) / 2
        y = top + plot_h
        for k, (name, values) in enumerate(series.items()):
            h = values[i] * scale
            if h <= 0:
                continue
            y -= h
            parts.append(
                f'<rect x="{x:.1f}" y="{y:.1f}" width="{col_w:.1f}" height="{h:.1f}" '
                f'fill="{PALETTE[k % len(PALETTE)]}"><title>{escape(category)} '
                f"{escape(name)}: {_fmt(values[i])}</title></rect>"
            )
        if i % max(1, len(categories) // 6) == 0:  # dates whole, year included: ~6 ticks
            parts.append(
                f'<text x="{x + col_w / 2:.1f}" y="{top + plot_h + 14}" text-anchor="middle" '
                f'{FONT} font-size="10">{escape(category)}</text>'
            )
    parts.append(_legend(list(series), top + plot_h + 36))
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" role="img" '
        f'aria-label="{escape(title)}">{"".join(parts)}</svg>'
    )


def stacked_rows(title: str, rows: list[str], series: dict[str, list[float]]) -> str:
    """Horizontal stacked bars, one per row (sources), one colour per series (outcomes)."""
    totals = [sum(values[i] for values in series.values()) for i in range(len(rows))]
    if not rows or max(totals, default=0) <= 0:
        return _empty(title)
    label_w, bar_h, gap, top = _label_width(rows), 20, 8, 10
    wrapped = [_wrap(row, label_w - 12) for row in rows]
    heights = [max(bar_h, len(lines) * LINE_H) for lines in wrapped]
    plot_h = sum(h + gap for h in heights)
    height = top + plot_h + 40
    scale = (WIDTH - label_w - 60) / max(totals)
    parts = []
    y = float(top)
    for i, (row, lines, row_h) in enumerate(zip(rows, wrapped, heights, strict=True)):
        bar_y = y + (row_h - bar_h) / 2
        x = float(label_w)
        parts.append(_label(label_w - 8, bar_y + 14, lines))
        for k, (name, values) in enumerate(series.items()):
            w = values[i] * scale
            if w <= 0:
                continue
            parts.append(
                f'<rect x="{x:.1f}" y="{bar_y:.1f}" width="{w:.1f}" height="{bar_h}" '
                f'fill="{PALETTE[k % len(PALETTE)]}"><title>{escape(row)} {escape(name)}: '
                f"{_fmt(values[i])}</title></rect>"
            )
            x += w
        parts.append(f'<text x="{x + 6:.1f}" y="{bar_y + 14:.1f}" {FONT}>{_fmt(totals[i])}</text>')
        y += row_h + gap
    parts.append(_legend(list(series), int(top + plot_h + 8)))
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height:.0f}" role="img" '
        f'aria-label="{escape(title)}">{"".join(parts)}</svg>'
    )
