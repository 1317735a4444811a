"""The factor report (``recall-risk study --factor``) against alphalens-reloaded, side by side.

alphalens is a peer, not a dependency (0.5.1 warns under pandas 3 and pulls in IPython and
seaborn), so this check lives here, with the ``bench`` extra, not in the tests: it builds a
synthetic six-stock panel, computes the daily information coefficient and the high-vs-low
quantile forward returns with both, asserts they agree to 1e-9 and prints the timings.

    pip install -e ".[bench]" && python bench/factor_vs_alphalens.py
"""

from __future__ import annotations

import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from test_study_factor import _synthetic

from recall_risk.study.factor import HORIZONS, daily_ic, factor_report


def main() -> None:
    try:
        import alphalens as al
    except ImportError:
        sys.exit('alphalens-reloaded is not installed: pip install -e ".[bench]"')
    panel, prices = _synthetic()
    factor = panel.set_index(["date", "ticker"])["score"]
    factor.index = factor.index.set_names(["date", "asset"])
    started = time.perf_counter()
    with warnings.catch_warnings():  # alphalens 0.5.1 warns under pandas 3 (inplace=...)
        warnings.simplefilter("ignore")
        data = al.utils.get_clean_factor_and_forward_returns(
            factor, prices, quantiles=2, periods=HORIZONS, max_loss=1.0
        )
        ic = al.performance.factor_information_coefficient(data)
        by_q = al.performance.mean_return_by_quantile(data, demeaned=False)[0]
    theirs_s = time.perf_counter() - started
    # alphalens keeps only dates with every horizon's forward return: compare on those.
    kept = panel[panel["date"].isin(ic.index)]
    started = time.perf_counter()
    report = factor_report(kept)
    ours_s = time.perf_counter() - started
    for h in HORIZONS:
        ours = daily_ic(kept, h)
        theirs = ic[f"{h}D"]
        assert list(ours.index) == list(theirs.index)
        np.testing.assert_allclose(ours.to_numpy(), theirs.to_numpy(), rtol=1e-9, atol=1e-12)
        row = report.quantiles.set_index("horizon").loc[h]
        assert row["low"] == pytest.approx(by_q.loc[1, f"{h}D"], rel=1e-9)
        assert row["high"] == pytest.approx(by_q.loc[2, f"{h}D"], rel=1e-9)
        print(f"horizon {h:>2}d: mean IC ours {ours.mean():+.6f} alphalens {theirs.mean():+.6f}")
    print(f"IC and quantile returns agree to 1e-9 on {len(kept)} ticker-days")
    print(f"time: recall-risk {ours_s:.3f} s, alphalens {theirs_s:.3f} s")


if __name__ == "__main__":
    main()
