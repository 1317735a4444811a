"""rank_table: constraints, direction, ties in point order, rows without a metric."""

from __future__ import annotations

import math

import pandas as pd

from recall_risk.sweep import ERROR_COLUMN, Constraint, SweepSpec, rank_table, top_rows


def spec(metric: str = "sharpe", maximize: bool = True, constraints=()) -> SweepSpec:
    return SweepSpec(
        strategies=("s",),
        axes=(("a", (1, 2, 3, 4, 5, 6)),),
        sample=None,
        seed=0,
        metric=metric,
        maximize=maximize,
        constraints=tuple(constraints),
        top=3,
        heatmap=None,
    )


TABLE = pd.DataFrame(
    {
        "a": [1, 2, 3, 4, 5, 6],
        "sharpe": [1.0, 2.0, 2.0, math.nan, 0.5, 3.0],
        "max_drawdown": [0.1, 0.2, 0.1, 0.1, 0.05, 0.5],
        "trades": pd.array([1, 2, 3, 0, 1, None], dtype="Int64"),
        ERROR_COLUMN: ["", "", "", "", "", ""],
    }
)


def test_highest_first_ties_in_point_order_missing_metric_infeasible():
    ranked = rank_table(TABLE, spec())
    assert ranked["rank"].tolist() == [4, 2, 3, pd.NA, 5, 1]
    assert ranked["feasible"].tolist() == [True, True, True, False, True, True]
    assert top_rows(ranked, 3)["a"].tolist() == [6, 2, 3]


def test_lowest_first():
    ranked = rank_table(TABLE, spec("max_drawdown", maximize=False))
    assert top_rows(ranked, 6)["a"].tolist() == [5, 1, 3, 4, 2, 6]


def test_constraints_and_errors_exclude_rows():
    table = TABLE.copy()
    table.loc[0, ERROR_COLUMN] = "need 0 < fast < slow"
    constraints = [Constraint("max_drawdown", "<=", 0.3), Constraint("trades", ">=", 1)]
    ranked = rank_table(table, spec(constraints=constraints))
    # row 1 has an error, row 4 no sharpe, row 6 too deep a drawdown (and no trade count)
    assert ranked["feasible"].tolist() == [False, True, True, False, True, False]
    assert top_rows(ranked, 5)["a"].tolist() == [2, 3, 5]


def test_constraint_holds():
    c = Constraint("max_drawdown", "<", 0.3)
    assert c.holds(0.2) and not c.holds(0.3) and not c.holds(None) and not c.holds(math.nan)
    assert str(c) == "max_drawdown < 0.3"


def test_heatmap_shows_only_points_the_ranking_may_choose():
    from dataclasses import replace

    from recall_risk.sweep.write import heatmap_grid

    table = pd.DataFrame(
        {
            "x": [1, 1, 2, 2],
            "y": [10, 10, 10, 20],
            "sharpe": [3.0, 1.0, 2.0, 5.0],
            "max_drawdown": [0.5, 0.1, 0.2, 0.4],
            ERROR_COLUMN: ["", "", "", ""],
        }
    )
    base = replace(spec(constraints=[Constraint("max_drawdown", "<=", 0.3)]), heatmap=("x", "y"))
    grid = heatmap_grid(rank_table(table, base), base)
    # (1, 10): the 3.0 point breaks the drawdown limit, the 1.0 one is best among the rest;
    # (2, 20): its only point is infeasible, so the cell is empty
    assert grid.loc[10, 1] == 1.0 and grid.loc[10, 2] == 2.0
    assert math.isnan(grid.loc[20, 2])
    best_cell = float(pd.DataFrame(grid).max().max())
    ranked = rank_table(table, base)
    assert best_cell == top_rows(ranked, 1)["sharpe"].iloc[0]


def test_top_distinct_collapses_identical_results_with_a_count():
    from recall_risk.sweep import TIED_COLUMN, top_distinct
    from recall_risk.sweep.ranking import tied_text

    table = pd.DataFrame(
        {
            "a": [1, 2, 3, 4, 5, 6],
            "sharpe": [2.0, 2.0, 2.0, 1.0, 2.0, 0.5],
            "max_drawdown": [0.1, 0.1, 0.1, 0.2, 0.3, 0.1],  # row 5: same sharpe, other result
            "trades": pd.array([1, 1, 1, 2, 1, None], dtype="Int64"),
            ERROR_COLUMN: [""] * 6,
        }
    )
    best = top_distinct(rank_table(table, spec()), 3)
    assert best["a"].tolist() == [1, 5, 4]  # the first point of each group stands for it
    assert best[TIED_COLUMN].tolist() == [3, 1, 1]
    assert best["rank"].tolist() == [1, 4, 5]
    assert tied_text(10) == "×10 tied" and tied_text(1) == ""
