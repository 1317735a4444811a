"""Score jumps against CARs, and the NNLS calibration of component weights."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
import yaml

from recall_risk.events import load_events
from recall_risk.prices import CsvDirectorySource
from recall_risk.scoring import COMPONENTS, ScoreParams, event_magnitudes, score_events
from recall_risk.study.against import against_score, score_jumps
from recall_risk.study.calibrate import MIN_SENSIBLE_EVENTS, calibrate_weights, params_yaml
from recall_risk.study.data import study_event_set


@pytest.fixture(scope="module")
def xiaomi(prices_dir):
    event_set = load_events("xiaomi_su7")
    (result,) = study_event_set(event_set, CsvDirectorySource(prices_dir))
    return event_set, result


def _jumps(x: np.ndarray, car: np.ndarray) -> pd.DataFrame:
    # x gives the first components' jumps; later components (investigation, regulatory) jump 0
    x = np.pad(x, ((0, 0), (0, len(COMPONENTS) - x.shape[1])))
    frame = pd.DataFrame(x, columns=list(COMPONENTS))
    frame.insert(0, "id", [f"e{i}" for i in range(len(car))])
    frame["score_jump"] = x.max(axis=1)
    frame["car"] = car
    return frame


def test_jump_is_what_the_event_alone_added(xiaomi) -> None:
    event_set, result = xiaomi
    jumps = score_jumps(event_set, result).set_index("id")
    assert len(jumps) == 14
    crash = event_set.by_id("crash-2025-03-29")
    day0 = pd.Timestamp("2025-03-31").date()
    known = [e for e in event_set if e.announced <= day0]
    with_crash = score_events(known, [day0]).iloc[0]
    without = score_events([e for e in known if e is not crash], [day0]).iloc[0]
    assert jumps.loc["crash-2025-03-29", "score_jump"] == with_crash["score"] - without["score"]
    assert jumps.loc["crash-2025-03-29", "incident"] == with_crash["incident"]
    # the first recall is the only event with a magnitude then: its jump is weight x magnitude
    magnitudes = event_magnitudes(event_set).set_index("id")["magnitude"]
    first_recall = jumps.loc["samr-2025-01-su7-parking"]
    assert first_recall["recall"] == pytest.approx(magnitudes["samr-2025-01-su7-parking"])
    assert first_recall["score_jump"] == pytest.approx(
        ScoreParams().weights.recall * magnitudes["samr-2025-01-su7-parking"]
    )
    # deliveries without a reported decline do not move the score
    assert (jumps.loc[jumps["type"] == "deliveries", "score_jump"] == 0).all()


def test_against_score_on_xiaomi_is_honest(xiaomi) -> None:
    event_set, result = xiaomi
    test = against_score(score_jumps(event_set, result), window="[0,+1]")
    assert test.n == 14 and test.supporting + test.contrary + test.no_jump == 14
    assert test.no_jump == 7
    assert "14 events" in test.statement and "permutation p" in test.statement
    assert f"{test.supporting} of {test.supporting + test.contrary}" in test.statement
    again = against_score(score_jumps(event_set, result), window="[0,+1]")
    assert again == test  # fixed seed: deterministic


def test_against_score_detects_planted_relation() -> None:
    rng = np.random.default_rng(1)
    jump = rng.uniform(0, 1, 30)
    x = np.zeros((30, 4))
    x[:, 3] = jump
    works = against_score(_jumps(x, -0.05 * jump + rng.normal(0, 0.005, 30)))
    assert works.rho < -0.8 and works.p < 0.001
    assert "Larger score jumps went with larger falls" in works.statement
    wrong = against_score(_jumps(x, 0.05 * jump + rng.normal(0, 0.005, 30)))
    assert wrong.rho > 0.8 and "wrong way" in wrong.statement
    few = against_score(_jumps(x[:2], np.array([-0.01, 0.02])))
    assert math.isnan(few.rho) and "Not testable" in few.statement


def test_calibration_recovers_planted_weights() -> None:
    rng = np.random.default_rng(2)
    n = 40
    x = np.zeros((n, 4))
    component = np.arange(n) % 4
    x[np.arange(n), component] = rng.uniform(0.1, 1.0, n)
    b = np.array([0.04, 0.0, 0.01, 0.08])  # CAR per unit jump; quality predicts nothing
    car = -(x @ b)
    calibration = calibrate_weights(_jumps(x, car))
    assert calibration.n == n and calibration.warnings == ()
    coefficients = list(calibration.coefficients.values())
    np.testing.assert_allclose(coefficients, [*b, 0.0, 0.0], atol=1e-12)
    weights = calibration.params.weights
    assert weights.incident == 1.0 and weights.recall == pytest.approx(0.5)
    assert weights.orders == pytest.approx(0.125) and weights.quality == 0.0
    assert calibration.loo_rmse == pytest.approx(0.0, abs=1e-12)
    assert calibration.baseline_rmse > 0.01


def test_calibration_is_non_negative_and_keeps_unfitted_components() -> None:
    x = np.zeros((25, 4))
    x[:, 0] = np.linspace(0.1, 1.0, 25)
    car = 0.03 * x[:, 0]  # recalls went with *rises*: the weight is clipped at 0, not negative
    base = ScoreParams()
    calibration = calibrate_weights(_jumps(x, car), base)
    assert calibration.fitted == ("recall",)
    assert calibration.coefficients["recall"] == 0.0
    weights = calibration.params.weights
    assert weights.recall == 0.0
    assert (weights.quality, weights.orders, weights.incident) == (
        base.weights.quality,
        base.weights.orders,
        base.weights.incident,
    )
    assert any("no component predicts a fall" in w for w in calibration.warnings)
    assert any("not below the no-model baseline" in w for w in calibration.warnings)


def test_few_events_warn_loudly_in_yaml() -> None:
    x = np.zeros((5, 4))
    x[:, 3] = [0.2, 0.4, 0.6, 0.8, 1.0]
    calibration = calibrate_weights(_jumps(x, -0.1 * x[:, 3]))
    assert calibration.n < MIN_SENSIBLE_EVENTS
    text = params_yaml(calibration, origin="test")
    assert "# WARNING: only 5 events" in text
    assert ScoreParams.from_mapping(yaml.safe_load(text)).weights.incident == 1.0
