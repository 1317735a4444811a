"""Does the score predict the price reaction? Each event's score jump against its CAR.

An event's *score jump* is the score at day 0's close with every event known by then, minus the
same score without that one event: what this event alone added, point in time (events announced
the same day do not borrow each other's jumps). Component jumps are the same difference for the
unweighted components ``recall, quality, orders, incident``. The test is Spearman's rank
correlation between jumps and primary-window CARs, with a fixed-seed permutation p-value; a
score that works gives a *negative* correlation (bigger jump, bigger fall).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from recall_risk.events import EventSet
from recall_risk.scoring import COMPONENTS, ScoreParams, score_events
from recall_risk.study.core import StudyResult
from recall_risk.study.options import window_label
from recall_risk.study.stats import PERMUTATIONS, SEED, spearman_permutation

JUMP_COLUMNS: tuple[str, ...] = ("id", "type", "day0", "score_jump", *COMPONENTS, "car")


def score_jumps(
    event_set: EventSet, result: StudyResult, params: ScoreParams | None = None
) -> pd.DataFrame:
    """Score and component jumps of every studied event at its day 0, beside its primary CAR.

    Returns:
        Columns :data:`JUMP_COLUMNS`, one row per studied event in the study's order.
    """
    params = params or ScoreParams()
    window = result.options.primary_window
    rows = []
    for study in result.studied:
        if study.day0 is None:  # cannot happen: studied events always have a day 0
            continue
        known = [e for e in event_set if e.announced <= study.day0]
        without = [e for e in known if e.id != study.event_id]
        with_row = score_events(known, [study.day0], params).iloc[0]
        without_row = score_events(without, [study.day0], params).iloc[0]
        jump = (with_row - without_row).to_dict()
        rows.append(
            {
                "id": study.event_id,
                "type": study.event_type,
                "day0": study.day0.isoformat(),
                "score_jump": float(jump["score"]),
                **{c: float(jump[c]) for c in COMPONENTS},
                "car": study.cars[window].car,
            }
        )
    return pd.DataFrame(rows, columns=list(JUMP_COLUMNS))


@dataclass(frozen=True)
class AgainstScore:
    """The rank test of score jumps against CARs, and how many events agree with it.

    Attributes:
        n: Events in the test (studied events of the stock).
        rho: Spearman's rank correlation of score jump and CAR (negative = score works).
        p: Two-sided permutation p-value (``permutations`` shuffles, ``seed``).
        supporting: Events that raised the score and had a negative CAR.
        contrary: Events that raised the score and had a CAR >= 0.
        no_jump: Events that did not raise the score (for example deliveries without a decline).
        statement: The finding in plain words.
    """

    n: int
    rho: float
    p: float
    permutations: int
    seed: int
    supporting: int
    contrary: int
    no_jump: int
    window: str
    statement: str


def against_score(
    jumps: pd.DataFrame, *, permutations: int = PERMUTATIONS, seed: int = SEED, window: str = ""
) -> AgainstScore:
    """Test whether larger score jumps go with more negative CARs.

    Args:
        jumps: The frame from :func:`score_jumps`.
        permutations: Number of random permutations for the p-value.
        seed: Seed of the permutations (fixed: the result is deterministic).
        window: Label of the CAR window, for the statement.
    """
    x = jumps["score_jump"].to_numpy(dtype=float)
    y = jumps["car"].to_numpy(dtype=float)
    rho, p = spearman_permutation(x, y, permutations=permutations, seed=seed)
    raised = x > 0
    supporting = int((raised & (y < 0)).sum())
    contrary = int((raised & (y >= 0)).sum())
    no_jump = int((~raised).sum())
    result = AgainstScore(
        n=len(x),
        rho=rho,
        p=p,
        permutations=permutations,
        seed=seed,
        supporting=supporting,
        contrary=contrary,
        no_jump=no_jump,
        window=window,
        statement="",
    )
    return replace(result, statement=_statement(result))


def _events(n: int) -> str:
    return f"{n} event" if n == 1 else f"{n} events"


def _statement(r: AgainstScore) -> str:
    window = f" over {r.window}" if r.window else ""
    counts = (
        f"{r.supporting} of {_events(r.supporting + r.contrary)} that raised the score had a "
        f"negative CAR{window} (supporting), {r.contrary} did not (contrary); {r.no_jump} "
        "did not raise the score."
    )
    if np.isnan(r.rho):
        untestable = f"Not testable with {_events(r.n)} (fewer than 3, or all jumps equal)."
        return f"{untestable} {counts}"
    test = (
        f"Across {_events(r.n)}, Spearman's rho between the score jump and the CAR{window} is "
        f"{r.rho:+.3f} (permutation p = {r.p:.4f}; {r.permutations} permutations, seed "
        f"{r.seed})."
    )
    if r.p < 0.05 and r.rho < 0:
        verdict = "Larger score jumps went with larger falls, significant at the 5% level."
    elif r.p < 0.05:
        verdict = (
            "Larger score jumps went with *higher* CARs, significant at the 5% level: the "
            "score ranks these events the wrong way."
        )
    else:
        verdict = (
            f"This is no evidence, at the 5% level, that the score's jumps predict the price "
            f"reaction; with {_events(r.n)} the test has little power."
        )
    return f"{test} {verdict} {counts}"


def against_score_for(
    event_set: EventSet, result: StudyResult, params: ScoreParams | None = None
) -> tuple[pd.DataFrame, AgainstScore]:
    """:func:`score_jumps` then :func:`against_score` for one study."""
    jumps = score_jumps(event_set, result, params)
    return jumps, against_score(jumps, window=window_label(result.options.primary_window))
