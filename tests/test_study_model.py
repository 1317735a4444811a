"""Market model, ARs and t-statistics against statsmodels OLS; planted abnormal returns."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from statsmodels.regression.linear_model import OLS
from statsmodels.tools.tools import add_constant

from recall_risk.errors import ConfigError
from recall_risk.events import EventSet, Incident
from recall_risk.study.core import run_event_study
from recall_risk.study.market_model import fit_market_model, t_test
from recall_risk.study.options import StudyOptions, parse_window


def _synthetic(n: int = 600, seed: int = 7, alpha: float = 0.0004, beta: float = 1.3):
    rng = np.random.default_rng(seed)
    market = rng.normal(0.0003, 0.011, n)
    stock = alpha + beta * market + rng.normal(0.0, 0.015, n)
    index = pd.bdate_range("2020-01-01", periods=n, name="date")
    return pd.DataFrame({"stock": stock, "market": market}, index=index)


def _incident(event_id: str, announced: date) -> Incident:
    return Incident(id=event_id, announced=announced, source="test", fatalities=1)


def _event_set(*events: Incident) -> EventSet:
    return EventSet(company="Test", ticker="TEST", benchmark="^IDX", events=events)


def test_fit_matches_statsmodels_ols() -> None:
    frame = _synthetic()
    y, x = frame["stock"].to_numpy()[:250], frame["market"].to_numpy()[:250]
    model = fit_market_model(y, x)
    ols = OLS(y, add_constant(x)).fit()
    assert model.alpha == pytest.approx(ols.params[0], abs=1e-12)
    assert model.beta == pytest.approx(ols.params[1], abs=1e-9)
    assert model.sigma2 == pytest.approx(ols.scale, rel=1e-9)
    assert model.dof == ols.df_resid
    np.testing.assert_allclose(model.sigma2 * model.xtx_inv, ols.cov_params(), rtol=1e-9)


def test_ar_and_t_stats_match_statsmodels_prediction() -> None:
    frame = _synthetic()
    options = StudyOptions(window=(-2, 4), estimation_days=250, gap_days=10)
    announced = frame.index[400].date()
    result = run_event_study(
        [_incident("e1", announced)], frame, options, ticker="TEST", benchmark="^IDX"
    )
    (study,) = result.events
    assert study.ok and study.day0 == announced
    est = frame.iloc[400 - 260 : 400 - 10]
    assert study.estimation == (est.index[0].date(), est.index[-1].date())
    ols = OLS(est["stock"].to_numpy(), add_constant(est["market"].to_numpy())).fit()
    window = frame.iloc[398:405]
    exog = add_constant(window["market"].to_numpy(), has_constant="add")
    prediction = ols.get_prediction(exog)
    expected_ar = window["stock"].to_numpy() - prediction.predicted_mean
    np.testing.assert_allclose(study.ar, expected_ar, rtol=0, atol=1e-12)
    np.testing.assert_allclose(study.ar_variance, prediction.se_obs**2, rtol=1e-9)
    for k, day in enumerate(range(-2, 5)):
        t, p = study.ar_test(day)
        t_ref = expected_ar[k] / prediction.se_obs[k]
        assert t == pytest.approx(t_ref, rel=1e-9)
        assert p == pytest.approx(2 * stats.t.sf(abs(t_ref), ols.df_resid), rel=1e-9)
    # CAR over [0, +1]: L * scale + s' cov_params s, s the column sums of the window's X rows
    rows = exog[2:4]
    s = rows.sum(axis=0)
    var_ref = 2 * ols.scale + s @ ols.cov_params() @ s
    car = study.cars[(0, 1)]
    assert car.car == pytest.approx(expected_ar[2:4].sum(), abs=1e-12)
    assert car.variance == pytest.approx(var_ref, rel=1e-9)
    assert car.t == pytest.approx(expected_ar[2:4].sum() / np.sqrt(var_ref), rel=1e-9)
    # the full-variance CAR t is never larger than with the large-sample L * sigma^2 shortcut
    assert abs(car.t) <= abs(car.car / np.sqrt(2 * ols.scale))


@pytest.mark.parametrize("planted", [-0.08, -0.06, 0.07])
def test_planted_abnormal_return_is_recovered(planted: float) -> None:
    frame = _synthetic(seed=11)
    days = [300, 420, 540]
    for i in days:
        frame.iloc[i + 1, 0] += planted  # day +1
    events = [_incident(f"e{i}", frame.index[i].date()) for i in days]
    result = run_event_study(events, frame, ticker="TEST", benchmark="^IDX")
    for study in result.events:
        assert study.ok
        assert study.ar_on(1) == pytest.approx(planted, abs=0.045)
        t, p = study.ar_test(1)
        assert np.sign(t) == np.sign(planted) and p < 0.01
    mean_ar = np.mean([s.ar_on(1) for s in result.events])
    assert mean_ar == pytest.approx(planted, abs=0.02)


def test_planted_return_exact_without_noise() -> None:
    index = pd.bdate_range("2021-01-01", periods=400, name="date")
    rng = np.random.default_rng(3)
    market = rng.normal(0.0, 0.01, 400)
    stock = 0.001 + 0.9 * market + 1e-5 * rng.normal(size=400)
    stock[351] -= 0.05
    frame = pd.DataFrame({"stock": stock, "market": market}, index=index)
    result = run_event_study(
        [_incident("e", index[350].date())], frame, ticker="TEST", benchmark="^IDX"
    )
    (study,) = result.events
    assert study.model is not None and study.model.beta == pytest.approx(0.9, abs=1e-3)
    assert study.ar_on(1) == pytest.approx(-0.05, abs=1e-4)
    assert study.cars[(0, 1)].car == pytest.approx(-0.05, abs=2e-4)
    assert study.cars[(0, 1)].p < 1e-6


def test_t_test_zero_variance_is_nan() -> None:
    t, p = t_test(0.1, 0.0, 10)
    assert np.isnan(t) and np.isnan(p)


def test_fit_rejects_short_or_constant_input() -> None:
    with pytest.raises(ValueError, match="at least"):
        fit_market_model(np.zeros(5), np.arange(5.0))
    with pytest.raises(ValueError, match="constant"):
        fit_market_model(np.arange(20.0), np.ones(20))
    with pytest.raises(ValueError, match="NaN"):
        fit_market_model(np.r_[np.nan, np.arange(19.0)], np.arange(20.0))


def test_options_validation() -> None:
    assert parse_window("-1, 5", what="--window") == (-1, 5)
    with pytest.raises(ConfigError, match="--window"):
        parse_window("5", what="--window")
    with pytest.raises(ConfigError, match="after last day"):
        parse_window("3,1", what="--window")
    with pytest.raises(ConfigError, match="--gap-days"):
        StudyOptions(window=(-5, 5), gap_days=2)
    with pytest.raises(ConfigError, match="--estimation-days"):
        StudyOptions(estimation_days=3)
    with pytest.raises(ConfigError, match="not inside the event window"):
        StudyOptions(window=(0, 3), primary_window=(-1, 1))
    assert StudyOptions(window=(0, 3)).all_car_windows == ((0, 1), (0, 0), (0, 3))
    assert StudyOptions().estimation_span == (-280, -31)
