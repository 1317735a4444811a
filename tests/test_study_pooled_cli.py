"""``recall-risk study`` on several event sets: the pooled figures with every test, per-event
skips with reasons, multi-ticker CSVs, per-ticker benchmarks, files and determinism."""

from __future__ import annotations

import contextlib
import io
from pathlib import Path

import pandas as pd
import pytest
import yaml

from recall_risk.cli import main
from recall_risk.events import load_events
from recall_risk.prices import CsvDirectorySource
from recall_risk.study import study_event_set
from recall_risk.study.pooled import study_pooled

TESTS = ["t", "BMP", "KP-BMP", "GRANK", "t, clusters as one", "BMP, clusters as one"]


def _run(capsys, *args: str) -> tuple[int, str, str]:
    code = main(["study", *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.fixture(scope="module")
def all_out(prices_dir, tmp_path_factory) -> tuple[Path, str, str]:
    out = tmp_path_factory.mktemp("pooled") / "out"
    args = ["all", "--prices-dir", str(prices_dir), "--against-score", "--calibrate"]
    stdout, stderr = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
        code = main(["study", *args, "--out", str(out)])
    assert code == 0, stderr.getvalue()
    return out, stdout.getvalue(), stderr.getvalue()


def test_all_bundled_sets_print_every_pooled_test(all_out) -> None:
    _, text, _ = all_out
    for name in TESTS:
        assert f"│ {name} " in text, name
    assert "sign" in text and "r̄" in text
    assert "skipped li-2025-10-mega-recall: day 0 would be after the last common trading day" in (
        text
    )
    assert "Tesla (TSLA vs ^GSPC): studied" in text
    assert "Neither adjusted test rejects" in text or "reject a zero mean" in text
    assert "Does the score flag the events that hurt?" in text
    assert "leave-one-company-out" in text and "leave-one-year-out" in text


def test_all_bundled_sets_write_pooled_files(all_out) -> None:
    out, _, _ = all_out
    names = {p.name for p in out.iterdir()}
    assert {
        "pooled_events.csv",
        "pooled_tests.csv",
        "pooled_breakdown.csv",
        "against_score.csv",
        "calibration_folds.csv",
        "score_params.yaml",
        "study.md",
        "study.html",
        "study_events.csv",
    } <= names
    tests = pd.read_csv(out / "pooled_tests.csv")
    assert list(tests["test"]) == TESTS
    events = pd.read_csv(out / "pooled_events.csv")
    assert (tests["n"].iloc[0], len(events)) == (len(events), len(events))
    assert tests["caar"].iloc[0] == pytest.approx(events["car"].mean())
    breakdown = pd.read_csv(out / "pooled_breakdown.csv")
    assert set(breakdown["by"]) == {"type", "company", "score-jump tercile", "year"}
    for _, part in breakdown.groupby("by"):
        assert part["n"].sum() == len(events)  # every event in exactly one group
    params = (out / "score_params.yaml").read_text(encoding="utf-8")
    assert "# Out of sample, leave-one-company-out" in params
    assert "# Out of sample, leave-one-year-out" in params
    markdown = (out / "study.md").read_text(encoding="utf-8")
    assert "## Verdict" in markdown and "| KP-BMP |" in markdown
    page = (out / "study.html").read_text(encoding="utf-8")
    assert "<h2>Breakdowns</h2>" in page and 'id="car-path"' in page


def test_pooled_cars_are_each_sets_own_study(prices_dir) -> None:
    source = CsvDirectorySource(prices_dir, adjusted=True)
    sets = [load_events("xiaomi_su7"), load_events("byd")]
    pooled = study_pooled(sets, source)
    for event_set in sets:
        alone = study_event_set(event_set, source)[0]
        mine = pooled.frame[pooled.frame["ticker"] == event_set.ticker]
        window = alone.options.primary_window
        assert list(mine["car"]) == [s.cars[window].car for s in alone.studied]
        assert list(mine["scar"]) == [s.cars[window].t for s in alone.studied]


def test_pooled_outputs_are_deterministic(prices_dir, tmp_path, capsys) -> None:
    dirs = [tmp_path / "a", tmp_path / "b"]
    for folder in dirs:
        args = ["byd", "xpeng", "--prices-dir", str(prices_dir), "--out", str(folder)]
        assert _run(capsys, *args, "--against-score")[0] == 0
    for name in sorted(p.name for p in dirs[0].iterdir()):
        assert (dirs[0] / name).read_bytes() == (dirs[1] / name).read_bytes(), name


def test_ticker_without_prices_is_skipped_event_by_event(prices_dir, tmp_path, capsys) -> None:
    path = tmp_path / "nope.yaml"
    events = [
        {"id": f"n{i}", "type": "incident", "announced": day, "fatalities": 1, "source": "t"}
        for i, day in enumerate(["2024-05-02", "2024-08-01"])
    ]
    doc = {"company": "Nope", "ticker": "NOPE.HK", "benchmark": "^HSI", "events": events}
    path.write_text(yaml.safe_dump(doc), encoding="utf-8")
    code, text, _ = _run(capsys, "byd", str(path), "--prices-dir", str(prices_dir))
    assert code == 0
    assert "Nope (NOPE.HK vs ^HSI): studied 0 of 2 events" in text
    assert "skipped n0: no prices:" in text and "skipped n1: no prices:" in text


def test_multi_ticker_csv_is_pooled_with_per_ticker_benchmarks(prices_dir, tmp_path, capsys):
    path = tmp_path / "events.csv"
    path.write_text(
        "ticker,company,id,type,announced,units,cumulative_sales,source\n"
        "1211.HK,BYD,b1,recall,2024-09-30,97000,unknown,test\n"
        "9868.HK,XPeng,x1,recall,2025-09-12,47490,72504,test\n",
        encoding="utf-8",
    )
    args = [str(path), "--prices-dir", str(prices_dir), "--benchmark", "1211.HK=^HSI,9868.HK=^HSI"]
    code, text, err = _run(capsys, *args)
    assert code == 0, err
    assert "BYD (1211.HK vs ^HSI): studied 1 of 1" in text
    assert "XPeng (9868.HK vs ^HSI): studied 1 of 1" in text
    # Without a benchmark, each of its events is skipped with the fix in the reason.
    code, text, _ = _run(capsys, str(path), "--prices-dir", str(prices_dir))
    assert code == 2 and "pass --benchmark 1211.HK=INDEX" in text


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--benchmark", "TSLA="], "--benchmark: expected TICKER=INDEX items"),
        (["--benchmark", "NOPE=^HSI"], "--benchmark names ticker(s) NOPE"),
        (["--peers", "2015.HK"], "--peers works with one event set"),
    ],
)
def test_pooled_bad_options_exit_2(prices_dir, capsys, args, message) -> None:
    code, _, err = _run(capsys, "byd", "xpeng", "--prices-dir", str(prices_dir), *args)
    assert code == 2 and message in err and "Traceback" not in err


def test_pooled_test_figures_are_the_textbook_ones(all_out) -> None:
    from scipy import stats

    out, _, _ = all_out
    tests = pd.read_csv(out / "pooled_tests.csv").set_index("test")
    events = pd.read_csv(out / "pooled_events.csv")
    # The CSVs hold 10 significant digits. A t near zero (the bundled sets give t -0.06) is a
    # small mean of larger CARs, so recomputing it from the rounded CARs moves it by ~1e-10:
    # a relative tolerance alone fails there, hence the absolute floor, far below any reading.
    close = {"rel": 1e-9, "abs": 1e-8}
    plain = stats.ttest_1samp(events["car"], 0.0)
    assert tests.loc["t", "stat"] == pytest.approx(plain.statistic, **close)
    bmp = stats.ttest_1samp(events["scar"], 0.0)  # BMP: a t-test of the standardised CARs
    assert tests.loc["BMP", "stat"] == pytest.approx(bmp.statistic, **close)
    clusters = events.groupby("cluster")["car"].mean()
    collapsed = stats.ttest_1samp(clusters, 0.0)
    assert tests.loc["t, clusters as one", "n"] == len(clusters) < len(events)
    assert tests.loc["t, clusters as one", "stat"] == pytest.approx(collapsed.statistic, **close)
    clustered = events[events["cluster_size"] > 1]
    assert (clustered.groupby("cluster")["id"].size() > 1).all()


def test_pooled_mode_uses_the_window_options(prices_dir, capsys) -> None:
    args = ["byd", "xpeng", "--prices-dir", str(prices_dir), "--car-window", "0,0"]
    code, text, _ = _run(capsys, *args, "--estimation-days", "200")
    assert code == 0
    assert "pooled tests, CAR [0,0]" in text


def test_readme_reports_the_pooled_figures_of_the_bundled_sets(all_out) -> None:
    """README's pooled-study findings are the figures this run prints: a change of bundled data
    that moves them must update the README too."""
    import re

    out, text, _ = all_out
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    start = readme.index("What it finds on the bundled sets")
    section = readme[start : readme.index("## Events", start)].replace("−", "-")
    section = " ".join(section.split())
    tests = pd.read_csv(out / "pooled_tests.csv").set_index("test")
    events = pd.read_csv(out / "pooled_events.csv")
    n = len(events)
    assert f"; {n} studied" in section
    assert f"Mean CAR (CAAR) {100 * tests.loc['t', 'caar']:.2f}%" in section
    for name, label in [("t", "Cross-sectional t"), ("BMP", "BMP"), ("KP-BMP", "KP-adjusted BMP")]:
        stat, p = tests.loc[name, "stat"], tests.loc[name, "p"]
        assert f"{label} {stat:+.2f} (p {p:.2f}" in section, name
    grank = tests.loc["GRANK"]
    assert f"GRANK {grank['stat']:+.2f} (p {grank['p']:.2f})" in section
    once = tests.loc["t, clusters as one"]
    assert f"counted once each ({int(once['n'])} observations)" in section
    rho = re.search(r"Spearman's rho .* is ([+-]\d\.\d+) \(permutation p = (\d\.\d+)", text)
    assert rho is not None
    assert f"Spearman ρ {float(rho.group(1)):+.2f} (permutation p {float(rho.group(2)):.2f}" in (
        section
    )
    folds = pd.read_csv(out / "calibration_folds.csv").set_index("scheme")
    loco = folds.loc["leave-one-company-out"]
    assert f"calibrated {loco['calibrated_rmse']:.4f}" in section
    assert f"scale) {loco['default_rmse']:.4f}, predicting zero {loco['zero_rmse']:.4f}" in section
