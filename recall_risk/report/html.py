"""``report.html``: one self-contained page (plotly.js inlined once) that opens offline.

plotly.js is inlined as the smallest of its bundles that draws every figure on the page: "basic"
(scatter, bar and pie: 1.2 MB, vendored in ``assets/``), else "cartesian" (heatmaps, box plots,
histograms too: 1.5 MB, vendored), else the full bundle (4.8 MB) that ships with plotly. Only
figures made by :func:`figure_div` say their trace types; a page with any other figure gets the
full bundle.

All text from configs and event files is HTML-escaped here or in :mod:`.figures`; only the
``extra_sections`` fragments, which callers vouch for, are inserted as HTML. Figure divs get fixed
ids so the page is byte-identical for identical inputs.
"""

from __future__ import annotations

import html
import re
from collections.abc import Collection, Iterable, Mapping, Sequence
from functools import cache
from importlib import resources
from typing import Literal

import plotly.graph_objects as go
import plotly.offline

from recall_risk.metrics import METRIC_NAMES
from recall_risk.report.best import best_rows
from recall_risk.report.markdown import format_value

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


BASIC_TRACES = frozenset({"scatter", "bar", "pie"})
"""The trace types of plotly.js's basic bundle."""
BASIC_BUNDLE = "plotly-basic.min.js"
CARTESIAN_TRACES = BASIC_TRACES | {
    "box",
    "contour",
    "heatmap",
    "histogram",
    "histogram2d",
    "histogram2dcontour",
    "image",
    "scatterternary",
    "violin",
}
"""The trace types of plotly.js's cartesian bundle (its README lists them)."""
CARTESIAN_BUNDLE = "plotly-cartesian.min.js"
_TRACES = re.compile(r"<!-- plotly traces: ([a-z0-9 ]*) -->")

Bundle = Literal["basic", "cartesian", "full"]


@cache
def _plotly_js(bundle: Bundle) -> str:
    if bundle == "full":
        return plotly.offline.get_plotlyjs()
    name = BASIC_BUNDLE if bundle == "basic" else CARTESIAN_BUNDLE
    return resources.files("recall_risk.report").joinpath("assets", name).read_text("utf-8")


def bundle_for(fragments: Iterable[str]) -> Bundle:
    """The smallest plotly.js bundle that draws every figure in ``fragments``: each
    ``Plotly.newPlot`` must come from :func:`figure_div` (which names its trace types)."""
    text = "".join(fragments)
    marked = _TRACES.findall(text)
    if len(marked) != text.count("Plotly.newPlot("):
        return "full"
    types = set(" ".join(marked).split())
    if types <= BASIC_TRACES:
        return "basic"
    return "cartesian" if types <= CARTESIAN_TRACES else "full"


def uses_basic_bundle(fragments: Iterable[str]) -> bool:
    """Whether the basic plotly.js bundle draws every figure in ``fragments``."""
    return bundle_for(fragments) == "basic"


def figure_div(fig: go.Figure, div_id: str) -> str:
    """A figure as a ``<div>`` plus its ``<script>``, without plotly.js (the page has it once),
    after a comment naming its trace types (which bundle the page needs)."""
    types = " ".join(sorted({str(trace.type) for trace in fig.data}))
    div = fig.to_html(full_html=False, include_plotlyjs=False, div_id=div_id, config=PLOT_CONFIG)
    return f"<!-- plotly traces: {types} -->\n{div}"


def metrics_html_table(
    rows: Mapping[str, Mapping[str, object]],
    exclude: Collection[str] = (),
    best: Mapping[str, set[str]] | None = None,
) -> str:
    """Metrics side by side: one column per run label, one row per metric, best cell marked
    (``best``, default :func:`~recall_risk.report.best.best_rows` of ``rows``, never in the
    ``exclude`` columns); returns and drawdowns in percent."""
    best = best_rows(rows, exclude) if best is None else best
    head = "".join(f"<th>{esc(label)}</th>" for label in rows)
    body = []
    for metric in METRIC_NAMES:
        cells = []
        for label, metrics in rows.items():
            css = ' class="best"' if label in best.get(metric, ()) else ""
            cells.append(f"<td{css}>{esc(format_value(metric, metrics.get(metric)))}</td>")
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
    bundle = bundle_for(body for _, body in [*sections, *extra_sections])
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>{esc(title)}</title>",
        f"<style>{STYLE}</style>",
        f'<script type="text/javascript">{_plotly_js(bundle)}</script>',
        "</head><body>",
        f"<h1>{esc(title)}</h1>",
        *(f'<p class="meta">{esc(p)}</p>' for p in intro),
    ]
    for heading, body in [*sections, *extra_sections]:
        parts.append(f"<section><h2>{esc(heading)}</h2>\n{body}\n</section>")
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"
