"""``recall-risk walkforward CONFIG``: choose the sweep's parameters on each train window, test
them on the next window, and report in-sample vs out-of-sample results per fold and stitched.

Also holds :func:`write_walkforward` (the output folder), kept beside the command so that
:mod:`recall_risk.walkforward` stays the computation only.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd
from rich import box
from rich.table import Table

from recall_risk.cli import options
from recall_risk.cli.output import console
from recall_risk.csvcells import safe_frame

if TYPE_CHECKING:
    from recall_risk.walkforward import WalkForwardResult

MARKER = "folds.csv"
HOW_TO_READ = """\
How to read this table:
- Each fold picks the best point of the sweep grid on its train window only (`is_*` columns: the
  in-sample score of that pick, always flattering) and then runs it unchanged on the next, unseen
  test window (`oos_*` columns). The stitched row chains the test windows into one curve.
- Trust the out-of-sample and stitched numbers, not the in-sample ones. A large, consistent gap
  (in-sample good, out-of-sample poor) means the grid fits noise; parameters that jump from fold
  to fold mean there is no stable optimum.
- `train_events`/`test_events` count the events announced in each window. With a handful of
  events, each fold's choice rests on one or two episodes: the sweep can fit those exactly and
  tell you nothing about the next recall. A fold with 0 events is flagged: its parameters were
  fitted to prices alone, or its test holds no new event to react to.
"""


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``walkforward`` command."""
    parser = subparsers.add_parser(
        "walkforward",
        help="walk-forward test of a config's sweep: choose on train windows, test on the next",
        description="Lay rolling (or anchored) train/test folds over the config's date range; on "
        "each train window choose the best point of the config's sweep grid by METRIC "
        "(respecting its constraints) using only data up to the train end, and run it on the "
        "next test window. Writes folds.csv, folds.md, stitched_equity.csv, stitched.png, "
        "stitched.html, chosen_params.json and summary.json to DIR (default "
        "runs/<name>-walkforward/); a previous result there is replaced only with --force.",
    )
    options.add_config(parser, sweep=True)
    parser.add_argument("--folds", type=int, default=4, metavar="N", help="test folds (4)")
    parser.add_argument(
        "--train-days",
        type=int,
        default=None,
        metavar="D",
        help="train window in trading days (default: every bar before the first test window)",
    )
    parser.add_argument(
        "--test-days",
        type=int,
        default=None,
        metavar="D",
        help="test window in trading days (default: the bars split into N + 2 parts)",
    )
    parser.add_argument(
        "--anchored",
        action="store_true",
        help="train windows all start at the first one's start and grow (default: rolling)",
    )
    options.add_metric(parser, use="selection metric", default="the sweep's metric")
    options.add_out(parser, default="runs/<name>-walkforward/")
    options.add_prices_dir(parser)
    options.add_engine(parser)
    parser.add_argument(
        "--force", action="store_true", help="replace a previous walk-forward result in DIR"
    )
    parser.set_defaults(handler=_run)


def _run(args: argparse.Namespace) -> int:
    from recall_risk.config import load_config
    from recall_risk.errors import ConfigError
    from recall_risk.report.atomic import check_output_dir
    from recall_risk.runner import benchmark_series, data_warnings
    from recall_risk.sweep import load_sweep_spec, prepare_sweep_data
    from recall_risk.walkforward import run_walkforward

    started = time.perf_counter()
    config = load_config(args.config, prices_dir=args.prices_dir)
    load_sweep_spec(config)  # a config without a usable sweep fails before any data is loaded
    out_dir = args.out or Path("runs") / f"{config.name}-walkforward"
    check_output_dir(out_dir, marker=MARKER)  # before the folds run, not after
    if (Path(out_dir) / MARKER).is_file() and not args.force:
        raise ConfigError(
            f"{out_dir}: holds a previous walk-forward result; pass --force to replace it or "
            "choose another --out"
        )
    data = prepare_sweep_data(config, args.prices_dir)
    result = run_walkforward(
        config,
        data,
        folds=args.folds,
        train_days=args.train_days,
        test_days=args.test_days,
        anchored=args.anchored,
        metric=args.metric,
        engine=args.engine,
    )
    written = write_walkforward(result, out_dir)
    out = console()
    out.print(fold_table(result))
    out.print(
        "all: the test windows stitched out-of-sample; B&H, bench: the tickers, the benchmark held"
    )
    for r in result.folds:
        f = r.fold
        train = f"{f.train_start.date()}..{f.train_end.date()}"
        out.print(
            f"fold {f.index}: train {train} ({f.train_bars} bars), chose {_params_text(r.params)}",
            markup=False,
        )
    err = console(stderr=True)
    bench = benchmark_series(config, data.benchmark)
    for warning in [*data_warnings(data.events, data.prices, bench), *result.warnings]:
        err.print(f"WARNING: {warning}", style="bold red", markup=False, highlight=False)
    out.print(f"wrote {len(written)} files to {out_dir} in {time.perf_counter() - started:.1f} s")
    sys.stdout.flush()
    return 0


def _params_text(params: dict[str, Any] | None) -> str:
    if params is None:
        return "(none: held cash)"
    return " ".join(f"{k}={v:g}" if isinstance(v, float) else f"{k}={v}" for k, v in params.items())


def fold_table(result: WalkForwardResult) -> Table:
    """The terminal table (fits 100 columns): one row per fold, then the stitched out-of-sample
    row; the chosen point's return beside buy-and-hold's and the benchmark's on the same window.
    The train windows and chosen parameters are printed under it (and are in folds.md)."""
    from recall_risk.report.markdown import format_percent, format_value

    m = result.metric
    kind = "anchored" if result.anchored else "rolling"
    table = Table(
        title=f"{result.name}: walk-forward, {kind}, by {m} ({result.engine} engine)",
        box=box.SIMPLE_HEAD,
        show_edge=False,
        pad_edge=False,
        padding=(0, 1, 0, 0),
    )
    table.add_column("fold")
    table.add_column("test window", no_wrap=True)
    table.add_column("events tr/te")
    for name in (f"IS {m}", f"OOS {m}", "OOS return", "B&H return", "bench return"):
        table.add_column(name, justify="right", min_width=7)
    table.add_column("OOS max_dd", justify="right", min_width=6)
    table.add_column("OOS trades", justify="right")
    for r in result.folds:
        f = r.fold
        oos = r.out_of_sample
        table.add_row(
            str(f.index),
            f"{f.test_start.date()}..{f.test_end.date()}",
            f"{r.train_events}/{r.test_events}"
            + (" !" if not (r.train_events and r.test_events) else ""),
            format_value(m, r.in_sample.get(m)),
            format_value(m, oos.get(m)),
            format_percent(oos.get("total_return")),
            format_percent(r.hold_return),
            format_percent(r.benchmark_return),
            format_percent(oos.get("max_drawdown")),
            format_value("trades", oos.get("trades")),
        )
    s = result.stitched_metrics
    returns = result.stitched_returns()
    first, last = result.stitched.index[0].date(), result.stitched.index[-1].date()
    table.add_row(
        "all",
        f"{first}..{last}",
        f"-/{sum(r.test_events for r in result.folds)}",
        "",
        format_value(m, s.get(m)),
        format_percent(s.get("total_return")),
        format_percent(returns.get("buy_and_hold")),
        format_percent(returns.get("benchmark")),
        format_percent(s.get("max_drawdown")),
        format_value("trades", s.get("trades")),
        style="bold",
    )
    return table


def _json_value(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if hasattr(value, "item"):  # numpy scalars
        return _json_value(value.item())
    if value is None or value is pd.NA:
        return None
    return value


def _cell(column: str, value: Any) -> str:
    from recall_risk.report.markdown import format_percent, format_value

    if column.endswith("_return"):
        return format_percent(value)
    return format_value(column.removeprefix("is_").removeprefix("oos_"), value)


def _markdown(result: WalkForwardResult) -> str:
    from recall_risk.report.markdown import format_percent, format_value, md_cell

    table = result.table()
    shown = [c for c in table.columns if c not in ("candidates", "note")]
    lines = [
        f"# {md_cell(result.name)}: walk-forward",
        "",
        f"{'Anchored' if result.anchored else 'Rolling'} folds, selection by `{result.metric}` "
        f"({'max' if result.maximize else 'min'}imised), {result.engine} engine.",
        "",
        "| " + " | ".join(md_cell(c) for c in shown) + " |",
        "|" + "|".join("---" for _ in shown) + "|",
    ]
    for row in table.to_dict("records"):
        cells = (md_cell(_cell(c, _json_value(row[c]))) for c in shown)
        lines.append("| " + " | ".join(cells) + " |")
    lines += ["", "## Stitched out-of-sample", "", "| metric | value |", "|---|---|"]
    lines += [f"| {k} | {format_value(k, v)} |" for k, v in result.stitched_metrics.items()]
    returns = result.stitched_returns()
    lines += [
        "",
        "The same test windows, each from fresh cash (`stitched.png`, `stitched.html`):",
        "",
        "| curve | total_return |",
        "|---|---|",
        *(f"| {md_cell(c)} | {format_percent(v)} |" for c, v in returns.items()),
    ]
    notes = [f"- fold {r.fold.index}: {md_cell(r.note)}" for r in result.folds if r.note]
    if result.warnings:
        lines += ["", "## Warnings", "", *(f"- **{md_cell(w)}**" for w in result.warnings)]
    elif notes:
        lines += ["", "## Notes", "", *notes]
    lines += [
        "",
        "## " + HOW_TO_READ.splitlines()[0].rstrip(":"),
        "",
        *HOW_TO_READ.splitlines()[1:],
    ]
    return "\n".join(lines) + "\n"


def write_walkforward(result: WalkForwardResult, out_dir: Path) -> list[Path]:
    """Write the walk-forward outputs into ``out_dir`` atomically (all files or none).

    Files: folds.csv, folds.md, stitched_equity.csv (with the buy-and-hold and benchmark
    curves), stitched.png, stitched.html, chosen_params.json, summary.json.
    """
    from recall_risk.report.atomic import atomic_dir
    from recall_risk.report.html import text_table
    from recall_risk.report.walkforward_chart import stitched_html, write_stitched_png

    names = [
        "folds.csv",
        "folds.md",
        "stitched_equity.csv",
        "stitched.png",
        "stitched.html",
        "chosen_params.json",
        "summary.json",
    ]
    chosen = {
        "metric": result.metric,
        "folds": [
            {
                "fold": r.fold.index,
                "train_start": r.fold.train_start.date().isoformat(),
                "train_end": r.fold.train_end.date().isoformat(),
                "test_start": r.fold.test_start.date().isoformat(),
                "test_end": r.fold.test_end.date().isoformat(),
                "params": {k: _json_value(v) for k, v in (r.params or {}).items()} or None,
                "note": r.note,
            }
            for r in result.folds
        ],
    }
    summary = {
        "name": result.name,
        "metric": result.metric,
        "maximize": result.maximize,
        "anchored": result.anchored,
        "engine": result.engine,
        "stitched": {k: _json_value(v) for k, v in result.stitched_metrics.items()},
        "stitched_total_return": result.stitched_returns(),
        "warnings": result.warnings,
    }
    with atomic_dir(out_dir, marker=MARKER) as tmp:
        safe_frame(result.table()).to_csv(
            tmp / "folds.csv", index=False, float_format="%.10g", lineterminator="\n"
        )
        (tmp / "folds.md").write_text(_markdown(result), encoding="utf-8")
        result.stitched.to_csv(
            tmp / "stitched_equity.csv", float_format="%.10g", lineterminator="\n"
        )
        write_stitched_png(result, tmp / "stitched.png")
        table = result.table()
        shown = [c for c in table.columns if c not in ("candidates", "note")]
        rows = [[_cell(c, _json_value(row[c])) for c in shown] for row in table.to_dict("records")]
        page = stitched_html(result, text_table(shown, rows))
        (tmp / "stitched.html").write_text(page, encoding="utf-8")
        for name, payload in (("chosen_params.json", chosen), ("summary.json", summary)):
            text = json.dumps(payload, indent=2, sort_keys=False, allow_nan=False)
            (tmp / name).write_text(text + "\n", encoding="utf-8")
    return [Path(out_dir) / n for n in names]
