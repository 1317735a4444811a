"""report.html in a real headless Chromium: the figures render, no script errors, not blank.

Needs the ``chromium`` (Debian) or ``chromium-browser`` binary; ``.ci/run`` installs it. Without
it the tests fail on CI (env ``CI`` set) and skip elsewhere.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from dataclasses import replace
from pathlib import Path

import pytest

from recall_risk.config import load_config
from recall_risk.report import compare_runs, write_comparison, write_report
from recall_risk.runner import run_config

# the module's shared runs are made once, on one worker (see --dist loadgroup)
pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("report_browser")]

REPO = Path(__file__).resolve().parents[1]
EVIL = """</script><script>alert("x")</script> "quoted" & 'single'"""


def _chromium() -> str:
    for name in ("chromium", "chromium-browser"):
        found = shutil.which(name)
        if found:
            return found
    message = "headless Chromium not found (install the Debian package 'chromium')"
    if os.environ.get("CI"):
        pytest.fail(message, pytrace=False)
    pytest.skip(message)


def _run_chromium(page: Path, profile: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    command = [
        _chromium(),
        "--headless",
        "--no-sandbox",  # containers and CI run as root
        "--disable-gpu",
        "--no-first-run",
        f"--user-data-dir={profile}",
        "--enable-logging=stderr",
        "--v=0",
        "--virtual-time-budget=20000",  # let plotly draw before dumping or capturing
        *extra,
        page.as_uri(),
    ]
    return subprocess.run(command, capture_output=True, text=True, timeout=180, check=False)


def _console_errors(stderr: str) -> list[str]:
    console = [line for line in stderr.splitlines() if ":CONSOLE" in line]
    return [line for line in console if re.search(r"Uncaught|Error|error", line)]


@pytest.fixture(scope="module")
def pages(prices_dir, tmp_path_factory) -> dict[str, Path]:
    config = load_config(REPO / "configs" / "xiaomi_su7.yaml")
    result = run_config(config, prices_dir=prices_dir)
    events = [e.model_copy(update={"notes": EVIL}) for e in result.events["1810.HK"]]
    result = replace(result, events={"1810.HK": result.events["1810.HK"].replace_events(events)})
    base = tmp_path_factory.mktemp("browser")
    write_report(result, base / "run")
    write_comparison(compare_runs([base / "run"]), base / "cmp")
    # a sweep's heatmap page inlines plotly.js's cartesian bundle (the basic one has no heatmap)
    import plotly.graph_objects as go

    from recall_risk.report.html import figure_div, page

    heat = go.Figure(go.Heatmap(z=[[1.0, 2.0], [3.0, None]], x=["0.5", "0.6"], y=["0.3", "0.4"]))
    (base / "heatmap.html").write_text(
        page("heatmap", [], [("sharpe", figure_div(heat, "heatmap"))]), encoding="utf-8"
    )
    return {
        "report": base / "run" / "report.html",
        "compare": base / "cmp" / "compare.html",
        "heatmap": base / "heatmap.html",
    }


# report: overview, tearsheet (drawdowns, rolling Sharpe/volatility, exposure), prices and trades
@pytest.mark.parametrize(("page", "figures"), [("report", 3), ("compare", 1), ("heatmap", 1)])
def test_figures_render_without_errors(pages, tmp_path, page, figures):
    done = _run_chromium(pages[page], tmp_path / "profile", "--dump-dom")
    assert done.returncode == 0, done.stderr[-2000:]
    dom = done.stdout
    assert dom.count('class="plot-container plotly"') == figures
    assert dom.count('class="main-svg"') >= 2 * figures  # plotly drew its SVG layers
    assert _console_errors(done.stderr) == []
    if page == "report":  # the tearsheet, evidence and risk sections reached the rendered page
        for heading in ("Weight of evidence", "Risk figures", "Tearsheet: returns per year"):
            assert f"<h2>{heading}</h2>" in dom
        assert "risk_exit †" in dom and "not recovered" in dom
        assert 'class="best"' in dom  # still highlights, but never a column marked †
    assert '<script>alert("x")</script>' not in dom  # the event note stayed text


def test_screenshot_is_not_blank(pages, tmp_path):
    from PIL import Image

    shot = tmp_path / "report.png"
    done = _run_chromium(
        pages["report"],
        tmp_path / "profile",
        f"--screenshot={shot}",
        "--window-size=1300,1800",
        "--hide-scrollbars",
    )
    assert done.returncode == 0 and shot.is_file(), done.stderr[-2000:]
    with Image.open(shot) as image:
        rgb = image.convert("RGB")
        assert rgb.size == (1300, 1800)
        colours = rgb.getcolors(maxcolors=1_000_000)
    assert colours is not None and len(colours) > 200  # lines, fills, text: not a blank page
    # the lower half (score panel, drawdowns, metrics) is drawn too, not just the title
    with Image.open(shot) as image:
        lower = image.convert("RGB").crop((0, 900, 1300, 1800)).getcolors(maxcolors=1_000_000)
    assert lower is not None and len(lower) > 100
