"""recall_risk.report.html: which plotly.js bundle a page inlines (basic when it suffices)."""

from __future__ import annotations

from importlib import resources

import plotly.graph_objects as go
import plotly.offline

from recall_risk.report.html import (
    BASIC_BUNDLE,
    CARTESIAN_BUNDLE,
    bundle_for,
    figure_div,
    page,
    uses_basic_bundle,
)

BASIC_HEADER = "plotly.js (basic - minified) v"
CARTESIAN_HEADER = "plotly.js (cartesian - minified) v"


def _bundle(name: str = BASIC_BUNDLE) -> str:
    return resources.files("recall_risk.report").joinpath("assets", name).read_text()


def test_vendored_bundles_match_the_installed_plotly_js_version():
    version = plotly.offline.get_plotlyjs_version()
    assert f"{BASIC_HEADER}{version}\n" in _bundle()[:200]
    assert f"{CARTESIAN_HEADER}{version}\n" in _bundle(CARTESIAN_BUNDLE)[:200]


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


def test_heatmap_pages_inline_the_cartesian_bundle_and_others_the_full_one():
    heat = figure_div(go.Figure([go.Heatmap(z=[[1, 2], [3, 4]])]), "h")
    line = figure_div(go.Figure([go.Scatter(x=[1], y=[1])]), "s")
    assert bundle_for([heat, line]) == "cartesian"
    html = page("t", [], [("heatmap", heat)])
    assert CARTESIAN_HEADER in html and BASIC_HEADER not in html
    assert len(html) < 1_700_000  # the full bundle alone is 4.8 MB
    sankey = figure_div(go.Figure([go.Sankey()]), "k")
    assert bundle_for([heat, sankey]) == "full"
    full = page("t", [], [("sankey", sankey)])
    assert CARTESIAN_HEADER not in full and BASIC_HEADER not in full
    assert len(full) > 4_000_000
