"""``recall-risk study``: market-model event study of an event set, and tests of the score.

``recall-risk study NAME|PATH [NAME|PATH ...] [--prices-dir DIR] [--window -1,5]
[--car-window 0,1] [--estimation-days 250] [--gap-days 30] [--ticker T] [--benchmark B]
[--peers A,B] [--against-score] [--calibrate] [--factor] [--params PARAMS.yaml]
[--out DIR]``

Prints, per stock, each event's abnormal return on day 0 and +1 and its CAR over the primary
window with t and p, the events skipped and why, and the cross-sectional tests, and writes
the tables (CSV, Markdown) and the CAR-path chart (PNG, HTML) to ``--out`` (default
``runs/<events>-study/``). ``--against-score`` tests whether the score's jump at each event ranks
the CARs; ``--calibrate`` fits the component weights to the CARs and writes
``score_params.yaml``. Prices are dividend-adjusted where
the source has an ``Adj Close``.

With several event sets (names, files, ``all`` for every bundled set, or a CSV holding several
tickers) the study is *pooled*: each stock against its own benchmark (``--benchmark
TICKER=INDEX,...`` overrides), events that cannot be studied skipped one by one with the reason,
and the pooled tests, breakdowns, score test, out-of-sample calibration and ``--factor`` report
of :mod:`recall_risk.cli.study_pooled`.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from recall_risk.cli import options
from recall_risk.cli.output import console
from recall_risk.errors import ConfigError

if TYPE_CHECKING:  # the study pulls in scipy: import it when the command runs, not at start-up
    from recall_risk.prices import PriceSource
    from recall_risk.study.core import StudyResult
    from recall_risk.study.options import StudyOptions


def register(subparsers: Any) -> None:
    """Add the ``study`` command to the top-level parser's sub-parsers."""
    parser = subparsers.add_parser(
        "study",
        help="event study: abnormal returns around each event, and does the score predict them",
        description="Prints, per stock, each event's abnormal return on day 0 and +1 and its CAR "
        "over the primary window with t and p, the events skipped and why, and the "
        "cross-sectional tests, and writes the tables (CSV, Markdown) and the CAR-path chart "
        "(PNG, HTML) to DIR (default runs/<events>-study/). --against-score tests whether the "
        "score's jump at each event ranks the CARs; --calibrate fits the component weights to "
        "the CARs and writes score_params.yaml. Prices are dividend-adjusted where the source "
        "has an Adj Close. "
        "Several event sets (or 'all', or a CSV of several tickers) are pooled: each stock "
        "against its own benchmark (--benchmark TICKER=INDEX,...), with the BMP, "
        "Kolari-Pynnonen adjusted BMP and GRANK tests, breakdowns, out-of-sample calibration "
        "and, with --factor, the score as a cross-sectional factor.",
    )
    options.add_event_source(parser, many=True)
    options.add_prices_dir(parser)
    parser.add_argument(
        "--window",
        default="-1,5",
        metavar="FIRST,LAST",
        help="event window in trading days around day 0 (default -1,5)",
    )
    parser.add_argument(
        "--car-window", default="0,1", metavar="FIRST,LAST", help="primary CAR window (0,1)"
    )
    parser.add_argument(
        "--estimation-days",
        type=int,
        default=250,
        metavar="N",
        help="trading days of the market-model estimation window (default 250)",
    )
    parser.add_argument(
        "--gap-days",
        type=int,
        default=30,
        metavar="N",
        help="trading days between the estimation window and day 0 (default 30)",
    )
    # not options.add_ticker: here the ticker is the stock studied, which may differ from the
    # event file's (a rival's events against this stock's prices)
    parser.add_argument("--ticker", help="stock to study (default: the event file's ticker)")
    parser.add_argument(
        "--benchmark",
        help="market index (default: the event file's); pooled: TICKER=INDEX,... per stock",
    )
    parser.add_argument("--peers", default="", metavar="A,B", help="rival stocks to study too")
    parser.add_argument(
        "--against-score", action="store_true", help="test score jumps against the CARs"
    )
    parser.add_argument(
        "--calibrate", action="store_true", help="fit component weights; writes score_params.yaml"
    )
    options.add_params(parser)
    parser.add_argument(
        "--factor",
        action="store_true",
        help="also treat the daily score as a cross-sectional factor (IC, high vs low)",
    )
    options.add_out(parser, default="runs/<events>-study/")
    parser.set_defaults(handler=run)
    _accept_negative_windows(parser)


_WINDOW_VALUE = re.compile(r"^-\d+(,\s*-?\d+)?$|^-\d*\.\d+$")


def _accept_negative_windows(parser: argparse.ArgumentParser) -> None:
    """Let ``--window -1,5`` parse: argparse takes ``-1,5`` for an option unless it looks like
    a negative number. This parser has no option that starts with a digit, so widening its
    negative-number pattern to ``-N,M`` is safe; ``--window=-1,5`` works on any Python."""
    if hasattr(parser, "_negative_number_matcher"):
        parser._negative_number_matcher = _WINDOW_VALUE


def _options(args: argparse.Namespace) -> StudyOptions:
    from recall_risk.study.options import StudyOptions, parse_window

    return StudyOptions(
        window=parse_window(args.window, what="--window"),
        estimation_days=args.estimation_days,
        gap_days=args.gap_days,
        primary_window=parse_window(args.car_window, what="--car-window"),
    )


def _source(prices_dir: Path | None) -> PriceSource:
    from recall_risk.prices import CsvDirectorySource, YFinanceSource

    if prices_dir is None:
        return YFinanceSource(adjusted=True)
    if not Path(prices_dir).is_dir():
        raise ConfigError(f"--prices-dir {prices_dir}: no such folder of TICKER.csv files")
    return CsvDirectorySource(prices_dir, adjusted=True)


def default_out(events: list[str]) -> Path:
    """``runs/<set or file stem>[-<more>...]-study`` for the events studied."""
    names = [Path(e).stem if Path(e).suffix else e for e in events]
    return Path("runs") / f"{'-'.join(names)[:80]}-study"


def run(args: argparse.Namespace) -> int:
    """Handle ``recall-risk study``; returns the exit code."""
    from recall_risk.scoring import ScoreParams, load_score_params
    from recall_risk.study.data import study_event_set

    study_options = _options(args)
    if args.out is None:  # like run, sweep and walkforward: a folder under runs/
        args.out = default_out(args.events)
    from recall_risk.report.atomic import check_output_dir
    from recall_risk.study.write import MARKER

    check_output_dir(args.out, marker=MARKER)  # before the study, not after
    params = load_score_params(args.params) if args.params else ScoreParams()
    peers = [p.strip() for p in args.peers.split(",") if p.strip()]
    from recall_risk.cli.study_pooled import load_sets, run_pooled

    sets = load_sets(args.events, ticker=args.ticker)
    if len(sets) > 1 or args.factor:
        return run_pooled(args, sets, study_options, params, _source(args.prices_dir))
    event_set = sets[0]
    results = study_event_set(
        event_set,
        _source(args.prices_dir),
        study_options,
        ticker=args.ticker,
        benchmark=args.benchmark,
        peers=peers,
    )
    out = console()
    for result in results:
        _print_result(out, result)
    main = results[0]
    jumps = against = calibration = None
    if (args.against_score or args.calibrate) and main.studied:
        from recall_risk.study.against import against_score_for

        jumps, against = against_score_for(event_set, main, params)
        out.print(f"\nDoes the score predict the CAR? {against.statement}")
    if args.calibrate and jumps is not None:
        from recall_risk.study.calibrate import calibrate_weights

        calibration = calibrate_weights(jumps, params)
    if not main.studied:  # before writing: a failed study leaves no folder that looks complete
        print(
            f"error: no event of {args.events[0]} could be studied for {main.ticker}; "
            "see the reasons above",
            file=sys.stderr,
        )
        return 2
    if args.out:
        from recall_risk.study.write import write_study_outputs

        written = write_study_outputs(
            Path(args.out),
            results,
            jumps=jumps,
            against=against,
            calibration=calibration,
            params_origin=f"study of {args.events[0]}",
        )
        if calibration is not None:
            _print_calibration(out, calibration, Path(args.out) / "score_params.yaml")
        out.print(f"\nwrote {len(written)} files to {args.out}")
    return 0


def _print_result(out: Any, result: StudyResult) -> None:
    from rich import box
    from rich.table import Table

    from recall_risk.study.options import window_label
    from recall_risk.study.tables import display_rows, summary_rows

    peer = f" (peer, around {result.event_ticker} events)" if result.is_peer else ""
    options = result.options
    header, rows = display_rows(result)
    # within 100 columns: the announcement date is in study.md and the CSVs (day 0 is here) and
    # each note is printed under the table, so nothing is cut
    keep = [i for i, label in enumerate(header) if label not in ("announced", "note")]
    table = Table(
        title=(
            f"{result.company}: {result.ticker} vs {result.benchmark}{peer}, window "
            f"{window_label(options.window)}, estimation {options.estimation_days} days, gap "
            f"{options.gap_days}"
        ),
        title_justify="left",
        box=box.SIMPLE_HEAD,
        show_edge=False,
        pad_edge=False,
        padding=(0, 1, 0, 0),
    )
    for i in keep:
        label = header[i]
        table.add_column(label, justify="left" if label in {"id", "type"} else "right")
    for row in rows:
        table.add_row(*(row[i] for i in keep))
    out.print(table)
    if "note" in header and "id" in header:
        note, ident = header.index("note"), header.index("id")
        for row in rows:
            if row[note]:
                out.print(f"{row[ident]}: {row[note]}", markup=False, highlight=False)
    for study in result.skipped:
        out.print(f"skipped {study.event_id} ({study.announced}): {study.reason}")
    header, rows = summary_rows(result)
    summary = Table(
        title=f"across events, CAR {window_label(options.primary_window)}", title_justify="left"
    )
    for label in header:
        summary.add_column(label, justify="left" if label == "group" else "right")
    for row in rows:
        summary.add_row(*row)
    out.print(summary)


def _print_calibration(out: Any, calibration: Any, path: Path) -> None:
    out.print(
        f"\ncalibrated weights ({calibration.n} events): {calibration.fit_text()}; wrote {path}"
    )
    if calibration.warnings:
        from rich.console import Console

        err = Console(stderr=True, highlight=False, markup=False)
        for warning in calibration.warnings:
            err.print(f"WARNING: {warning}", style="bold red")
