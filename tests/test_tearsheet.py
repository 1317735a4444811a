"""Tearsheet figures against independent plain pandas/numpy computations written here, and the
report's returns.csv, tearsheet, evidence and risk sections on a short real run."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from recall_risk.report import tearsheet as ts

CASH = 1000.0
DATES = pd.bdate_range("2023-11-01", periods=200)
RNG = np.random.default_rng(3)
R = pd.Series(RNG.normal(0.0005, 0.015, len(DATES)), index=DATES)
B = pd.Series(RNG.normal(0.0003, 0.01, len(DATES)), index=DATES)
EQUITY = CASH * (1 + R).cumprod()


def test_returns_start_from_the_cash():
    got = ts.returns_of(EQUITY, CASH)
    assert got.iloc[0] == pytest.approx(EQUITY.iloc[0] / CASH - 1)
    np.testing.assert_allclose(got.to_numpy(), R.to_numpy(), rtol=1e-9, atol=1e-12)


def test_monthly_and_yearly_returns_against_resample():
    monthly = ts.monthly_returns(R)
    direct = (1 + R).resample("ME").prod() - 1
    for stamp, value in direct.items():
        assert monthly.loc[stamp.year, stamp.month] == pytest.approx(value, rel=1e-12)
    assert monthly.shape[1] == 12 and math.isnan(monthly.loc[2023, 1])
    yearly = ts.yearly_returns(R)
    for year, value in ((1 + R).groupby(R.index.year).prod() - 1).items():
        assert yearly.loc[year] == pytest.approx(value, rel=1e-12)


def test_rolling_sharpe_and_volatility_against_pandas_rolling():
    window = 60
    sharpe = ts.rolling_sharpe(R, window)
    vol = ts.rolling_volatility(R, window)
    roll = R.rolling(window)
    direct_sharpe = roll.mean() / roll.std(ddof=1) * math.sqrt(252)
    direct_vol = roll.std(ddof=1) * math.sqrt(252)
    assert sharpe.iloc[: window - 1].isna().all() and vol.iloc[: window - 1].isna().all()
    np.testing.assert_allclose(sharpe.iloc[window - 1 :], direct_sharpe.iloc[window - 1 :], 1e-9)
    np.testing.assert_allclose(vol.iloc[window - 1 :], direct_vol.iloc[window - 1 :], 1e-9)


@pytest.mark.parametrize("window", [2, 20, 126, 300])
def test_rolling_figures_equal_empyricals(window):
    """empyrical-reloaded's roll_sharpe_ratio / roll_annual_volatility (the field's reference,
    a test dependency) on returns with flat stretches, where a strategy sat in cash: the same
    NaN and ±inf cells and values to 1e-9."""
    import empyrical as ep

    flat = R.copy()
    flat.iloc[30:170] = 0.0  # longer than a 126-day window: 0/0 there
    flat.iloc[180:195] = 0.001  # constant non-zero: +inf for a short window
    for returns in (R, flat):
        for ours, theirs in (
            (ts.rolling_sharpe(returns, window), ep.roll_sharpe_ratio(returns, window=window)),
            (
                ts.rolling_volatility(returns, window),
                ep.roll_annual_volatility(returns, window=window),
            ),
        ):
            assert ours.index.equals(returns.index)
            if len(returns) < window:
                assert ours.isna().all()
                continue
            got = ours.iloc[window - 1 :].to_numpy()
            want = np.asarray(theirs, dtype=np.float64).reshape(-1)
            assert ours.iloc[: window - 1].isna().all()
            np.testing.assert_allclose(got, want, rtol=1e-9, atol=1e-12)


def test_information_ratio_and_tracking_error():
    active = R - B
    te = active.std(ddof=1) * math.sqrt(252)
    assert ts.tracking_error(R, B) == pytest.approx(te, rel=1e-12)
    assert ts.information_ratio(R, B) == pytest.approx(active.mean() * 252 / te, rel=1e-12)
    assert math.isnan(ts.information_ratio(R, R))


def test_worst_drawdowns_on_a_hand_made_curve():
    dates = pd.bdate_range("2024-01-01", periods=10)
    #          cash 100 -> 90 (first-day drop) 100 120 60 90 120 130 117 104 110
    values = pd.Series([90.0, 100, 120, 60, 90, 120, 130, 117, 104, 110], index=dates)
    got = ts.worst_drawdowns(values, 100.0)
    assert [round(p.depth, 6) for p in got] == [0.5, 0.2, 0.1]
    deep, last, first = got
    assert (deep.start, deep.trough, deep.recovery) == (dates[2], dates[3], dates[5])
    assert deep.days == 3
    assert (last.start, last.trough, last.recovery) == (dates[6], dates[8], None)
    assert last.days == 3
    assert (first.start, first.trough, first.recovery) == (dates[0], dates[0], dates[1])


def test_turnover_counts_both_sides_per_year():
    equity = pd.Series(100.0, index=pd.bdate_range("2024-01-01", periods=252))
    assert ts.turnover([100.0, 100.0], equity) == pytest.approx(2.0)
    assert ts.turnover([], equity) == 0.0


@pytest.fixture(scope="module")
def report(prices_dir, tmp_path_factory) -> Path:
    from recall_risk.config import config_from_mapping
    from recall_risk.report import write_report
    from recall_risk.runner import run_config

    config = config_from_mapping(
        {
            "name": "tear",
            "data": {
                "tickers": ["1810.HK"],
                "benchmark": "^HSI",
                "start": "2024-10-01",
                "end": "2025-09-30",
                "source": "csv",
                "prices_dir": str(prices_dir),
            },
            "events": "xiaomi_su7",
            "strategies": [
                {"name": "buy_and_hold", "strategy": "buy_and_hold"},
                {"name": "risk_exit", "strategy": "risk_exit"},
            ],
            "report": {"png": False},
        },
        source="tear.yaml",
    )
    out = tmp_path_factory.mktemp("tear") / "run"
    write_report(run_config(config), out)
    return out


def test_returns_csv_reads_as_the_libraries_expect(report):
    returns = pd.read_csv(report / "returns.csv", index_col="date", parse_dates=True)
    equity = pd.read_csv(report / "equity.csv", index_col="date", parse_dates=True)
    assert list(returns.columns) == ["buy_and_hold", "risk_exit", "benchmark"]
    assert isinstance(returns.index, pd.DatetimeIndex)
    compounded = (1 + returns["risk_exit"].dropna()).prod() * 100_000
    assert compounded == pytest.approx(equity["risk_exit"].dropna().iloc[-1], rel=1e-9)


def test_reports_show_evidence_risk_figures_and_tearsheet(report):
    import json

    summary = (report / "summary.md").read_text(encoding="utf-8")
    page = (report / "report.html").read_text(encoding="utf-8")
    doc = json.loads((report / "metrics.json").read_text(encoding="utf-8"))
    assert "## Weight of evidence" in summary and "## Risk figures" in summary
    evidence = doc["strategies"]["risk_exit"]["evidence"]
    assert evidence["thin"] is (evidence["round_trips"] < 5 or evidence["events"] < 3)
    assert evidence["total_return_diff"]["low"] <= evidence["total_return_diff"]["point"]
    for heading in ("Weight of evidence", "Risk figures", "Tearsheet: against the benchmark"):
        assert f"<h2>{heading}</h2>" in page
    assert "Tearsheet risk_exit: monthly returns and worst drawdowns" in page
    if evidence["thin"]:  # a thin row is marked and never bolded
        row = next(line for line in summary.splitlines() if line.startswith("| risk_exit †"))
        assert "**" not in row


def test_risk_exits_counted_from_the_deciding_score(report):
    """A sell fills at the open after the close that decided it: count the sells whose previous
    close had the score at or above the lowest threshold, from trades.csv and score.csv."""
    trades = pd.read_csv(report / "trades.csv", parse_dates=["date"])
    scores = pd.read_csv(report / "score.csv", parse_dates=["date"]).set_index("date")["score"]
    sells = trades[(trades["strategy"] == "risk_exit") & (trades["side"] == "sell")]
    exits = sum(float(scores[scores.index < day].iloc[-1]) >= 0.25 for day in sells["date"])
    summary = (report / "summary.md").read_text(encoding="utf-8")
    section = summary[summary.index("## Risk figures") :]
    row = next(line for line in section.splitlines() if line.startswith("| risk_exit |"))
    assert row.split(" | ")[1] == f"{exits} / {len(sells)}"
