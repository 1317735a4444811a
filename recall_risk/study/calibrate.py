"""Fit the score's component weights to the event study's CARs (non-negative least squares).

Model: ``-CAR_i ~ sum_c b_c * dC_c(i)`` where ``dC_c(i)`` is the jump event i caused in the
unweighted component c at its day 0 (:func:`~recall_risk.study.against.score_jumps`), with every
``b_c >= 0`` (more bad news never predicts a rise) and no intercept (no event, no abnormal
return). ``scipy.optimize.nnls`` solves it. The score's weights live in [0, 1] and only their
ratios matter to a threshold strategy's ranking of days, so the fitted weights are ``b / max(b)``.
A component with no event that moves it cannot be fitted and keeps its current weight (listed
as not fitted; that weight is on the old scale, not on the fitted ``b / max(b)`` one, so read a
mixed result with care). The fit is linear in the jumps, while the score combines components as
``1 - prod(1 - w_c * C_c)``: for one event at a time (one component jumping) that is monotone in
``w_c * dC_c``, so the linear model ranks events as the score would, but the fitted weights are
an approximation of the score's, not its exact least-squares optimum. Leave-one-out error
refits without each event in turn and predicts it; it is
reported beside the error of predicting no abnormal return at all, the baseline to beat.

With a handful of events this is a description of those events, not an estimate to trust:
:data:`MIN_SENSIBLE_EVENTS` is the count below which a loud warning is raised.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import yaml
from scipy.optimize import nnls

from recall_risk.scoring import COMPONENTS, ScoreParams
from recall_risk.study.write import atomic_write_text

MIN_SENSIBLE_EVENTS = 20


@dataclass(frozen=True)
class Calibration:
    """Fitted component weights and how well they predict held-out events.

    Attributes:
        n: Events used.
        coefficients: Raw NNLS coefficients ``b_c`` (CAR per unit of component jump).
        fitted: Components with at least one event that moved them.
        params: The score parameters with the fitted weights (others unchanged).
        loo_rmse: Leave-one-out root-mean-square error of the predicted ``-CAR``.
        baseline_rmse: Root-mean-square of ``-CAR`` (the error of predicting zero).
        warnings: Messages to show loudly (too few events, nothing fitted).
    """

    n: int
    coefficients: dict[str, float]
    fitted: tuple[str, ...]
    params: ScoreParams
    loo_rmse: float
    baseline_rmse: float
    warnings: tuple[str, ...]

    def fit_text(self) -> str:
        """``recall 0.1234, ...; leave-one-out RMSE 0.0123 vs no-model baseline 0.0145``."""
        weights = self.params.weights.model_dump()
        return (
            ", ".join(f"{k} {v:.4f}" for k, v in weights.items())
            + f"; leave-one-out RMSE {self.loo_rmse:.4f} vs no-model baseline "
            f"{self.baseline_rmse:.4f}"
        )


def _fit(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    if not len(y) or not x.any():
        return np.zeros(x.shape[1])
    coef, _ = nnls(x, y)
    return coef


def calibrate_weights(jumps: pd.DataFrame, base: ScoreParams | None = None) -> Calibration:
    """Fit weights to a :func:`~recall_risk.study.against.score_jumps` frame.

    Args:
        jumps: Component jumps and CARs of the studied events.
        base: Parameters whose weights are replaced (defaults when ``None``).
    """
    base = base or ScoreParams()
    x = jumps[list(COMPONENTS)].to_numpy(dtype=float)
    y = -jumps["car"].to_numpy(dtype=float)
    n = len(y)
    coef = _fit(x, y)
    fitted = tuple(c for j, c in enumerate(COMPONENTS) if (x[:, j] > 0).any())
    errors = [float(x[i] @ _fit(np.delete(x, i, 0), np.delete(y, i)) - y[i]) for i in range(n)]
    loo = math.sqrt(float(np.mean(np.square(errors)))) if n else math.nan
    baseline = math.sqrt(float(np.mean(np.square(y)))) if n else math.nan
    weights = base.weights.model_dump()
    top = max((coef[COMPONENTS.index(c)] for c in fitted), default=0.0)
    for c in fitted:
        weights[c] = round(float(coef[COMPONENTS.index(c)] / top), 6) if top > 0 else 0.0
    params = base.model_copy(update={"weights": base.weights.model_copy(update=weights)})
    warnings = []
    if n < MIN_SENSIBLE_EVENTS:
        warnings.append(
            f"only {n} events: fewer than {MIN_SENSIBLE_EVENTS}, so these weights describe "
            "these few events and will not generalise; do not use them for decisions"
        )
    if fitted and top == 0:
        warnings.append("no component predicts a fall (every coefficient is 0): weights all 0")
    if n and not loo < baseline:
        warnings.append(
            f"leave-one-out error {loo:.4f} is not below the no-model baseline {baseline:.4f}: "
            "the fitted weights predict held-out events no better than predicting nothing"
        )
    return Calibration(
        n=n,
        coefficients={c: float(coef[j]) for j, c in enumerate(COMPONENTS)},
        fitted=fitted,
        params=params,
        loo_rmse=loo,
        baseline_rmse=baseline,
        warnings=tuple(warnings),
    )


@dataclass(frozen=True)
class FoldComparison:
    """Out-of-sample error of calibrated against default weights on the same held-out folds.

    Each fold holds out one group (a company, or a year), fits on the rest and predicts the
    held-out events' ``-CAR``. *Calibrated*: NNLS weights on the component jumps (as
    :func:`calibrate_weights`). *Defaults*: the default weights' combination
    ``sum_c w_c dC_c`` times one non-negative scale fitted on the same training events, so
    both models turn a jump into a return and differ only in the weights. *Zero*: predicting no
    abnormal return. Errors are root-mean-square over every held-out event.

    Attributes:
        scheme: ``leave-one-company-out`` or ``leave-one-year-out``.
        folds: Number of folds (groups).
        n: Held-out events in all.
        calibrated_rmse, default_rmse, zero_rmse: The three errors.
    """

    scheme: str
    folds: int
    n: int
    calibrated_rmse: float
    default_rmse: float
    zero_rmse: float

    @property
    def beats_defaults(self) -> bool:
        """Whether the calibrated weights predicted held-out events better than the defaults."""
        return self.calibrated_rmse < self.default_rmse

    def sentence(self) -> str:
        """The comparison in plain words."""
        outcome = (
            "the calibrated weights beat the defaults out of sample"
            if self.beats_defaults
            else "the calibrated weights do NOT beat the defaults out of sample"
        )
        return (
            f"{self.scheme} ({self.folds} folds, {self.n} held-out events): RMSE calibrated "
            f"{self.calibrated_rmse:.4f}, defaults {self.default_rmse:.4f}, zero "
            f"{self.zero_rmse:.4f}; {outcome}"
            + (
                ""
                if self.calibrated_rmse < self.zero_rmse
                else (
                    "; but it does not beat predicting no abnormal return at all"
                    if self.beats_defaults
                    else "; nor does it beat predicting no abnormal return at all"
                )
            )
            + "."
        )


def _rmse(errors: list[float]) -> float:
    return math.sqrt(float(np.mean(np.square(errors)))) if errors else math.nan


def out_of_sample(
    jumps: pd.DataFrame, groups: pd.Series, scheme: str, base: ScoreParams | None = None
) -> FoldComparison:
    """Leave-one-group-out errors of calibrated vs default weights (see :class:`FoldComparison`).

    Args:
        jumps: Component jumps and CARs (as :func:`calibrate_weights` takes).
        groups: The fold of each row (company or year), aligned with ``jumps``.
        scheme: Name of the folds, for reports.
        base: The default parameters (their weights are the "defaults").
    """
    base = base or ScoreParams()
    x = jumps[list(COMPONENTS)].to_numpy(dtype=float)
    y = -jumps["car"].to_numpy(dtype=float)
    default_w = np.array([base.weights.model_dump()[c] for c in COMPONENTS], dtype=float)
    labels = np.asarray([str(g) for g in groups])
    calibrated, default, zero = [], [], []
    folds = sorted(set(labels))
    for label in folds:
        test, train = labels == label, labels != label
        coef = _fit(x[train], y[train])
        scale = _fit((x[train] @ default_w)[:, None], y[train])
        calibrated += list(x[test] @ coef - y[test])
        default += list((x[test] @ default_w) * scale[0] - y[test])
        zero += list(-y[test])
    return FoldComparison(
        scheme=scheme,
        folds=len(folds),
        n=len(y),
        calibrated_rmse=_rmse(calibrated),
        default_rmse=_rmse(default),
        zero_rmse=_rmse(zero),
    )


def params_yaml(
    calibration: Calibration,
    *,
    origin: str,
    comparisons: tuple[FoldComparison, ...] = (),
) -> str:
    """YAML text of the fitted parameters, with the fit's facts and warnings as comments.

    The mapping is loadable by :func:`~recall_risk.scoring.load_score_params` and can be pasted
    as a run config's ``score:`` section.
    """
    c = calibration
    lines = [
        f"# Score parameters with component weights fitted to event-study CARs ({origin}).",
        f"# Events used: {c.n}. NNLS of -CAR on component jumps; weights = b / max(b).",
        "# Coefficients b: " + ", ".join(f"{k} {v:.6g}" for k, v in c.coefficients.items()),
        "# Fitted: "
        + (", ".join(c.fitted) or "none")
        + "; other components keep their previous weights.",
        f"# Leave-one-out RMSE {c.loo_rmse:.6f} vs no-model baseline {c.baseline_rmse:.6f}.",
    ]
    lines += [f"# Out of sample, {f.sentence()}" for f in comparisons]
    if comparisons and not all(f.beats_defaults for f in comparisons):
        lines.append(
            "# WARNING: out of sample these weights do not beat the defaults on every fold "
            "scheme above; keep the defaults unless you have a reason the folds do not capture."
        )
    lines += [f"# WARNING: {w}" for w in c.warnings]
    body = yaml.safe_dump(c.params.model_dump(mode="json"), sort_keys=False)
    return "\n".join(lines) + "\n" + body


def write_params_yaml(
    calibration: Calibration,
    path: Path,
    *,
    origin: str,
    comparisons: tuple[FoldComparison, ...] = (),
) -> Path:
    """Write :func:`params_yaml` to ``path`` atomically and return the path."""
    atomic_write_text(path, params_yaml(calibration, origin=origin, comparisons=comparisons))
    return path
