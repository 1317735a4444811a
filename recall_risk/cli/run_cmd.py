"""``recall-risk run CONFIG``: run every strategy of a config and write the report."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from recall_risk.cli import options
from recall_risk.cli.output import console, metrics_table


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``run`` command."""
    parser = subparsers.add_parser(
        "run",
        help="run the backtests of a YAML config and write a report",
        description="Run every strategy of CONFIG on the same prices and score; write metrics, "
        "CSVs, summary.md, report.html and equity.png to DIR (default runs/<name>/).",
    )
    options.add_config(parser)
    options.add_out(parser, default="runs/<name>/")
    options.add_prices_dir(parser)
    options.add_quiet(parser)
    parser.set_defaults(handler=_run)


def _run(args: argparse.Namespace) -> int:
    from recall_risk.config import load_config
    from recall_risk.report.atomic import check_output_dir
    from recall_risk.report.writer import MARKER as REPORT_MARKER
    from recall_risk.runner import run_config

    started = time.perf_counter()
    config = load_config(args.config, prices_dir=args.prices_dir)
    out_dir = args.out or Path("runs") / config.name
    check_output_dir(out_dir, marker=REPORT_MARKER)  # before the backtests, not after
    err = console(stderr=True)
    if args.quiet or not err.is_terminal:
        result = run_config(config, prices_dir=args.prices_dir)
    else:
        from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

        with Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            TimeElapsedColumn(),
            console=err,
            transient=True,
        ) as bar:
            task = bar.add_task(config.name, total=len(config.strategies) + 2)

            def progress(message: str, done: int, total: int) -> None:
                bar.update(
                    task, description=f"{config.name}: {message}", completed=done, total=total
                )

            result = run_config(config, prices_dir=args.prices_dir, progress=progress)
    from recall_risk.report import write_report  # after validation: bad input fails first
    from recall_risk.runner import report_sections, run_notes, run_warnings

    sections = report_sections(result, prices_dir=args.prices_dir)
    from recall_risk.cli.summary_tables import evidence_footnotes, evidence_table, risk_table
    from recall_risk.report.weight import run_evidence

    evidence = run_evidence(result)  # one block bootstrap for the files and the terminal
    written = write_report(result, out_dir, extra_sections=sections, evidence=evidence)
    out = console()
    out.print(metrics_table(result, evidence))
    out.print(evidence_table(result, evidence))
    for note in evidence_footnotes(result, evidence):
        out.print(note, markup=False, highlight=False)
    out.print(risk_table(result))
    out.print(f"wrote {len(written)} files to {out_dir} in {time.perf_counter() - started:.1f} s")
    sys.stdout.flush()
    for note in run_notes(result):
        err.print(f"note: {note}", markup=False, highlight=False)
    for warning in run_warnings(result):
        err.print(f"WARNING: {warning}", style="bold red", markup=False, highlight=False)
    return 0
