"""Text from configs and event files cannot inject markup or script into the reports."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

import pytest

from recall_risk.config import load_config
from recall_risk.report import write_report
from recall_risk.report.figures import plotly_text
from recall_risk.runner import run_config

# the module's shared run is made once, on one worker (see --dist loadgroup)
pytestmark = pytest.mark.xdist_group("report_escaping")

REPO = Path(__file__).resolve().parents[1]
EVIL = """</script><script>alert("x")</script> & 'quoted' <b>bold</b> | pipe `tick`"""


@pytest.fixture(scope="module")
def evil_report(prices_dir, tmp_path_factory) -> Path:
    config = load_config(REPO / "configs" / "xiaomi_su7.yaml")
    config = config.model_copy(update={"description": EVIL, "strategies": config.strategies[:2]})
    result = run_config(config, prices_dir=prices_dir)
    event_set = result.events["1810.HK"]
    events = [
        e.model_copy(update={"notes": EVIL, "source": EVIL}) if i % 2 else e
        for i, e in enumerate(event_set)
    ]
    tricky = events[3].model_copy(update={"id": 'id-</script>"x'})
    events[3] = tricky
    result = replace(result, events={"1810.HK": event_set.replace_events(events)})
    out = tmp_path_factory.mktemp("evil") / "r"
    write_report(result, out)
    return out


def test_html_has_no_injected_script(evil_report):
    text = (evil_report / "report.html").read_text(encoding="utf-8")
    assert 'alert("x")' not in text
    assert "<b>bold</b>" not in text
    # every script tag is ours: plotly.js plus one per figure
    # plotly.js, then the overview, tearsheet and trades figures
    assert text.count("<script") == text.count("</script>") == 4
    assert "&lt;/script&gt;&lt;script&gt;alert(&quot;x&quot;)" in text  # escaped in tables
    assert "id-&lt;/script&gt;&quot;x" in text


def test_strings_inside_figure_json_cannot_close_the_script(evil_report):
    text = (evil_report / "report.html").read_text(encoding="utf-8")
    scripts = re.findall(r"<script[^>]*>(.*?)</script>", text, flags=re.DOTALL)
    figures = [s for s in scripts if "Plotly.newPlot" in s]
    assert len(figures) == 3
    for script in figures:
        # plotly's JSON writes "<", ">" and "/" as \\u escapes: nothing can end the script early
        assert "</" not in script
    # our hover text carries entities that plotly decodes for display only
    assert "alert(&#34;x&#34;)&lt;\\u002fscript&gt;" in figures[0]


def test_plotly_text_escapes_quotes_as_numeric_entities():
    assert plotly_text("""<a href="x">'&'</a>""") == (
        "&lt;a href=&#34;x&#34;&gt;&#39;&amp;&#39;&lt;/a&gt;"
    )


def _tables(text: str) -> list[list[str]]:
    tables, current = [], []
    for line in [*text.splitlines(), ""]:
        if line.startswith("|"):
            current.append(line)
        elif current:
            tables.append(current)
            current = []
    return tables


def test_summary_md_tables_are_not_broken(evil_report):
    text = (evil_report / "summary.md").read_text(encoding="utf-8")
    tables = _tables(text)
    assert len(tables) == 4  # metrics, weight of evidence, risk figures, events
    for table in tables:
        cells = table[0].count(" | ")
        for line in table[2:]:
            assert line.replace("\\|", "").count(" | ") == cells, line
    for line in text.splitlines():
        outside_code = line.split("`")[::2]  # code spans show "<" literally, never as markup
        assert not any("<" in part for part in outside_code), line


def test_summary_md_plain_text_escaped(evil_report):
    text = (evil_report / "summary.md").read_text(encoding="utf-8")
    description = text.splitlines()[2]
    assert description.startswith("&lt;/script&gt;&lt;script&gt;alert")
    assert "\\| pipe 'tick'" in description
