"""The market model r_i = a + b r_m, fitted by OLS, and the variances of its prediction errors.

An abnormal return (AR) is the stock's return minus the market model's prediction. Its variance
is the *full prediction-error variance* (MacKinlay 1997, eq. 14 and 17), not the large-sample
shortcut ``L * sigma^2``: for event-window regressors X* (rows ``[1, r_m]``),

    Var(AR)  = sigma^2 * (I + X* (X'X)^-1 X*')
    Var(CAR) = 1' Var(AR) 1 = sigma^2 * (L + 1' X* (X'X)^-1 X*' 1)

with sigma^2 the residual variance of the estimation window (``n - 2`` degrees of freedom). The
extra term accounts for the estimation error of a and b, so a short estimation window is not
over-confident; it vanishes as the window grows. The single-day variance equals statsmodels'
``get_prediction(...).se_obs ** 2``, and the CAR variance equals ``L * scale + s' cov_params s``
with ``s`` the column sums of X*. t-statistics use the t distribution with ``n - 2`` degrees of
freedom; p-values are two-sided.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import stats

MIN_ESTIMATION_DAYS = 10
"""Fewer returns than this in an estimation window cannot fit a meaningful market model."""


@dataclass(frozen=True)
class MarketModel:
    """An OLS fit of stock returns on market returns over one estimation window.

    Attributes:
        alpha: Intercept a (daily, simple returns).
        beta: Slope b on the market return.
        sigma2: Residual variance, sum of squared residuals / (n - 2).
        n: Number of returns the fit used.
        xtx_inv: ``(X'X)^-1`` for X with rows ``[1, r_m]`` (2 x 2).
    """

    alpha: float
    beta: float
    sigma2: float
    n: int
    xtx_inv: np.ndarray

    @property
    def dof(self) -> int:
        """Degrees of freedom of the residual variance, ``n - 2``."""
        return self.n - 2

    @property
    def sigma(self) -> float:
        """Residual standard deviation (daily)."""
        return math.sqrt(self.sigma2)

    def expected(self, market: np.ndarray) -> np.ndarray:
        """Normal (expected) returns ``a + b r_m`` for market returns ``market``."""
        return self.alpha + self.beta * np.asarray(market, dtype=float)

    def ar_variance(self, market: np.ndarray) -> np.ndarray:
        """Prediction-error variance of each day's abnormal return (the diagonal of Var(AR))."""
        x = _design(market)
        return self.sigma2 * (1.0 + np.einsum("ij,jk,ik->i", x, self.xtx_inv, x))

    def car_variance(self, market: np.ndarray) -> float:
        """Prediction-error variance of the sum of the abnormal returns over ``market``'s days."""
        x = _design(market)
        s = x.sum(axis=0)
        return float(self.sigma2 * (len(x) + s @ self.xtx_inv @ s))


def _design(market: np.ndarray) -> np.ndarray:
    x = np.asarray(market, dtype=float).reshape(-1)
    return np.column_stack([np.ones_like(x), x])


def fit_market_model(stock: np.ndarray, market: np.ndarray) -> MarketModel:
    """Fit ``stock = a + b market + e`` by ordinary least squares.

    Args:
        stock: The stock's simple daily returns over the estimation window.
        market: The benchmark's simple daily returns on the same days.

    Raises:
        ValueError: fewer than :data:`MIN_ESTIMATION_DAYS` returns, NaNs, or a market return
            series with no variance (the slope is then undefined).
    """
    y = np.asarray(stock, dtype=float).reshape(-1)
    x = _design(market)
    if len(y) != len(x):
        raise ValueError(f"{len(y)} stock returns but {len(x)} market returns")
    if len(y) < MIN_ESTIMATION_DAYS:
        raise ValueError(f"{len(y)} returns; the market model needs at least {MIN_ESTIMATION_DAYS}")
    if not (np.isfinite(y).all() and np.isfinite(x).all()):
        raise ValueError("returns hold NaN or infinite values")
    if np.ptp(x[:, 1]) == 0.0:
        raise ValueError("the market return is constant over the estimation window")
    coef, *_ = np.linalg.lstsq(x, y, rcond=None)
    residuals = y - x @ coef
    n = len(y)
    sigma2 = float(residuals @ residuals) / (n - 2)
    xtx_inv = np.linalg.inv(x.T @ x)
    return MarketModel(
        alpha=float(coef[0]), beta=float(coef[1]), sigma2=sigma2, n=n, xtx_inv=xtx_inv
    )


def t_test(value: float, variance: float, dof: int) -> tuple[float, float]:
    """t statistic ``value / sqrt(variance)`` and its two-sided p-value with ``dof`` degrees.

    A zero variance gives ``(nan, nan)`` rather than a division error.
    """
    if not variance > 0.0:
        return math.nan, math.nan
    t = value / math.sqrt(variance)
    return t, float(2.0 * stats.t.sf(abs(t), dof))
