"""``recall-risk compare DIR DIR ...``: strategies of several runs side by side."""

from __future__ import annotations

import argparse
from pathlib import Path

from recall_risk.cli import options
from recall_risk.cli.output import console


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``compare`` command."""
    parser = subparsers.add_parser(
        "compare",
        help="compare the strategies of several run folders side by side",
        description="Read each run's metrics.json and show the config values that differ between "
        "the runs, every strategy of every run in one table (the best value per metric "
        "highlighted, never the benchmark's) and each run's metric deltas against the same "
        "strategy in the first run (or --base). Runs over different data ranges or tickers are "
        "refused unless --allow-mismatch. With --out, also write compare.md, compare.csv and "
        "compare.html there.",
    )
    parser.add_argument("runs", type=Path, nargs="+", metavar="DIR", help="run output folders")
    options.add_out(parser, default=None)
    parser.add_argument(
        "--allow-mismatch",
        action="store_true",
        help="compare runs over different data ranges or tickers",
    )
    parser.add_argument(
        "--base",
        metavar="RUN",
        default=None,
        help="the run deltas are taken against: one of the DIRs or its label (default: the first)",
    )
    options.add_format(parser, ("table", "markdown"))
    parser.set_defaults(handler=_run)


def _run(args: argparse.Namespace) -> int:
    from recall_risk.report import compare_runs, render_markdown, render_text, write_comparison
    from recall_risk.report.compare_render import render_changes

    comparison = compare_runs(list(args.runs), allow_mismatch=args.allow_mismatch, base=args.base)
    out = console()
    if args.format == "markdown":
        out.print(render_markdown(comparison), markup=False, highlight=False)
    else:
        changes = render_changes(comparison)
        if changes is not None:
            out.print(changes)
        out.print(render_text(comparison))
    if args.out is not None:
        written = write_comparison(comparison, args.out)
        out.print(f"wrote {len(written)} files to {args.out}")
    return 0
