"""recall_risk.report.html: which plotly.js bundle a page inlines (basic when it suffices)."""

from __future__ import annotations

from importlib import resources

import plotly.graph_objects as go
import plotly.offline

from recall_risk.report.html import BASIC_BUNDLE, figure_div, page, uses_basic_bundle

BASIC_HEADER = "plotly.js (basic - minified) v"


def _bundle() -> str:
    return resources.files("recall_risk.report").joinpath("assets", BASIC_BUNDLE).read_text()


def test_vendored_basic_bundle_matches_the_installed_plotly_js_version():
    version = plotly.offline.get_plotlyjs_version()
    assert f"{BASIC_HEADER}{version}\n" in _bundle()[:200]


def test_scatter_and_bar_pages_inline_the_basic_bundle():
    fig = go.Figure([go.Scatter(x=[1, 2], y=[3, 4]), go.Bar(x=[1], y=[2])])
    html = page("t", [], [("figure", figure_div(fig, "f"))])
    assert BASIC_HEADER in html
    assert len(html) < 1_500_000  # the full bundle alone is 4.8 MB


def test_other_traces_or_foreign_figures_get_the_full_bundle():
    heat = figure_div(go.Figure([go.Heatmap(z=[[1, 2], [3, 4]])]), "h")
    assert not uses_basic_bundle([heat])
    assert BASIC_HEADER not in page("t", [], [("heatmap", heat)])
    foreign = go.Figure([go.Scatter(x=[1], y=[1])]).to_html(full_html=False, include_plotlyjs=False)
    assert not uses_basic_bundle([foreign])  # a figure not made by figure_div: unknown traces
    assert uses_basic_bundle([figure_div(go.Figure([go.Scatter(x=[1], y=[1])]), "s")])
