"""``recall-risk sweep CONFIG``: run the config's parameter sweep and write its outputs."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

from recall_risk.cli import options
from recall_risk.cli.output import console

if TYPE_CHECKING:
    from rich.console import Console

    from recall_risk.sweep.executors import SweepRun
    from recall_risk.sweep.spec import SweepSpec


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``sweep`` command."""
    parser = subparsers.add_parser(
        "sweep",
        help="run the parameter sweep of a YAML config (grid or random sample)",
        description="Backtest every point of CONFIG's sweep section; write results.csv/.parquet, "
        "top.md, heatmap.png/.html and the best points as ready-to-run configs in best/ to DIR "
        "(default runs/<name>-sweep/).",
    )
    options.add_config(parser, sweep=True)
    options.add_out(parser, default="runs/<name>-sweep/")
    parser.add_argument(
        "--scheduler",
        default=None,
        metavar="local|ADDRESS",
        help="'local': a Dask LocalCluster of --workers processes (a process pool without Dask); "
        "tcp://HOST:PORT: an existing Dask scheduler; 'processes': a process pool; "
        "default: this process, or a process pool when --workers > 1",
    )
    parser.add_argument("--workers", type=int, default=1, metavar="N", help="worker processes")
    parser.add_argument(
        "--force-scheduler",
        action="store_true",
        help="use --scheduler processes/local even for a sweep small enough (under about 2 s of "
        "work) to run faster in this process, which is what happens without this flag; a "
        "scheduler address (tcp://...) always distributes",
    )
    options.add_engine(parser)
    options.add_prices_dir(parser)
    parser.add_argument(
        "--yes", action="store_true", help="run sweeps of more than 1,000,000 backtests"
    )
    options.add_quiet(parser)
    parser.set_defaults(handler=_sweep)


def _sweep(args: argparse.Namespace) -> int:
    from recall_risk.config import load_config
    from recall_risk.errors import ConfigError
    from recall_risk.report.atomic import check_output_dir
    from recall_risk.runner import benchmark_series, data_warnings
    from recall_risk.sweep import MAX_POINTS, load_sweep_spec, prepare_sweep_data
    from recall_risk.sweep.executors import check_scheduler, run_points
    from recall_risk.sweep.write import MARKER as SWEEP_MARKER
    from recall_risk.sweep.write import has_parquet, write_sweep

    started = time.perf_counter()
    if args.workers < 1:
        raise ConfigError(f"--workers must be at least 1, got {args.workers}")
    config = load_config(args.config)
    spec = load_sweep_spec(config, max_points=None if args.yes else MAX_POINTS)
    scheduler = check_scheduler(args.scheduler or ("processes" if args.workers > 1 else "serial"))
    out_dir = args.out or Path("runs") / f"{config.name}-sweep"
    check_output_dir(out_dir, marker=SWEEP_MARKER)  # before the sweep, not after it
    points = spec.points()
    data = prepare_sweep_data(config, args.prices_dir)
    err = console(stderr=True)
    if args.quiet or not err.is_terminal:
        run = run_points(
            config,
            data,
            points,
            engine=args.engine,
            scheduler=scheduler,
            workers=args.workers,
            force_scheduler=args.force_scheduler,
        )
    else:
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
        )

        with Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            TextColumn("ETA"),
            TimeRemainingColumn(),
            console=err,
            transient=True,
        ) as bar:
            task = bar.add_task(f"sweep {config.name}", total=len(points))

            def progress(done: int, total: int) -> None:
                bar.update(task, completed=done, total=total)

            run = run_points(
                config,
                data,
                points,
                engine=args.engine,
                scheduler=scheduler,
                workers=args.workers,
                force_scheduler=args.force_scheduler,
                progress=progress,
            )
    _refuse_all_invalid(run)  # nothing written: a table of errors is no sweep result
    written = write_sweep(out_dir, config, spec, points, run)
    out = console()
    notes = list(run.notes)
    if not has_parquet():
        notes.append(
            'pyarrow is not installed: results.parquet skipped (pip install "recall-risk[parquet]")'
        )
    for note in notes:
        err.print(f"note: {note}")
    bench = benchmark_series(config, data.benchmark)
    for warning in data_warnings(data.events, data.prices, bench):
        err.print(f"WARNING: {warning}", style="bold red", markup=False, highlight=False)
    _print_top(out, run, spec, config.report.min_trades)
    elapsed = time.perf_counter() - started
    out.print(
        f"{len(points)} backtests on {run.executor}; wrote {len(written)} files to {out_dir} "
        f"in {elapsed:.1f} s"
    )
    sys.stdout.flush()
    return 0


def _print_top(out: Console, run: SweepRun, spec: SweepSpec, config_min_trades: int) -> None:
    """The best few distinct results as a table on stdout; ties collapsed with their count,
    round trips below ``report.min_trades`` marked †."""
    from rich.table import Table

    from recall_risk.report.markdown import format_metric
    from recall_risk.sweep.ranking import TIED_COLUMN, rank_table, tied_text, top_distinct

    ranked = rank_table(run.table, spec)
    best = top_distinct(ranked, min(5, spec.top))
    metric = spec.metric
    table = Table(title=f"best by {metric}")
    columns = ["rank", *spec.keys, metric, "max_drawdown", "trades"]
    columns = list(dict.fromkeys(columns))
    for column in columns:
        table.add_column(column, justify="right")
    table.add_column("ties", justify="right")
    for _, row in best.iterrows():
        cells = [format_metric(_plain(row[c])) for c in columns]
        if int(_plain(row["trades"]) or 0) < config_min_trades:
            cells[columns.index("trades")] += " †"
        table.add_row(*cells, tied_text(int(row[TIED_COLUMN])))
    if best.empty:
        out.print("no point satisfies the constraints")
    else:
        out.print(table)
        if any(int(_plain(t) or 0) < config_min_trades for t in best["trades"]):
            out.print(f"† fewer than {config_min_trades} round trips (report.min_trades)")


def _refuse_all_invalid(run: SweepRun) -> None:
    """Every point broke a strategy's rules (``exit_above: [1.5]``, say): bad input, exit 2."""
    from recall_risk.errors import ConfigError
    from recall_risk.sweep.table import ERROR_COLUMN

    errors = run.table[ERROR_COLUMN].fillna("").astype(str)
    if errors.empty or (errors == "").any():
        return
    first = errors.iloc[0]
    raise ConfigError(
        f"sweep: all {len(errors)} points are invalid; the first: {first} "
        "(check the grid against the strategy's rules)"
    )


def _plain(value: object) -> object:
    """numpy scalars -> Python scalars (for display)."""
    item = getattr(value, "item", None)
    return item() if callable(item) else value
