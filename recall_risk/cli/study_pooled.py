"""``recall-risk study A B ...``: the pooled study across several event sets, printed and written.

Loads the sets (``all`` expands to every bundled set; a CSV with several tickers to one set per
ticker), studies each stock against its own benchmark, prints every pooled test, the
breakdowns, the events skipped with their reasons, and, when asked, the score test
(``--against-score``), the out-of-sample calibration (``--calibrate``) and the factor report
(``--factor``); ``--out`` writes them all (:mod:`recall_risk.study.pooled_write`).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from recall_risk.errors import ConfigError

if TYPE_CHECKING:
    from recall_risk.events import EventSet
    from recall_risk.prices import PriceSource
    from recall_risk.scoring import ScoreParams
    from recall_risk.study.options import StudyOptions
    from recall_risk.study.pooled_write import PooledReport

ALL = "all"


def load_sets(names: Sequence[str], *, ticker: str | None = None) -> list[EventSet]:
    """Event sets named on the command line, in order; ``all`` means every bundled set."""
    from recall_risk.events import bundled_event_sets, is_csv_path, is_event_path, load_events
    from recall_risk.events.loading import load_csv_event_sets

    expanded: list[str] = []
    for name in names:
        expanded += bundled_event_sets() if name == ALL else [name]
    sets: list[EventSet] = []
    for name in dict.fromkeys(expanded):
        if ticker is None and is_event_path(name) and is_csv_path(name) and Path(name).is_file():
            sets += list(load_csv_event_sets(Path(name)).values())
        else:
            # load_events, not load_one_set: a single set's --ticker may be a rival stock
            # studied around this file's events (the file's own ticker is kept).
            sets.append(load_events(name, ticker=ticker))
    return sets


def parse_benchmarks(text: str | None, tickers: Sequence[str]) -> dict[str, str]:
    """``TICKER=INDEX,...`` into a mapping; a bare ``INDEX`` applies to every ticker.

    Raises:
        ConfigError: an item is not ``TICKER=INDEX``.
    """
    if not text:
        return {}
    items = [item.strip() for item in text.split(",") if item.strip()]
    if len(items) == 1 and "=" not in items[0]:
        return dict.fromkeys(tickers, items[0])
    out = {}
    for item in items:
        ticker, sep, index = item.partition("=")
        if not sep or not ticker.strip() or not index.strip():
            raise ConfigError(
                f"--benchmark: expected TICKER=INDEX items separated by commas, such as "
                f"TSLA=^GSPC,1810.HK=^HSI; got {item!r}"
            )
        out[ticker.strip()] = index.strip()
    return out


def build_report(
    args: argparse.Namespace,
    sets: Sequence[EventSet],
    options: StudyOptions,
    params: ScoreParams,
    source: PriceSource,
) -> PooledReport:
    """Run the pooled study and every analysis the options ask for."""
    from recall_risk.study.calibrate import calibrate_weights, out_of_sample
    from recall_risk.study.options import window_label
    from recall_risk.study.pooled import study_pooled
    from recall_risk.study.pooled_score import pooled_against
    from recall_risk.study.pooled_stats import breakdowns, pooled_tests, verdict
    from recall_risk.study.pooled_write import PooledReport

    benchmarks = parse_benchmarks(args.benchmark, [s.ticker for s in sets])
    pooled = study_pooled(sets, source, options, benchmarks=benchmarks, params=params)
    window = window_label(options.primary_window)
    tests = pooled_tests(pooled, window)
    frame = pooled.frame
    against = calibration = factor = None
    comparisons: tuple[Any, ...] = ()
    if args.against_score and len(frame):
        against = pooled_against(frame, window=window)
    if args.calibrate and len(frame):
        calibration = calibrate_weights(frame, params)
        comparisons = (
            out_of_sample(frame, frame["company"], "leave-one-company-out", params),
            out_of_sample(frame, frame["year"], "leave-one-year-out", params),
        )
    if args.factor:
        from recall_risk.study.factor import factor_panel, factor_report

        factor = factor_report(*factor_panel(sets, source, params))
    return PooledReport(
        pooled=pooled,
        tests=tests,
        breakdown=breakdowns(pooled),
        verdict=verdict(tests, frame["car"].to_numpy(dtype=float)),
        against=against,
        calibration=calibration,
        comparisons=comparisons,
        factor=factor,
    )


def run_pooled(
    args: argparse.Namespace,
    sets: Sequence[EventSet],
    options: StudyOptions,
    params: ScoreParams,
    source: PriceSource,
) -> int:
    """Handle a pooled ``recall-risk study``; returns the exit code."""
    if args.peers.strip():
        raise ConfigError(
            "--peers works with one event set and without --factor; give one NAME|PATH "
            "(and drop --factor) to use it"
        )
    report = build_report(args, sets, options, params, source)
    _print(report)
    if not report.tests.n:
        print("error: no event could be studied; see the reasons above", file=sys.stderr)
        return 2
    if args.out:
        from recall_risk.study.pooled_write import write_pooled_outputs

        written = write_pooled_outputs(Path(args.out), report)
        print(f"\nwrote {len(written)} files to {args.out}")
    if report.calibration is not None and not all(f.beats_defaults for f in report.comparisons):
        print(
            "WARNING: out of sample the calibrated weights do not beat the defaults on every "
            "fold scheme; keep the defaults",
            file=sys.stderr,
        )
    return 0


def _print(report: PooledReport) -> None:
    from rich.table import Table

    from recall_risk.cli.output import console
    from recall_risk.study.pooled_write import breakdown_rows, coverage_lines, tests_rows

    out = console()
    for line in coverage_lines(report):
        out.print(line)
    t = report.tests
    for title, (header, rows) in (
        (
            f"pooled tests, CAR {t.window}: {t.n} events, CAAR {100 * t.caar:+.2f}%, "
            f"r̄ {t.rbar:.4f}, {t.clustered_events} events in {t.clusters} date clusters",
            tests_rows(t),
        ),
        ("breakdowns (N per group)", breakdown_rows(report.breakdown)),
    ):
        table = Table(title=title, title_justify="left")
        for label in header:
            table.add_column(label)
        for row in rows:
            table.add_row(*row)
        out.print(table)
    out.print(f"\n{report.verdict}")
    if report.against is not None:
        out.print(f"\nDoes the score flag the events that hurt? {report.against.statement}")
    if report.calibration is not None:
        weights = report.calibration.params.weights.model_dump()
        out.print("\ncalibrated weights: " + ", ".join(f"{k} {v:.4f}" for k, v in weights.items()))
        for fold in report.comparisons:
            out.print(f"out of sample, {fold.sentence()}")
    if report.factor is not None:
        out.print(f"\nfactor: {report.factor.statement()}")
        cov = report.factor.coverage
        total = cov[cov["ticker"] == "all"].iloc[0]
        out.print(
            f"ticker-days: {total['days']}, score > 0 on {total['nonzero_days']}, "
            f"score >= 0.05 on {total['material_days']}"
        )
