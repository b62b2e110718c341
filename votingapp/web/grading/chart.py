"""A server-rendered SVG bar chart of the decided levels per unit, this year beside last year:
no script, so it prints, and it reads the same in a screenshot."""

from __future__ import annotations

from markupsafe import escape

from ...domain import grading as rules
from ...domain.labels import Label

COLORS = {rules.EXCELLENT: "#1b5e20", rules.GOOD: "#43a047", rules.COMPLETED: "#f9a825",
          rules.NOT_COMPLETED: "#c62828", "not_rated": "#cfd8dc"}
BAR_H, GAP, LABEL_W, BAR_W = 16, 10, 190, 420
TITLE = Label("Kết quả xếp loại theo đơn vị", "Levels per unit")
NAME_CHARS = 24


def _bar(y: int, figures: dict, label: str) -> list[str]:
    total = figures["total"] or 1
    parts, x = [], LABEL_W
    segments = [(level, figures["levels"][level]) for level in rules.LEVELS] + [("not_rated", figures["not_rated"])]
    for name, count in segments:
        width = BAR_W * count / total
        if count:
            parts.append(f'<rect x="{x:.1f}" y="{y}" width="{width:.1f}" height="{BAR_H}" fill="{COLORS[name]}">'
                         f'<title>{escape(label)}: {count}</title></rect>')
        x += width
    parts.append(f'<text x="{LABEL_W + BAR_W + 6}" y="{y + BAR_H - 4}" font-size="11">'
                 f'{figures["total"] - figures["not_rated"]}/{figures["total"]}</text>')
    return parts


def distribution_svg(rows: list[tuple[str, dict]], year: int, language: str = "vi") -> str:
    """`rows` are (unit name, grading_progress.with_last_year(...)): two bars per unit."""
    height = len(rows) * (2 * BAR_H + GAP + 8) + 60
    width = LABEL_W + BAR_W + 60
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="{width}" '
           f'height="{height}" role="img" font-family="sans-serif">',
           f'<title>{TITLE.text(language)} {year - 1}–{year}</title>']
    y = 10
    for name, figures in rows:
        short = name if len(name) <= NAME_CHARS else name[:NAME_CHARS - 1] + "…"
        out.append(f'<text x="0" y="{y + BAR_H - 4}" font-size="12">{escape(short)}</text>')
        out.append(f'<text x="{LABEL_W - 6}" y="{y + BAR_H - 4}" font-size="10" text-anchor="end">{year}</text>')
        out += _bar(y, figures["this_year"], f"{name} {year}")
        y += BAR_H + 4
        out.append(f'<text x="{LABEL_W - 6}" y="{y + BAR_H - 4}" font-size="10" text-anchor="end" '
                   f'fill="#555">{year - 1}</text>')
        out += _bar(y, figures["last_year"], f"{name} {year - 1}")
        y += BAR_H + GAP + 4
    x = 0
    labels = [(level, rules.LEVEL_SHORT[level].text(language)) for level in rules.LEVELS]
    labels.append(("not_rated", rules.NOT_RATED.text(language)))
    for name, text in labels:
        out.append(f'<rect x="{x}" y="{y + 6}" width="12" height="12" fill="{COLORS[name]}"/>'
                   f'<text x="{x + 16}" y="{y + 16}" font-size="11">{escape(text)}</text>')
        x += 16 + 8 * len(text) + 14
    out.append("</svg>")
    return "\n".join(out)
