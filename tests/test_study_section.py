"""The run-report section: a study from a run's data, rendered as an escaped HTML fragment."""

from __future__ import annotations

import html
from datetime import date
from pathlib import Path

import pytest

from recall_risk.config import load_config
from recall_risk.errors import ConfigError
from recall_risk.events import Incident, load_events
from recall_risk.prices import CsvDirectorySource
from recall_risk.runner import RunResult
from recall_risk.study import (
    StudyOptions,
    report_section,
    run_study_for_run,
    study_section_html,
)
from recall_risk.study.against import against_score_for
from recall_risk.study.data import study_event_set

REPO_ROOT = Path(__file__).resolve().parents[1]


def _run_result(prices_dir, *, benchmark: bool = True, events: bool = True) -> RunResult:
    config = load_config(REPO_ROOT / "configs" / "xiaomi_su7.yaml", check=False)
    source = CsvDirectorySource(prices_dir)
    start, end = config.data.start, config.data.end
    return RunResult(
        config=config,
        prices={"1810.HK": source.load("1810.HK", start, end)},
        benchmark_prices=source.load("^HSI", start, end) if benchmark else None,
        events={"1810.HK": load_events("xiaomi_su7")} if events else {},
        scores={},
        strategies={},
        benchmark=None,
    )


def test_run_prices_only_skip_early_events_with_reasons(prices_dir) -> None:
    result = run_study_for_run(_run_result(prices_dir))
    assert result.ticker == "1810.HK" and result.benchmark == "^HSI"
    assert len(result.events) == 14
    # the run starts 2024-04-01: 250 + 30 days of history exist only for the last two events
    assert [e.event_id for e in result.studied] == [
        "samr-2025-09-su7-l2",
        "chengdu-crash-2025-10-13",
    ]
    assert all("estimation window lacks data" in (e.reason or "") for e in result.skipped)


def test_shorter_estimation_or_a_source_reaches_the_crash(prices_dir) -> None:
    short = run_study_for_run(
        _run_result(prices_dir), options=StudyOptions(estimation_days=120, gap_days=10)
    )
    crash = next(e for e in short.events if e.event_id == "crash-2025-03-29")
    assert crash.ok and crash.cars[(0, 1)].car < -0.05
    full = run_study_for_run(_run_result(prices_dir), source=CsvDirectorySource(prices_dir))
    assert len(full.studied) == 14


def test_run_without_benchmark_or_events(prices_dir) -> None:
    with pytest.raises(ConfigError, match=r"data\.benchmark"):
        run_study_for_run(_run_result(prices_dir, benchmark=False))
    with pytest.raises(ConfigError, match="no events to study"):
        run_study_for_run(_run_result(prices_dir, events=False))
    with pytest.raises(ConfigError, match="no events for ticker 'TSLA'"):
        run_study_for_run(_run_result(prices_dir), ticker="TSLA")


def test_section_html_escapes_text(prices_dir) -> None:
    event_set = load_events("xiaomi_su7")
    nasty = Incident(
        id="<script>alert(1)</script>", announced=date(2018, 8, 1), source="x", fatalities=1
    )
    event_set = event_set.replace_events([*event_set.events, nasty])
    results = study_event_set(event_set, CsvDirectorySource(prices_dir), peers=["1211.HK"])
    _, against = against_score_for(event_set, results[0])
    fragment = study_section_html(results, against)
    assert fragment.startswith('<div class="event-study">') and fragment.endswith("</div>")
    assert "<script>" not in fragment
    assert html.escape("<script>alert(1)</script>") in fragment
    assert "crash-2025-03-29" in fragment and "-8.70%" in fragment
    assert "1211.HK vs ^HSI (peer, around 1810.HK events)" in fragment
    assert html.escape("Spearman's rho") in fragment
    assert fragment.count('<table class="study-events">') == 2
    single = study_section_html(results[0])
    assert single.count("<h3>") == 1


def test_report_section_for_the_report_writer(prices_dir) -> None:
    title, fragment = report_section(_run_result(prices_dir), source=CsvDirectorySource(prices_dir))
    assert title == "Event study: 1810.HK vs ^HSI"
    assert "crash-2025-03-29" in fragment and "Studied 14 of 14 events" in fragment
    assert 'class="study-against"' in fragment and "Spearman" in fragment
    _, short = report_section(_run_result(prices_dir))  # the run's prices only
    assert "Studied 2 of 14 events" in short and "estimation window lacks data" in short
