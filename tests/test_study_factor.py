"""The score as a factor: IC against scipy, coverage, and point in time (the forward return starts
at the close the score is known). The comparison with alphalens-reloaded, a peer the tests do not
depend on, is ``bench/factor_vs_alphalens.py`` (the ``bench`` extra)."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pytest

from recall_risk.events import EventSet, Incident
from recall_risk.study.factor import HORIZONS, daily_ic, factor_panel, factor_report


def _synthetic(seed: int = 3) -> tuple[pd.DataFrame, pd.DataFrame]:
    rng = np.random.default_rng(seed)
    dates = pd.bdate_range("2024-01-01", periods=90)
    tickers = list("ABCDEF")
    prices = pd.DataFrame(
        100 * np.exp(np.cumsum(rng.normal(0, 0.01, (90, 6)), axis=0)), index=dates, columns=tickers
    )
    rows = []
    for t in tickers:
        close = prices[t].to_numpy()
        part = pd.DataFrame({"date": dates, "ticker": t, "score": rng.uniform(0, 1, 90)})
        for h in HORIZONS:
            fwd = np.full(90, np.nan)
            fwd[:-h] = close[h:] / close[:-h] - 1
            part[f"fwd_{h}"] = fwd
        rows.append(part)
    return pd.concat(rows, ignore_index=True), prices


def test_daily_ic_is_scipys_spearman_per_date() -> None:
    from scipy import stats

    panel, _ = _synthetic()
    ours = daily_ic(panel, 5)
    for day, group in list(panel.dropna(subset=["fwd_5"]).groupby("date"))[::7]:
        rho = stats.spearmanr(group["score"], group["fwd_5"]).statistic
        assert ours.loc[day] == pytest.approx(rho, rel=1e-12)


class _Prices:
    """A price source holding one frame per ticker (a missing ticker raises like CSVs do)."""

    def __init__(self, frames: dict[str, pd.DataFrame]) -> None:
        self.frames = frames

    def load(self, ticker: str, start: object = None, end: object = None) -> pd.DataFrame:
        from recall_risk.errors import PriceDataError

        if ticker not in self.frames:
            raise PriceDataError(f"no file for {ticker}")
        return self.frames[ticker]


def _event_set(ticker: str, announced: date) -> EventSet:
    event = Incident(id=f"{ticker}-1", announced=announced, fatalities=1, source="test")
    return EventSet(company=ticker, ticker=ticker, benchmark="^X", events=(event,))


def test_panel_is_point_in_time_and_coverage_counts_days() -> None:
    dates = pd.bdate_range("2024-01-01", periods=30)
    close = pd.DataFrame({"close": np.linspace(10, 13, 30)}, index=dates)
    source = _Prices({"AAA": close})
    announced = date(2024, 1, 10)
    panel, missing = factor_panel(
        [_event_set("AAA", announced), _event_set("ZZZ", announced)], source
    )
    assert missing == ["ZZZ: no prices (no file for ZZZ)"]
    before = panel[panel["date"] < pd.Timestamp(announced)]
    assert (before["score"] == 0).all()
    assert (panel.loc[panel["date"] >= pd.Timestamp(announced), "score"] > 0).all()
    row = panel[panel["date"] == pd.Timestamp(announced)].iloc[0]
    k = list(dates).index(pd.Timestamp(announced))
    assert row["fwd_1"] == pytest.approx(close["close"].iloc[k + 1] / close["close"].iloc[k] - 1)
    coverage = factor_report(panel, missing).coverage.set_index("ticker")
    assert coverage.loc["AAA", "days"] == 30
    assert coverage.loc["AAA", "nonzero_days"] == int((dates >= pd.Timestamp(announced)).sum())
    report = factor_report(panel, missing)
    assert "cannot be measured" in report.statement()  # one stock: no cross-section
