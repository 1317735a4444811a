"""Study results as tables: per event, per event day, and across events (DataFrames, Markdown).

Column names say what a value is: ``ar_d0`` is the abnormal return on day 0, ``car_0_+1`` the
cumulative abnormal return over days 0..+1 and ``t_0_+1``/``p_0_+1`` its t-statistic and
two-sided p-value. Returns are simple daily returns as fractions (0.01 = 1%). Skipped events
keep their row with ``status = skipped`` and the ``reason``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import pandas as pd

from recall_risk.study.core import EventStudy, StudyResult
from recall_risk.study.options import Window, window_label
from recall_risk.study.stats import CrossSection, cross_section


def window_key(window: Window) -> str:
    """Column suffix of a window: ``0_+1`` for days 0..+1, ``-1_+1`` for -1..+1."""
    return "_".join(f"+{d}" if d > 0 else str(d) for d in window)


def primary_cars(result: StudyResult) -> list[float]:
    """CAR over the primary window of every studied event, in order."""
    window = result.options.primary_window
    return [e.cars[window].car for e in result.studied]


def events_frame(results: Sequence[StudyResult]) -> pd.DataFrame:
    """One row per (stock, event), studied or skipped."""
    rows = []
    for result in results:
        for study in result.events:
            rows.append(_event_row(result, study))
    return pd.DataFrame(rows)


def _event_row(result: StudyResult, study: EventStudy) -> dict[str, object]:
    row: dict[str, object] = {
        "ticker": result.ticker,
        "benchmark": result.benchmark,
        "id": study.event_id,
        "type": study.event_type,
        "announced": study.announced.isoformat(),
        "day0": study.day0.isoformat() if study.day0 else "",
        "status": study.status,
    }
    t0, p0 = study.ar_test(0)
    t1, p1 = study.ar_test(1)
    row.update(ar_d0=study.ar_on(0), t_d0=t0, p_d0=p0, ar_d1=study.ar_on(1), t_d1=t1, p_d1=p1)
    for window in result.options.all_car_windows:
        stat = study.cars.get(window)
        key = window_key(window)
        row[f"car_{key}"] = stat.car if stat else math.nan
        row[f"t_{key}"] = stat.t if stat else math.nan
        row[f"p_{key}"] = stat.p if stat else math.nan
    model = study.model
    row.update(
        alpha=model.alpha if model else math.nan,
        beta=model.beta if model else math.nan,
        sigma=model.sigma if model else math.nan,
        estimation_days=model.n if model else 0,
        estimation_start=study.estimation[0].isoformat() if study.estimation else "",
        estimation_end=study.estimation[1].isoformat() if study.estimation else "",
        overlaps=";".join(study.overlaps),
        events_in_estimation=";".join(study.in_estimation),
        reason=study.reason or "",
    )
    return row


def ar_frame(results: Sequence[StudyResult]) -> pd.DataFrame:
    """One row per (stock, studied event, event day): returns, AR, its t and p, running CAR."""
    rows = []
    for result in results:
        for study in result.studied:
            running = 0.0
            for k, day in enumerate(study.days):
                running += float(study.ar[k])
                t, p = study.ar_test(int(day))
                rows.append(
                    {
                        "ticker": result.ticker,
                        "id": study.event_id,
                        "type": study.event_type,
                        "day": int(day),
                        "date": study.dates[k].isoformat(),
                        "stock_return": float(study.stock_returns[k]),
                        "market_return": float(study.market_returns[k]),
                        "ar": float(study.ar[k]),
                        "t": t,
                        "p": p,
                        "car_to_date": running,
                    }
                )
    return pd.DataFrame(rows)


def groups(result: StudyResult) -> list[tuple[str, CrossSection]]:
    """Cross-section over all studied events, then per event type (types in first-seen order)."""
    window = result.options.primary_window
    out = [("all", cross_section(primary_cars(result)))]
    types = list(dict.fromkeys(e.event_type for e in result.studied))
    for kind in types:
        cars = [e.cars[window].car for e in result.studied if e.event_type == kind]
        out.append((kind, cross_section(cars)))
    return out


def summary_frame(results: Sequence[StudyResult]) -> pd.DataFrame:
    """Cross-sectional tests of the primary-window CAR per stock, overall and per event type."""
    rows = []
    for result in results:
        for group, stats in groups(result):
            rows.append(
                {
                    "ticker": result.ticker,
                    "group": group,
                    "window": window_key(result.options.primary_window),
                    "n": stats.n,
                    "mean_car": stats.mean_car,
                    "sd": stats.sd,
                    "t": stats.t,
                    "p": stats.p,
                    "negative": stats.negative,
                    "positive": stats.positive,
                    "sign_p": stats.sign_p,
                }
            )
    return pd.DataFrame(rows)


def pct(value: float) -> str:
    """A return as a signed percentage with two decimals; NaN as a dash."""
    return "-" if math.isnan(value) else f"{100 * value:+.2f}%"


def num(value: float, digits: int = 2) -> str:
    """A statistic with ``digits`` decimals; NaN as a dash."""
    return "-" if math.isnan(value) else f"{value:.{digits}f}"


def pval(value: float) -> str:
    """A p-value with 4 decimals (``<0.0001`` below); NaN as a dash."""
    if math.isnan(value):
        return "-"
    return "<0.0001" if value < 0.0001 else f"{value:.4f}"


def display_rows(result: StudyResult) -> tuple[list[str], list[list[str]]]:
    """Header and text rows of the main per-event table (studied events only)."""
    window = result.options.primary_window
    label = window_label(window)
    header = ["announced", "day 0", "id", "type", "AR d0", "AR d+1", f"CAR {label}"]
    header += ["t", "p", "note"]
    rows = []
    for study in result.studied:
        stat = study.cars[window]
        note = f"overlaps {', '.join(study.overlaps)}" if study.overlaps else ""
        rows.append(
            [
                study.announced.isoformat(),
                study.day0.isoformat() if study.day0 else "",
                study.event_id,
                study.event_type,
                pct(study.ar_on(0)),
                pct(study.ar_on(1)),
                pct(stat.car),
                num(stat.t),
                pval(stat.p),
                note,
            ]
        )
    return header, rows


def summary_rows(result: StudyResult) -> tuple[list[str], list[list[str]]]:
    """Header and text rows of the cross-sectional summary."""
    header = ["group", "n", "mean CAR", "t", "p", "neg/pos", "sign p"]
    rows = [
        [
            group,
            str(s.n),
            pct(s.mean_car),
            num(s.t),
            pval(s.p),
            f"{s.negative}/{s.positive}",
            pval(s.sign_p),
        ]
        for group, s in groups(result)
    ]
    return header, rows


def markdown_table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """A GitHub-flavoured Markdown table; cells are escaped as in ``summary.md``
    (:func:`~recall_risk.report.markdown.md_cell`: no HTML, no markup, one line)."""
    from recall_risk.report.markdown import md_cell as cell

    lines = ["| " + " | ".join(cell(h) for h in header) + " |"]
    lines.append("|" + "|".join("---" for _ in header) + "|")
    lines += ["| " + " | ".join(cell(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)
