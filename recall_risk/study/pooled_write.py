"""Write a pooled study's files: CSVs, ``study.md`` and ``study.html``, atomically as a folder.

Besides the per-event files of a single study (``study_events.csv``, ``study_ar.csv``,
``study_summary.csv``, the CAR-path charts), a pooled study writes ``pooled_events.csv`` (one
row per studied event: company, year, CAR, standardised CAR, date cluster, score jump),
``pooled_tests.csv`` (every test with its statistic, p and degrees of freedom),
``pooled_breakdown.csv`` (per type, company, jump tercile, year, with N), and, when asked,
``against_score.csv``, ``calibration_folds.csv`` with ``score_params.yaml``, and
``factor_ic.csv``, ``factor_quantiles.csv``, ``factor_coverage.csv``. Text is escaped for the
file it goes into (Markdown cells, HTML).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from recall_risk.report.html import esc, page, text_table
from recall_risk.report.markdown import md_cell, md_table
from recall_risk.study.calibrate import Calibration, FoldComparison, params_yaml
from recall_risk.study.factor import FactorResult
from recall_risk.study.pooled import PooledStudy
from recall_risk.study.pooled_score import PooledAgainst
from recall_risk.study.pooled_stats import PooledTests
from recall_risk.study.tables import num, pct, pval
from recall_risk.study.write import MARKER, _atomic, atomic_write_text, write_csv


@dataclass(frozen=True, eq=False)
class PooledReport:
    """Everything a pooled study found, ready to print or write."""

    pooled: PooledStudy
    tests: PooledTests
    breakdown: pd.DataFrame
    verdict: str
    against: PooledAgainst | None = None
    calibration: Calibration | None = None
    comparisons: tuple[FoldComparison, ...] = ()
    factor: FactorResult | None = None


def tests_frame(tests: PooledTests) -> pd.DataFrame:
    """One row per test of the pooled mean CAR."""
    return pd.DataFrame(
        [
            {
                "test": t.name,
                "n": t.n,
                "caar": tests.caar,
                "stat": t.stat,
                "p": t.p,
                "df": t.df,
                "note": t.note,
            }
            for t in tests.tests
        ]
    )


def tests_rows(tests: PooledTests) -> tuple[list[str], list[list[str]]]:
    """Header and text rows of the tests table (sign test added last)."""
    header = ["test", "N", "statistic", "p", "df", "note"]
    rows = [[t.name, str(t.n), num(t.stat), pval(t.p), num(t.df, 0), t.note] for t in tests.tests]
    c = tests.cross
    rows.append(["sign", str(c.n), f"{c.negative} neg / {c.positive} pos", pval(c.sign_p), "-", ""])
    return header, rows


def breakdown_rows(frame: pd.DataFrame) -> tuple[list[str], list[list[str]]]:
    """Header and text rows of the breakdown table."""
    header = ["by", "group", "N", "mean CAR", "t", "p", "BMP t", "BMP p", "neg/pos"]
    rows = [
        [
            r.by,
            r.group,
            str(r.n),
            pct(r.mean_car),
            num(r.t),
            pval(r.p),
            num(r.bmp_t),
            pval(r.bmp_p),
            f"{r.negative}/{r.positive}",
        ]
        for r in frame.itertuples()
    ]
    return header, rows


def coverage_lines(report: PooledReport) -> list[str]:
    """Per event set: events studied of all, and each skipped event with its reason."""
    lines = []
    for result in report.pooled.results:
        lines.append(
            f"{result.company} ({result.ticker} vs {result.benchmark or 'no benchmark'}): "
            f"studied {len(result.studied)} of {len(result.events)} events"
        )
        lines += [f"  skipped {s.event_id}: {s.reason}" for s in result.skipped]
    return lines


def _sections(
    report: PooledReport,
) -> list[tuple[str, str, list[tuple[list[str], list[list[str]]]]]]:
    """``(heading, paragraph, tables)`` for the Markdown and HTML documents alike."""
    t = report.tests
    out = [
        ("Verdict", report.verdict, []),
        (
            f"Tests of the mean CAR {t.window}",
            f"{t.n} events; CAAR {pct(t.caar)}. {t.clustered_events} events share an "
            f"event-window day with another ({t.clusters} date clusters; {t.units} "
            f"observations when each cluster counts once); r̄ = {t.rbar:.4f}.",
            [tests_rows(t)],
        ),
        ("Breakdowns", "Each group with its number of events.", [breakdown_rows(report.breakdown)]),
        ("Events studied and skipped", "\n".join(coverage_lines(report)), []),
    ]
    if report.against is not None:
        out.append(("Does the score flag the events that hurt?", report.against.statement, []))
    if report.calibration is not None:
        c = report.calibration
        text = f"{c.n} events; fitted weights {c.fit_text()}. " + " ".join(
            f"Out of sample, {f.sentence()}" for f in report.comparisons
        )
        out.append(("Calibration", text + "".join(f" WARNING: {w}" for w in c.warnings), []))
    if report.factor is not None:
        f = report.factor
        out.append(
            (
                "The score as a factor",
                f.statement() + "".join(f" Left out: {m}." for m in f.missing),
                [_frame_rows(f.ic), _frame_rows(f.quantiles), _frame_rows(f.coverage)],
            )
        )
    return out


def _frame_rows(frame: pd.DataFrame) -> tuple[list[str], list[list[str]]]:
    def cell(value: object) -> str:
        if isinstance(value, float):
            return f"{value:.4f}"
        return str(value)

    return [str(c) for c in frame.columns], [[cell(v) for v in row] for row in frame.to_numpy()]


def pooled_markdown(report: PooledReport) -> str:
    """The pooled study as Markdown (cells escaped)."""
    parts = ["# Pooled event study"]
    for heading, text, tables in _sections(report):
        parts.append(f"## {md_cell(heading)}")
        lines = text.split("\n")
        if len(lines) == 1:
            parts.append(md_cell(text))
        else:  # one item a line; indented lines (a set's skipped events) nested under it
            parts.append(
                "\n".join(("  - " if ln.startswith("  ") else "- ") + md_cell(ln) for ln in lines)
            )
        for header, rows in tables:
            parts.append(
                md_table([md_cell(h) for h in header], [[md_cell(c) for c in r] for r in rows])
            )
    return "\n\n".join(parts) + "\n"


def pooled_html(report: PooledReport) -> str:
    """The pooled study as a self-contained HTML page (every text escaped), with the CAR paths."""
    from recall_risk.report.html import figure_div
    from recall_risk.study import charts

    sections = []
    for heading, text, tables in _sections(report):
        body = "".join(f"<p>{esc(line)}</p>" for line in text.split("\n"))
        body += "".join(text_table(header, rows) for header, rows in tables)
        sections.append((heading, body))
    studied = [r for r in report.pooled.results if r.studied]
    if studied:
        sections.append(("CAR paths", figure_div(charts.html_figure(studied), "car-path")))
    return page("Pooled event study", [], sections)


def write_pooled_outputs(out_dir: Path, report: PooledReport) -> list[Path]:
    """Write every file of a pooled study into ``out_dir`` as one atomic folder."""
    from recall_risk.report.atomic import atomic_dir
    from recall_risk.study import charts
    from recall_risk.study.tables import ar_frame, events_frame, summary_frame

    results = [r for r in report.pooled.results if r.studied] or list(report.pooled.results)
    names: list[str] = []
    with atomic_dir(Path(out_dir), marker=MARKER) as tmp:

        def put(name: str, write: Callable[[Path], None]) -> None:
            write(tmp / name)
            names.append(name)

        def csv(name: str, frame: pd.DataFrame) -> None:
            put(name, lambda p: write_csv(p, frame))

        csv(MARKER, events_frame(report.pooled.results))
        csv("study_ar.csv", ar_frame(report.pooled.results))
        csv("study_summary.csv", summary_frame(results))
        csv("pooled_events.csv", report.pooled.frame)
        csv("pooled_tests.csv", tests_frame(report.tests))
        csv("pooled_breakdown.csv", report.breakdown)
        if report.against is not None:
            csv("against_score.csv", report.pooled.frame)
        if report.calibration is not None:
            csv("calibration_folds.csv", pd.DataFrame([f.__dict__ for f in report.comparisons]))
            text = params_yaml(
                report.calibration, origin="pooled event study", comparisons=report.comparisons
            )
            put("score_params.yaml", lambda p: atomic_write_text(p, text))
        if report.factor is not None:
            csv("factor_ic.csv", report.factor.ic)
            csv("factor_quantiles.csv", report.factor.quantiles)
            csv("factor_coverage.csv", report.factor.coverage)
        put("study.md", lambda p: atomic_write_text(p, pooled_markdown(report)))
        put("study.html", lambda p: atomic_write_text(p, pooled_html(report)))
        put("car_path.png", lambda p: _atomic(p, lambda t: charts.write_png(results, t)))
        put("car_path.html", lambda p: atomic_write_text(p, charts.html_text(results)))
    return [Path(out_dir) / name for name in names]
