"""The daily score of several stocks as a cross-sectional factor, as alphalens reports one.

For each stock, the score of every trading day (as of its close, point in time) beside the
forward simple returns ``close[t+h] / close[t] - 1`` for ``h`` in :data:`HORIZONS`; a return
starts at the close on which the score is known, so the score never sees it. Then, per calendar
date with at least :data:`MIN_NAMES` stocks whose scores differ:

- the information coefficient (IC): Spearman's rank correlation across stocks of score and
  forward return (alphalens' ``factor_information_coefficient``); its mean over dates, and a
  t-test on every h-th date only, so the forward windows of the dates tested do not overlap;
- high vs low: mean forward return of the stocks above that date's median score and of those
  below it (alphalens' ``mean_return_by_quantile`` with two quantiles), and their spread;
- coverage: ticker-days in all, with a score above 0, and with a score of at least 0.05.

alphalens-reloaded itself is not used: its 0.5.1 release warns on every call under pandas 3
(deprecated ``inplace=``, an error under this project's warnings policy), drags IPython and
seaborn in, and bins a union of calendars that HK and US stocks do not share. The figures
here are checked against it in the tests.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from recall_risk.errors import DataUnavailableError, PriceDataError
from recall_risk.events import EventSet
from recall_risk.prices import PriceSource
from recall_risk.scoring import ScoreParams, score_events

HORIZONS: tuple[int, ...] = (1, 5, 21)
MIN_NAMES = 3
MATERIAL_SCORE = 0.05


def factor_panel(
    event_sets: Sequence[EventSet], source: PriceSource, params: ScoreParams | None = None
) -> tuple[pd.DataFrame, list[str]]:
    """Score and forward returns of every ticker-day, and the tickers left out (with why).

    Returns:
        A frame with columns ``date, ticker, score, fwd_1, fwd_5, fwd_21`` (NaN where the
        forward window runs past the data), and one message per ticker without prices.
    """
    params = params or ScoreParams()
    parts, missing = [], []
    for event_set in event_sets:
        try:
            prices = source.load(event_set.ticker)
        except (PriceDataError, DataUnavailableError) as exc:
            missing.append(f"{event_set.ticker}: no prices ({exc})")
            continue
        close = prices["close"].astype(float)
        days = [stamp.date() for stamp in close.index]
        score = score_events(list(event_set), days, params)["score"].to_numpy()
        part = pd.DataFrame(
            {"date": pd.DatetimeIndex(close.index), "ticker": event_set.ticker, "score": score}
        )
        values = close.to_numpy()
        for h in HORIZONS:
            forward = np.full(len(values), np.nan)
            forward[:-h] = values[h:] / values[:-h] - 1.0
            part[f"fwd_{h}"] = forward
        parts.append(part)
    if not parts:
        return pd.DataFrame(columns=["date", "ticker", "score"]), missing
    panel = pd.concat(parts, ignore_index=True).sort_values(["date", "ticker"], kind="stable")
    return panel.reset_index(drop=True), missing


def daily_ic(panel: pd.DataFrame, horizon: int) -> pd.Series:
    """Cross-sectional Spearman IC of score and ``fwd_{horizon}``, one value per usable date."""
    data = panel[["date", "score", f"fwd_{horizon}"]].dropna()
    data = data.rename(columns={f"fwd_{horizon}": "fwd"})
    counts = data.groupby("date")["score"].transform("size")
    spread = data.groupby("date")["score"].transform(lambda s: s.max() - s.min())
    data = data[(counts >= MIN_NAMES) & (spread > 0)]
    if data.empty:
        return pd.Series(dtype=float, name="ic")
    ranks = data.groupby("date")[["score", "fwd"]].rank(method="average")
    ranks["date"] = data["date"]
    ic = ranks.groupby("date").apply(lambda g: g["score"].corr(g["fwd"]), include_groups=False)
    return ic.dropna().rename("ic")


@dataclass(frozen=True)
class FactorResult:
    """The factor report: IC and high-vs-low returns per horizon, and coverage.

    Attributes:
        ic: Per horizon: dates, mean IC, its sd, and the non-overlapping t-test (dates, t, p).
        quantiles: Per horizon: mean forward return of high and low halves, spread, dates.
        coverage: Per ticker: days, days with a score above 0, days with a material score.
        tickers: Tickers in the panel; ``missing``: tickers left out, with the reason.
    """

    ic: pd.DataFrame
    quantiles: pd.DataFrame
    coverage: pd.DataFrame
    tickers: tuple[str, ...]
    missing: tuple[str, ...]

    def statement(self) -> str:
        """The finding in plain words."""
        if self.ic.empty or self.ic["dates"].sum() == 0:
            return (
                f"No date had {MIN_NAMES} or more stocks with differing scores: the factor "
                "cannot be measured on this universe."
            )
        parts = [
            f"{int(r.horizon)}-day IC {r.mean_ic:+.3f} (t {r.t:+.2f}, p {r.p:.3f} on "
            f"{int(r.t_dates)} non-overlapping dates)"
            for r in self.ic.itertuples()
        ]
        return (
            f"Across {len(self.tickers)} stocks: " + "; ".join(parts) + ". A cross-section "
            f"of {len(self.tickers)} names is narrow: each day's IC rests on a few ranks, so "
            "read these as descriptive."
        )


def factor_report(panel: pd.DataFrame, missing: Sequence[str] = ()) -> FactorResult:
    """IC, high-vs-low returns and coverage of a :func:`factor_panel`."""
    ic_rows, q_rows = [], []
    for h in HORIZONS:
        ic = daily_ic(panel, h) if len(panel) else pd.Series(dtype=float)
        sampled = ic.iloc[::h]
        t, p = _t_test(sampled.to_numpy())
        ic_rows.append(
            {
                "horizon": h,
                "dates": len(ic),
                "mean_ic": float(ic.mean()) if len(ic) else math.nan,
                "sd_ic": float(ic.std(ddof=1)) if len(ic) > 1 else math.nan,
                "t_dates": len(sampled),
                "t": t,
                "p": p,
            }
        )
        q_rows.append({"horizon": h, **_high_low(panel, h)})
    coverage = _coverage(panel)
    tickers = tuple(sorted(panel["ticker"].unique())) if len(panel) else ()
    return FactorResult(
        pd.DataFrame(ic_rows), pd.DataFrame(q_rows), coverage, tickers, tuple(missing)
    )


def _t_test(values: np.ndarray) -> tuple[float, float]:
    if len(values) < 2 or not np.std(values, ddof=1) > 0:
        return math.nan, math.nan
    result = stats.ttest_1samp(values, 0.0)
    return float(result.statistic), float(result.pvalue)


def _high_low(panel: pd.DataFrame, h: int) -> dict[str, float]:
    column = f"fwd_{h}"
    if not len(panel):
        return {"high": math.nan, "low": math.nan, "spread": math.nan, "dates": 0}
    data = panel[["date", "score", column]].dropna()
    counts = data.groupby("date")["score"].transform("size")
    data = data[counts >= MIN_NAMES]
    median = data.groupby("date")["score"].transform("median")
    high = data[data["score"] > median].groupby("date")[column].mean()
    low = data[data["score"] < median].groupby("date")[column].mean()
    both = high.index.intersection(low.index)
    return {
        "high": float(high.loc[both].mean()) if len(both) else math.nan,
        "low": float(low.loc[both].mean()) if len(both) else math.nan,
        "spread": float((high.loc[both] - low.loc[both]).mean()) if len(both) else math.nan,
        "dates": len(both),
    }


def _coverage(panel: pd.DataFrame) -> pd.DataFrame:
    columns = ["ticker", "days", "nonzero_days", "material_days"]
    if not len(panel):
        return pd.DataFrame(columns=columns)
    grouped = panel.groupby("ticker")["score"]
    out = pd.DataFrame(
        {
            "days": grouped.size(),
            "nonzero_days": grouped.apply(lambda s: int((s > 0).sum())),
            "material_days": grouped.apply(lambda s: int((s >= MATERIAL_SCORE).sum())),
        }
    ).reset_index()
    total = pd.DataFrame(
        [["all", out["days"].sum(), out["nonzero_days"].sum(), out["material_days"].sum()]],
        columns=columns,
    )
    return pd.concat([out[columns], total], ignore_index=True)
