"""Pooled score tests: within-company permutation Spearman, company-clustered OLS (against
statsmodels), the high-jump share, and out-of-sample calibration folds."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from recall_risk.scoring import COMPONENTS, ScoreParams
from recall_risk.study.calibrate import out_of_sample
from recall_risk.study.pooled_score import clustered_ols, pooled_against
from recall_risk.study.stats import spearman_permutation

sm = pytest.importorskip("statsmodels.api")  # a test dependency: checks the clustered SEs


def test_within_group_permutation_ignores_a_between_group_correlation() -> None:
    # Two companies: B has bigger jumps and lower CARs, but inside each company the order is
    # random. Pooled ranks correlate; shuffling only within company must not call it significant.
    rng = np.random.default_rng(7)
    x = np.r_[rng.uniform(0, 1, 15), rng.uniform(2, 3, 15)]
    y = np.r_[rng.normal(0.02, 0.01, 15), rng.normal(-0.02, 0.01, 15)]
    groups = ["A"] * 15 + ["B"] * 15
    rho, p_free = spearman_permutation(x, y, permutations=2000)
    rho_g, p_within = spearman_permutation(x, y, permutations=2000, groups=groups)
    assert rho == rho_g < -0.5
    assert p_free < 0.001
    assert p_within > 0.05
    again = spearman_permutation(x, y, permutations=2000, groups=groups)
    assert again == (rho_g, p_within)  # seeded: deterministic


def test_within_group_permutation_finds_a_real_within_group_correlation() -> None:
    rng = np.random.default_rng(8)
    x = rng.uniform(0, 1, 40)
    y = -x + rng.normal(0, 0.2, 40)
    groups = [f"c{i % 4}" for i in range(40)]
    rho, p = spearman_permutation(x, y, permutations=2000, groups=groups)
    assert rho < -0.4 and p < 0.01


def test_clustered_ols_matches_statsmodels() -> None:
    rng = np.random.default_rng(9)
    groups = np.repeat(["a", "b", "c", "d", "e"], 8)
    x = rng.uniform(0, 1, 40)
    y = 0.01 - 0.03 * x + rng.normal(0, 0.02, 40) + np.repeat(rng.normal(0, 0.01, 5), 8)
    ours = clustered_ols(x, y, groups)
    codes = pd.factorize(groups)[0]
    fit = sm.OLS(y, sm.add_constant(x)).fit(cov_type="cluster", cov_kwds={"groups": codes})
    assert ours.slope == pytest.approx(fit.params[1], rel=1e-10)
    assert ours.intercept == pytest.approx(fit.params[0], rel=1e-10)
    assert ours.se == pytest.approx(fit.bse[1], rel=1e-10)
    assert ours.clusters == 5


def _frame(n: int = 24, seed: int = 10) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    rows = []
    for i in range(n):
        comps = dict.fromkeys(COMPONENTS, 0.0)
        kind = "incident" if i % 2 else "recall"
        comps[kind] = float(rng.uniform(0.2, 1.0))
        # Only incidents move the price: CAR = -0.08 * incident jump + noise.
        car = -0.08 * comps["incident"] + float(rng.normal(0, 0.005))
        rows.append(
            {
                "company": f"c{i % 4}",
                "year": 2022 + i % 3,
                "score_jump": comps[kind] * 0.5,
                **comps,
                "car": car,
            }
        )
    return pd.DataFrame(rows)


def test_calibration_beats_defaults_out_of_sample_when_one_component_matters() -> None:
    frame = _frame()
    for scheme, groups in (("company", frame["company"]), ("year", frame["year"])):
        fold = out_of_sample(frame, groups, scheme, ScoreParams())
        assert fold.folds == groups.nunique() and fold.n == len(frame)
        assert fold.calibrated_rmse < fold.default_rmse < fold.zero_rmse
        assert fold.beats_defaults and "do NOT" not in fold.sentence()


def test_calibration_says_plainly_when_it_does_not_beat_defaults() -> None:
    rng = np.random.default_rng(11)
    frame = _frame(seed=12).assign(car=rng.normal(0, 0.02, 24))  # pure noise
    by_company = out_of_sample(frame, frame["company"], "company")
    by_year = out_of_sample(frame, frame["year"], "year")
    assert not by_company.beats_defaults  # this seed: the fitted weights lose on companies
    assert "the calibrated weights do NOT beat the defaults" in by_company.sentence()
    for fold in (by_company, by_year):  # and noise is best predicted by nothing at all
        assert fold.zero_rmse <= fold.calibrated_rmse
        assert "beat predicting no abnormal return at all" in fold.sentence()


def test_pooled_against_counts_high_jump_events_and_states_the_finding() -> None:
    frame = _frame()
    result = pooled_against(frame, window="[0,+1]")
    high = frame["score_jump"] > np.quantile(frame["score_jump"], 2 / 3)
    assert result.high == int(high.sum())
    assert result.high_negative == int((high & (frame["car"] < 0)).sum())
    assert result.n == 24 and result.companies == 4
    assert "shuffled within company" in result.statement
    assert f"{result.high_negative} of the {result.high} high-jump events" in result.statement
