"""``report.html``: one self-contained page (plotly.js inlined once) that opens offline.

All text from configs and event files is HTML-escaped here or in :mod:`.figures`; only the
``extra_sections`` fragments, which callers vouch for, are inserted as HTML. Figure divs get fixed
ids so the page is byte-identical for identical inputs.
"""

from __future__ import annotations

import html
from collections.abc import Collection, Mapping, Sequence
from functools import cache

import plotly.graph_objects as go
import plotly.offline

from recall_risk.metrics import METRIC_NAMES
from recall_risk.report.best import best_rows
from recall_risk.report.markdown import format_metric

PLOT_CONFIG = {"displaylogo": False, "responsive": True}

STYLE = """
body { font-family: system-ui, sans-serif; margin: 1.5em auto; max-width: 1300px; color: #222; }
h1 { margin-bottom: 0.2em; } .meta { color: #555; }
table { border-collapse: collapse; margin: 0.5em 0 1.5em; font-size: 0.9em; }
th, td { border: 1px solid #ccc; padding: 0.25em 0.6em; text-align: right; }
th:first-child, td.text, table.text th { text-align: left; }
td.best { background: #c8f0c8; font-weight: bold; }
section { margin-top: 1.5em; }
"""


def esc(text: object) -> str:
    """HTML-escaped text, quotes included (safe in element content and attribute values)."""
    return html.escape(str(text), quote=True)


@cache
def _plotly_js() -> str:
    return plotly.offline.get_plotlyjs()


def figure_div(fig: go.Figure, div_id: str) -> str:
    """A figure as a ``<div>`` plus its ``<script>``, without plotly.js (the page has it once)."""
    return fig.to_html(full_html=False, include_plotlyjs=False, div_id=div_id, config=PLOT_CONFIG)


def metrics_html_table(
    rows: Mapping[str, Mapping[str, object]], exclude: Collection[str] = ()
) -> str:
    """Metrics side by side: one column per run label, one row per metric, best cell marked
    (never in the ``exclude`` columns)."""
    best = best_rows(rows, exclude)
    head = "".join(f"<th>{esc(label)}</th>" for label in rows)
    body = []
    for metric in METRIC_NAMES:
        cells = []
        for label, metrics in rows.items():
            css = ' class="best"' if label in best.get(metric, ()) else ""
            cells.append(f"<td{css}>{esc(format_metric(metrics.get(metric)))}</td>")
        body.append(f"<tr><th>{esc(metric)}</th>{''.join(cells)}</tr>")
    return (
        f'<table class="metrics"><thead><tr><th>metric</th>{head}</tr></thead>'
        f"<tbody>{''.join(body)}</tbody></table>"
    )


def text_table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """A table of plain text cells, every cell escaped."""
    head = "".join(f"<th>{esc(h)}</th>" for h in headers)
    body = "".join(
        "<tr>" + "".join(f'<td class="text">{esc(c)}</td>' for c in row) + "</tr>" for row in rows
    )
    return f'<table class="text"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def page(
    title: str,
    intro: Sequence[str],
    sections: Sequence[tuple[str, str]],
    extra_sections: Sequence[tuple[str, str]] = (),
) -> str:
    """A whole self-contained page.

    Args:
        title: page title (plain text; escaped).
        intro: plain-text paragraphs under the title (escaped).
        sections: ``(plain-text heading, HTML body built by this package)``.
        extra_sections: ``(plain-text heading, trusted HTML fragment)`` appended at the end.
    """
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>{esc(title)}</title>",
        f"<style>{STYLE}</style>",
        f'<script type="text/javascript">{_plotly_js()}</script>',
        "</head><body>",
        f"<h1>{esc(title)}</h1>",
        *(f'<p class="meta">{esc(p)}</p>' for p in intro),
    ]
    for heading, body in [*sections, *extra_sections]:
        parts.append(f"<section><h2>{esc(heading)}</h2>\n{body}\n</section>")
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"
