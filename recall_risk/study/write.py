"""Write a study's files into a folder, atomically as a whole (temp folder, then a rename).

Files (all deterministic for the same inputs):

- ``study_events.csv``: one row per (stock, event), skipped events with their reason;
- ``study_ar.csv``: one row per (stock, studied event, event day);
- ``study_summary.csv``: cross-sectional tests per stock, overall and per event type;
- ``study.md``: the tables in Markdown, skipped events, the score test and calibration;
- ``car_path.png`` and ``car_path.html``: the CAR-path chart;
- ``against_score.csv`` (with ``--against-score``) and ``score_params.yaml`` (with
  ``--calibrate``, from :func:`recall_risk.study.calibrate.params_yaml`).
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from recall_risk.study.core import StudyResult
from recall_risk.study.options import window_label

if TYPE_CHECKING:
    from recall_risk.study.against import AgainstScore
    from recall_risk.study.calibrate import Calibration

_FLOAT_FORMAT = "%.10g"
MARKER = "study_events.csv"  # identifies a previous study folder that may be replaced


def _atomic(path: Path, write: Callable[[Path], object]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    Path(tmp).chmod(0o644)  # mkstemp creates 0600; outputs are ordinary readable files
    try:
        write(Path(tmp))
        Path(tmp).replace(path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def atomic_write_text(path: Path, text: str) -> None:
    """Write UTF-8 text to ``path`` atomically (readers see the old file or the whole new one)."""
    _atomic(Path(path), lambda tmp: tmp.write_text(text, encoding="utf-8"))


def write_csv(path: Path, frame: pd.DataFrame) -> None:
    """Write ``frame`` as CSV (no index, 10 significant digits) atomically."""
    from recall_risk.csvcells import safe_frame  # text cells a spreadsheet would run: neutralised

    text = safe_frame(frame).to_csv(index=False, float_format=_FLOAT_FORMAT, lineterminator="\n")
    atomic_write_text(path, text)


def study_markdown(
    results: Sequence[StudyResult],
    against: AgainstScore | None = None,
    calibration: Calibration | None = None,
) -> str:
    """The study as a Markdown document."""
    from recall_risk.report.markdown import md_cell
    from recall_risk.study.tables import display_rows, markdown_table, summary_rows

    parts = []
    for result in results:
        options = result.options
        # company, tickers, event ids and reasons come from the user's files: escaped
        title = f"## {md_cell(result.company)} events: {md_cell(result.ticker)} vs " + md_cell(
            result.benchmark
        )
        if result.is_peer:
            title = (
                f"## Peer {md_cell(result.ticker)} around {md_cell(result.event_ticker)} events "
                f"(vs {md_cell(result.benchmark)})"
            )
        parts.append(title)
        est_first, est_last = options.estimation_span
        parts.append(
            f"Market model fitted by OLS on simple daily returns over event days {est_first}.."
            f"{est_last} ({options.estimation_days} days, {options.gap_days}-day gap); event "
            f"window {window_label(options.window)}; CAR t-tests use the full prediction-error "
            f"variance, two-sided p from t(n-2). Studied {len(result.studied)} of "
            f"{len(result.events)} events."
        )
        parts.append(markdown_table(*display_rows(result)))
        parts.append(
            f"Across events (CAR {window_label(options.primary_window)}, cross-sectional t "
            "and sign test):"
        )
        parts.append(markdown_table(*summary_rows(result)))
        if result.skipped:
            parts.append("Skipped:")
            parts.append(
                "\n".join(f"- {md_cell(s.event_id)}: {md_cell(s.reason)}" for s in result.skipped)
            )
    if against is not None:
        parts.append("## Does the score predict the CAR?")
        parts.append(md_cell(against.statement))
    if calibration is not None:
        parts.append("## Calibrated component weights")
        parts.append(
            f"{calibration.n} events; fitted: {', '.join(calibration.fitted) or 'none'}; weights "
            f"{calibration.fit_text()}."
        )
        parts += [f"**WARNING: {md_cell(w)}**" for w in calibration.warnings]
    return "\n\n".join(parts) + "\n"


def write_study_outputs(
    out_dir: Path,
    results: Sequence[StudyResult],
    *,
    jumps: pd.DataFrame | None = None,
    against: AgainstScore | None = None,
    calibration: Calibration | None = None,
    params_origin: str = "event study",
) -> list[Path]:
    """Write the study's tables and charts into ``out_dir`` as one atomic folder.

    The files are built in a temp folder that replaces ``out_dir`` only when all of them are
    written, so a failure leaves the previous study (or nothing), never a partial one. With a
    ``calibration``, ``score_params.yaml`` (from :func:`recall_risk.study.calibrate.params_yaml`,
    naming ``params_origin``) is written in the same folder.

    Returns:
        The final paths written, in a fixed order.
    """
    from recall_risk.report.atomic import atomic_dir
    from recall_risk.study import charts
    from recall_risk.study.tables import ar_frame, events_frame, summary_frame

    out_dir = Path(out_dir)
    names: list[str] = []
    with atomic_dir(out_dir, marker=MARKER) as tmp:

        def put(name: str, write: Callable[[Path], None]) -> None:
            write(tmp / name)
            names.append(name)

        put(MARKER, lambda p: write_csv(p, events_frame(results)))
        put("study_ar.csv", lambda p: write_csv(p, ar_frame(results)))
        put("study_summary.csv", lambda p: write_csv(p, summary_frame(results)))
        if jumps is not None:
            put("against_score.csv", lambda p: write_csv(p, jumps))
        if calibration is not None:
            from recall_risk.study.calibrate import params_yaml

            text = params_yaml(calibration, origin=params_origin)
            put("score_params.yaml", lambda p: atomic_write_text(p, text))
        put(
            "study.md",
            lambda p: atomic_write_text(p, study_markdown(results, against, calibration)),
        )
        put("car_path.png", lambda p: _atomic(p, lambda t: charts.write_png(results, t)))
        put("car_path.html", lambda p: atomic_write_text(p, charts.html_text(results)))
    return [out_dir / name for name in names]
