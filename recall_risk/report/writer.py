"""``write_report``: every file of a run report, built in a temp folder and swapped in at once."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from recall_risk.report.atomic import atomic_dir
from recall_risk.report.document import metrics_document
from recall_risk.report.markdown import render_summary
from recall_risk.report.png import write_png
from recall_risk.report.run_html import render_run_html
from recall_risk.report.serialize import dumps_json, frame_to_csv
from recall_risk.report.tables import equity_frame, metrics_frame, score_frame, trades_frame
from recall_risk.report.tearsheet import returns_frame
from recall_risk.report.weight import run_evidence

if TYPE_CHECKING:
    from recall_risk.evidence import Evidence
    from recall_risk.runner import RunResult

MARKER = "metrics.json"
"""The file that identifies a run report folder (an existing one may be replaced)."""


def _write_text(path: Path, text: str) -> None:
    path.write_text(text, encoding="utf-8", newline="\n")


def write_report(
    result: RunResult,
    out_dir: str | Path,
    *,
    extra_sections: Sequence[tuple[str, str]] = (),
    evidence: Mapping[str, Evidence] | None = None,
) -> list[Path]:
    """Write the run report to ``out_dir``, replacing a previous report there atomically.

    Files: metrics.json, metrics.csv, equity.csv, returns.csv (daily returns, the form empyrical,
    quantstats and pyfolio read), trades.csv, score.csv, summary.md and, unless
    the config's ``report.html`` / ``report.png`` is false, report.html and equity.png.

    Args:
        result: what :func:`recall_risk.runner.run_config` returned.
        out_dir: the report folder; created, or replaced if it holds a previous report.
        extra_sections: ``(title, trusted HTML fragment)`` pairs appended to report.html.
        evidence: :func:`~recall_risk.report.weight.run_evidence` of ``result``, if the caller
            has it already (its block bootstrap is computed once for every file).

    Returns:
        The paths written, sorted by name.

    Raises:
        ConfigError: ``out_dir`` exists and is not a previous report folder.
    """
    out_dir = Path(out_dir)
    options = result.config.report
    evidence = run_evidence(result) if evidence is None else evidence
    with atomic_dir(out_dir, marker=MARKER) as tmp:
        _write_text(tmp / "metrics.json", dumps_json(metrics_document(result, evidence)))
        frame_to_csv(metrics_frame(result), tmp / "metrics.csv", index=False)
        equity = equity_frame(result)
        frame_to_csv(equity, tmp / "equity.csv")
        frame_to_csv(returns_frame(equity, result.config.broker.cash), tmp / "returns.csv")
        frame_to_csv(trades_frame(result), tmp / "trades.csv", index=False)
        frame_to_csv(score_frame(result), tmp / "score.csv", index=False)
        _write_text(tmp / "summary.md", render_summary(result, evidence))
        if options.html:
            _write_text(tmp / "report.html", render_run_html(result, evidence, extra_sections))
        if options.png:
            write_png(result, tmp / "equity.png")
        names = sorted(p.name for p in tmp.iterdir())
    return [out_dir / name for name in names]
