"""``recall-risk events import``: regulator records -> an event file that run, score and study read.

Sub-commands:

- ``nhtsa-recalls FILE|--download``: NHTSA's recall flat file (``FLAT_RCL*.zip`` or its .txt);
- ``nhtsa-investigations FILE|--download``: the investigation flat file (``FLAT_INV.zip``);
- ``nhtsa-api --make MAKE [--year Y ...] [--model M ...] [--json FILE ...]``: the recalls API
  (online), or its saved JSON answers.

Each writes ``--out PATH`` (``.csv``: every ticker; ``.yaml``: one ticker), keeps only
``--ticker`` tickers when given, maps manufacturers with the bundled map extended by ``--map``,
lists the manufacturer names it could not map, and with ``--run-config PATH --start --end`` also
writes a run config that backtests the imported tickers (``recall-risk run PATH``).
"""

from __future__ import annotations

import argparse
import csv
import io
import sys
from pathlib import Path

from recall_risk.cli import options
from recall_risk.csvcells import safe_row
from recall_risk.errors import EventFileError
from recall_risk.regulators import ANNOUNCED_RULES, ImportResult

MAX_LISTED_UNMAPPED = 15


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``events import`` and its sub-commands to the ``events`` sub-parsers."""
    parser = subparsers.add_parser(
        "import",
        help="import a regulator's public records (NHTSA) into an event file",
        description="Import a regulator's public records into an event file that run, score and "
        "study read: NHTSA's recall flat file, its investigation flat file, or its recalls API.",
    )
    sub = parser.add_subparsers(dest="import_source", metavar="SOURCE", required=True)
    recalls = sub.add_parser("nhtsa-recalls", help="NHTSA's recall flat file (FLAT_RCL*.zip)")
    _file_options(recalls)
    _announced_option(recalls)
    recalls.add_argument("--sales", metavar="SALES.csv", help="sales table (default: bundled)")
    recalls.set_defaults(handler=run_recalls)

    probes = sub.add_parser(
        "nhtsa-investigations", help="NHTSA's investigation flat file (FLAT_INV.zip)"
    )
    _file_options(probes)
    probes.set_defaults(handler=run_investigations)

    api = sub.add_parser("nhtsa-api", help="NHTSA's recalls API (online) or its saved JSON")
    api.add_argument("--make", required=True, help="make as NHTSA spells it, e.g. TESLA")
    api.add_argument("--year", type=int, nargs="+", metavar="YEAR", help="model years")
    api.add_argument("--model", nargs="+", metavar="MODEL", help="models (default: all listed)")
    api.add_argument(
        "--json", nargs="+", type=Path, metavar="FILE", help="saved API answers instead of fetching"
    )
    _announced_option(api)
    api.add_argument("--sales", metavar="SALES.csv", help="sales table (default: bundled)")
    _output_options(api)
    api.set_defaults(handler=run_api)


def _file_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", nargs="?", type=Path, metavar="FILE", help="the file as published")
    parser.add_argument(
        "--download", action="store_true", help="fetch the published zip into the cache first"
    )
    parser.add_argument("--refresh", action="store_true", help="download again even if cached")
    parser.add_argument("--cache-dir", type=Path, metavar="DIR", help="cache folder")
    _output_options(parser)


def _announced_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--announced",
        choices=ANNOUNCED_RULES,
        default="safe",
        help="which date a recall counts from (default safe: the later of record creation and "
        "the day after the report was received)",
    )


def _output_options(parser: argparse.ArgumentParser) -> None:
    # --out and --ticker mean something else here than the shared options of cli/options.py: an
    # event file to write (not a report folder), and a list of tickers to keep (not one to read)
    parser.add_argument(
        "--out", required=True, type=Path, metavar="PATH", help="event file to write (.csv|.yaml)"
    )
    parser.add_argument("--ticker", metavar="T[,T...]", help="keep only these tickers")
    parser.add_argument("--map", metavar="MAP.csv", help="manufacturer map extending the bundled")
    parser.add_argument(
        "--run-config",
        type=Path,
        metavar="PATH",
        help="also write a run config backtesting the imported tickers from --start to --end",
    )
    options.add_dates(parser, required=False)


def _tickers(args: argparse.Namespace) -> set[str] | None:
    if not args.ticker:
        return None
    return {t.strip() for t in args.ticker.split(",") if t.strip()}


def _source_file(args: argparse.Namespace, url: str) -> Path:
    if args.download and args.file is not None:
        raise EventFileError("give a FILE or --download, not both")
    if not args.download:
        if args.file is None:
            raise EventFileError(
                f"give the file as published ({url.rsplit('/', 1)[-1]}) or --download"
            )
        return args.file
    from rich.console import Console
    from rich.progress import DownloadColumn, Progress, TextColumn, TransferSpeedColumn

    from recall_risk.regulators.download import download

    console = Console(file=sys.stderr)
    if not console.is_terminal:
        return download(url, cache_dir=args.cache_dir, refresh=args.refresh)
    name = url.rsplit("/", 1)[-1]
    columns = (TextColumn(name), *Progress.get_default_columns()[1:2], DownloadColumn())
    with Progress(*columns, TransferSpeedColumn(), console=console, transient=True) as bar:
        task = bar.add_task(name, total=None)

        def show(done: int, total: int | None) -> None:
            bar.update(task, completed=done, total=total)

        return download(url, cache_dir=args.cache_dir, refresh=args.refresh, progress=show)


def _check_output(args: argparse.Namespace) -> None:
    suffix = args.out.suffix.lower()
    if suffix not in (".csv", ".yaml", ".yml"):
        raise EventFileError(f"--out {args.out}: expected a .csv or .yaml event file name")
    if args.run_config is not None and (not args.start or not args.end):
        raise EventFileError("--run-config needs --start DATE and --end DATE for the backtest")


def run_recalls(args: argparse.Namespace) -> int:
    """``events import nhtsa-recalls``."""
    from recall_risk.regulators import import_recalls
    from recall_risk.regulators.download import RECALLS_URL

    _check_output(args)
    path = _source_file(args, RECALLS_URL)
    result = import_recalls(
        path,
        tickers=_tickers(args),
        map_path=args.map,
        sales_path=args.sales,
        announced=args.announced,
    )
    return _finish(args, result, f"{path} (NHTSA recalls)", "campaigns")


def run_investigations(args: argparse.Namespace) -> int:
    """``events import nhtsa-investigations``."""
    from recall_risk.regulators import import_investigations
    from recall_risk.regulators.download import INVESTIGATIONS_URL

    _check_output(args)
    path = _source_file(args, INVESTIGATIONS_URL)
    result = import_investigations(path, tickers=_tickers(args), map_path=args.map)
    return _finish(args, result, f"{path} (NHTSA investigations)", "investigations")


def run_api(args: argparse.Namespace) -> int:
    """``events import nhtsa-api``."""
    from recall_risk.regulators import import_api
    from recall_risk.regulators.nhtsa_api import fetch_make, load_json_files

    _check_output(args)
    if args.json:
        documents = load_json_files(args.json)
        where = ", ".join(str(p) for p in args.json)
    else:
        if not args.year:
            raise EventFileError("--year YEAR [YEAR ...] is needed to fetch from the API")
        documents = fetch_make(args.make, args.year, models=args.model)
        where = f"NHTSA recalls API, make {args.make}"
        if not documents:
            raise EventFileError(
                f"NHTSA lists no recalls for make {args.make!r} in model years "
                f"{', '.join(map(str, args.year))}; check the make's spelling (e.g. TESLA, FORD)"
            )
    result = import_api(
        documents,
        tickers=_tickers(args),
        map_path=args.map,
        sales_path=args.sales,
        announced=args.announced,
    )
    return _finish(args, result, where, "campaigns")


def _finish(args: argparse.Namespace, result: ImportResult, where: str, noun: str) -> int:
    _report_unmapped(result)
    if not result.sets:
        wanted = f" for {args.ticker}" if args.ticker else ""
        raise EventFileError(
            f"{where}: no events{wanted} from any mapped manufacturer "
            f"({result.records} {noun} read); map the names listed above with --map FILE "
            "(columns name,ticker,benchmark,company)"
        )
    _write_events(args.out, result)
    counts = ", ".join(f"{t} {len(s)}" for t, s in result.sets.items())
    print(
        f"{where}: {result.rows} rows, {result.records} {noun}; wrote {counts} events to {args.out}"
    )
    if args.run_config is not None:
        _write_run_config(args, result)
        print(f"wrote run config {args.run_config}: recall-risk run {args.run_config}")
    return 0


def _report_unmapped(result: ImportResult) -> None:
    if not result.unmapped:
        return
    total = sum(result.unmapped.values())
    print(
        f"unmapped manufacturers: {len(result.unmapped)} names, {total} records left out "
        "(add them with --map FILE):",
        file=sys.stderr,
    )
    for name, count in sorted(result.unmapped.items(), key=lambda kv: (-kv[1], kv[0]))[
        :MAX_LISTED_UNMAPPED
    ]:
        print(f"  {name}: {count}", file=sys.stderr)
    if len(result.unmapped) > MAX_LISTED_UNMAPPED:
        print(f"  ... and {len(result.unmapped) - MAX_LISTED_UNMAPPED} more", file=sys.stderr)


def _write_events(out: Path, result: ImportResult) -> None:
    from recall_risk.cli.events_cmd import CSV_COLUMNS, csv_rows
    from recall_risk.prices.cache import _atomic_write  # the project's one atomic file writer
    from recall_risk.regulators.write import event_set_yaml

    if out.suffix.lower() == ".csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(CSV_COLUMNS)
        writer.writerows(safe_row(row) for row in csv_rows(result.sets.values()))
        text = buffer.getvalue()
    else:
        if len(result.sets) != 1:
            raise EventFileError(
                f"--out {out}: a YAML event file holds one ticker, the import has "
                f"{len(result.sets)} ({', '.join(result.sets)}); pick one with --ticker or "
                "write a .csv"
            )
        (event_set,) = result.sets.values()
        text = event_set_yaml(event_set, "Imported by recall-risk events import.")
    try:
        _atomic_write(out, lambda handle: handle.write(text))
    except OSError as exc:
        raise EventFileError(f"--out {out}: cannot write: {exc.strerror or exc}") from None


def _write_run_config(args: argparse.Namespace, result: ImportResult) -> None:
    from recall_risk.calendar import parse_date
    from recall_risk.config import load_config
    from recall_risk.prices.cache import _atomic_write
    from recall_risk.regulators.write import run_config_yaml

    start, end = parse_date(args.start, what="--start"), parse_date(args.end, what="--end")
    text = run_config_yaml(
        result.sets,
        args.out,
        args.run_config,
        start=start,
        end=end,
        header=f"Backtest of the events imported into {args.out}.",
    )
    try:
        _atomic_write(args.run_config, lambda handle: handle.write(text))
    except OSError as exc:
        raise EventFileError(f"--run-config {args.run_config}: cannot write: {exc}") from None
    load_config(args.run_config)  # what `run` will read: fail now, not then
