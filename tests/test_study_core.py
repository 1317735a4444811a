"""Event study: day 0 mapping, overlaps, skips with reasons, cross-section, real Xiaomi data."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pandas as pd
import pytest

from recall_risk.errors import ConfigError, PriceDataError
from recall_risk.events import EventSet, Incident, load_events
from recall_risk.prices import CsvDirectorySource
from recall_risk.study.core import run_event_study
from recall_risk.study.data import study_event_set
from recall_risk.study.options import StudyOptions
from recall_risk.study.returns import aligned_returns, day_zero
from recall_risk.study.stats import cross_section, spearman_permutation


def _frame(n: int = 500, seed: int = 5) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    market = rng.normal(0, 0.01, n)
    stock = 1.1 * market + rng.normal(0, 0.012, n)
    index = pd.bdate_range("2022-01-03", periods=n, name="date")
    return pd.DataFrame({"stock": stock, "market": market}, index=index)


def _incident(event_id: str, announced: date) -> Incident:
    return Incident(id=event_id, announced=announced, source="test", fatalities=1)


def _study(frame: pd.DataFrame, *events: Incident, options: StudyOptions | None = None):
    return run_event_study(list(events), frame, options, ticker="TEST", benchmark="^IDX")


def test_day_zero_is_first_trading_day_on_or_after_announced() -> None:
    index = pd.DatetimeIndex(pd.to_datetime(["2025-03-28", "2025-03-31", "2025-04-01"]))
    assert day_zero(index, date(2025, 3, 28)) == 0
    assert day_zero(index, date(2025, 3, 29)) == 1  # Saturday -> Monday
    assert day_zero(index, date(2025, 3, 30)) == 1  # Sunday -> Monday
    assert day_zero(index, date(2025, 4, 1)) == 2
    assert day_zero(index, date(2025, 4, 2)) is None


def test_moving_announced_moves_day_zero() -> None:
    frame = _frame()
    base = frame.index[400].date()
    first = _study(frame, _incident("e", base)).events[0]
    later = _study(frame, _incident("e", frame.index[401].date())).events[0]
    assert first.day0 == base and later.day0 == frame.index[401].date()
    assert later.ar_on(0) == pytest.approx(first.ar_on(1), abs=0.002)  # same day, refitted model
    assert later.dates[0] == first.dates[1]


def test_weekend_announcement_maps_to_monday() -> None:
    frame = _frame()
    monday = next(d for d in frame.index[380:] if d.day_of_week == 0).date()
    study = _study(frame, _incident("e", monday - timedelta(days=1))).events[0]
    assert study.ok and study.day0 == monday
    assert study.dates[1] == monday  # window starts at day -1


def test_overlapping_windows_are_flagged() -> None:
    frame = _frame()
    a, b, c = frame.index[350].date(), frame.index[354].date(), frame.index[450].date()
    result = _study(frame, _incident("a", a), _incident("b", b), _incident("c", c))
    overlaps = {e.event_id: e.overlaps for e in result.events}
    assert overlaps == {"a": ("b",), "b": ("a",), "c": ()}
    # a and b (days 350, 354) lie inside c's estimation window (days 170..419)
    assert result.events[2].in_estimation == ("a", "b")
    assert result.events[0].in_estimation == ()
    # window -1..5 is 7 days: events 7 days apart no longer overlap
    apart = _study(frame, _incident("a", a), _incident("b", frame.index[357].date()))
    assert all(e.overlaps == () for e in apart.events)


def test_events_without_enough_data_are_skipped_with_reason() -> None:
    frame = _frame(n=400)
    events = [
        _incident("early", frame.index[100].date()),
        _incident("fine", frame.index[300].date()),
        _incident("late", frame.index[397].date()),
        _incident("after", (frame.index[-1] + pd.Timedelta(days=10)).date()),
        _incident("before", date(2000, 1, 3)),
    ]
    result = _study(frame, *events)
    by_id = {e.event_id: e for e in result.events}
    assert [e.event_id for e in result.studied] == ["fine"]
    assert "estimation window lacks data" in (by_id["early"].reason or "")
    assert "needs 250 daily returns" in (by_id["early"].reason or "")
    assert "--estimation-days" in (by_id["early"].reason or "")
    assert "the data ends" in (by_id["late"].reason or "")
    assert "after the last common trading day" in (by_id["after"].reason or "")
    assert "only 0 exist" in (by_id["before"].reason or "")
    assert len(result.skipped) == 4 and len(result.events) == 5


def test_window_wider_than_data_skips_every_event() -> None:
    frame = _frame(n=120)
    result = _study(frame, _incident("e", frame.index[60].date()))
    assert result.studied == () and "lacks data" in (result.skipped[0].reason or "")


def test_aligned_returns_use_common_days_only() -> None:
    days = pd.bdate_range("2024-01-01", periods=5, name="date")
    stock = pd.DataFrame({"close": [10.0, 11.0, 12.0, 12.0, 9.0]}, index=days)
    market = pd.DataFrame({"close": [100.0, 101.0, 103.0]}, index=days[[0, 2, 4]])
    returns = aligned_returns(stock, market, stock_name="S", market_name="M")
    assert list(returns.index) == [days[2], days[4]]
    np.testing.assert_allclose(returns["stock"], [0.2, -0.25])
    np.testing.assert_allclose(returns["market"], [0.01, 2 / 101])
    with pytest.raises(PriceDataError, match="share 1 trading day"):
        aligned_returns(stock, market.iloc[:1], stock_name="S", market_name="M")


def test_cross_section_and_sign_test() -> None:
    summary = cross_section([-0.02, -0.04, -0.03, 0.01])
    assert summary.n == 4 and summary.negative == 3 and summary.positive == 1
    assert summary.mean_car == pytest.approx(-0.02)
    sd = np.std([-0.02, -0.04, -0.03, 0.01], ddof=1)
    assert summary.t == pytest.approx(-0.02 / (sd / 2))
    assert summary.sign_p == pytest.approx(0.625)
    single = cross_section([0.01])
    assert np.isnan(single.t) and single.sign_p == 1.0


def test_spearman_permutation_is_deterministic() -> None:
    x = [0.1, 0.5, 0.0, 0.9, 0.3, 0.7, 0.2, 0.0]
    y = [-0.01, -0.05, 0.02, -0.09, 0.0, -0.04, 0.01, 0.03]
    rho, p = spearman_permutation(x, y)
    rho2, p2 = spearman_permutation(x, y)
    assert (rho, p) == (rho2, p2)
    from scipy import stats

    assert rho == pytest.approx(stats.spearmanr(x, y).statistic, abs=1e-12)
    assert p < 0.01
    assert np.isnan(spearman_permutation([1, 1, 1], [1, 2, 3])[0])


def test_missing_benchmark_is_a_clear_error(prices_dir) -> None:
    events = load_events("xiaomi_su7")
    bare = EventSet(company="X", ticker="1810.HK", benchmark=None, events=events.events)
    with pytest.raises(ConfigError, match="--benchmark"):
        study_event_set(bare, CsvDirectorySource(prices_dir))
    with pytest.raises(PriceDataError, match="no price file for \\^NOPE"):
        study_event_set(events, CsvDirectorySource(prices_dir), benchmark="^NOPE")


def test_xiaomi_crash_is_significantly_negative(prices_dir) -> None:
    (result,) = study_event_set(load_events("xiaomi_su7"), CsvDirectorySource(prices_dir))
    crash = next(e for e in result.events if e.event_id == "crash-2025-03-29")
    assert crash.ok and crash.day0 == date(2025, 3, 31)
    assert crash.dates[2] == date(2025, 4, 1)
    assert crash.stock_returns[2] == pytest.approx(46.5 / 49.2 - 1, rel=1e-6)  # -5.49%
    assert crash.market_returns[2] > 0  # ^HSI rose that day
    t, p = crash.ar_test(1)
    assert crash.ar_on(1) < -0.04 and t < -2 and p < 0.01
    car = crash.cars[(0, 1)]
    assert car.car < -0.05 and car.t < -2 and car.p < 0.01
    assert crash.overlaps == ("dlv-2025-03",)
    later = next(e for e in result.events if e.event_id == "samr-2025-09-su7-l2")
    assert "crash-2025-03-29" in later.in_estimation  # reported, not removed
    assert "samr-2025-09-su7-l2" not in later.in_estimation
    assert len(result.studied) == len(result.events)  # the shared data covers every event


def test_results_use_only_estimation_and_event_windows() -> None:
    """Prices in the gap or after the event window never change an event's numbers."""
    frame = _frame()
    event = _incident("e", frame.index[400].date())
    base = _study(frame, event).events[0]
    changed = frame.copy()
    changed.iloc[375:398, 0] += 0.05  # inside the 30-day gap before day -1
    changed.iloc[406:, 0] -= 0.03  # after day +5
    other = _study(changed, event).events[0]
    np.testing.assert_array_equal(base.ar, other.ar)
    assert base.cars == other.cars
    # the estimation window itself does matter
    changed.iloc[200, 0] += 0.2
    assert _study(changed, event).events[0].model.alpha != base.model.alpha


def test_event_order_does_not_matter() -> None:
    frame = _frame()
    events = [_incident(f"e{i}", frame.index[i].date()) for i in (320, 323, 410)]
    forward = _study(frame, *events)
    backward = _study(frame, *reversed(events))
    by_id = {e.event_id: e for e in backward.events}
    for study in forward.events:
        np.testing.assert_array_equal(study.ar, by_id[study.event_id].ar)
        assert study.overlaps == by_id[study.event_id].overlaps


def test_real_weekend_announcement_maps_to_monday(prices_dir) -> None:
    event_set = load_events("xiaomi_su7")
    crash = event_set.by_id("crash-2025-03-29")
    moved = event_set.replace_events(
        [crash.model_copy(update={"announced": date(2025, 3, 29)})]  # the Saturday it happened
    )
    (result,) = study_event_set(moved, CsvDirectorySource(prices_dir))
    assert result.events[0].day0 == date(2025, 3, 31)
    later = event_set.replace_events([crash.model_copy(update={"announced": date(2025, 4, 1)})])
    (shifted,) = study_event_set(later, CsvDirectorySource(prices_dir))
    assert shifted.events[0].day0 == date(2025, 4, 1)
    assert shifted.events[0].dates[1] == date(2025, 4, 1)
