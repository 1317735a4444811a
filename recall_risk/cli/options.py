"""The options several commands share, each defined once: same name, type, default and help.

A command's ``register`` adds the ones it takes by calling the functions here, never with its
own ``add_argument`` for them, so that ``--prices-dir`` (say) reads the same in every command::

    from recall_risk.cli import options

    def register(subparsers):
        parser = subparsers.add_parser("mycmd", help="...", description="...")
        options.add_config(parser, sweep=True)         # positional CONFIG
        options.add_prices_dir(parser)                  # --prices-dir DIR
        options.add_engine(parser)                      # --engine fast|backtrader
        options.add_out(parser, default="runs/<name>-mycmd/")
        options.add_quiet(parser)                       # --quiet
        parser.set_defaults(handler=_run)

Help text is plain text (argparse prints it as written: no reST or Markdown markup), and an
option with a fixed set of values lists them (``choices=`` or the list in its help);
``tests/test_cli_help.py`` checks both for every command.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path

from recall_risk.calendar import iso_date

ENGINES = ("fast", "backtrader")


def add_config(parser: argparse.ArgumentParser, *, sweep: bool = False) -> None:
    """Positional ``config``: a YAML run config (``sweep``: one with a sweep section)."""
    what = "with a sweep section" if sweep else "e.g. configs/xiaomi_su7.yaml"
    parser.add_argument("config", type=Path, help=f"YAML run config, {what}")


def add_event_source(
    parser: argparse.ArgumentParser,
    *,
    dest: str = "events",
    bundled: bool = True,
    many: bool = False,
) -> None:
    """Positional event set: a bundled set's name or an event file (``bundled=False``: a file);
    ``many``: one or more of them, ``all`` standing for every bundled set (a list)."""
    if many:
        parser.add_argument(
            dest,
            metavar="NAME|PATH",
            nargs="+",
            help="bundled event set name(s) or event file(s) (.yaml or .csv); 'all' for every "
            "bundled set; several are pooled",
        )
    elif bundled:
        parser.add_argument(
            dest, metavar="NAME|PATH", help="bundled event set name, or event file (.yaml or .csv)"
        )
    else:
        parser.add_argument(dest, metavar="PATH", help="event file (.yaml, .yml or .csv)")


def add_ticker(parser: argparse.ArgumentParser) -> None:
    """``--ticker T``: which company of a CSV event file holding several."""
    parser.add_argument(
        "--ticker",
        help="the ticker whose events to use (needed for a CSV event file holding several; "
        "default: the event file's ticker)",
    )


def add_params(parser: argparse.ArgumentParser) -> None:
    """``--params PARAMS.yaml``: score parameters."""
    parser.add_argument(
        "--params",
        metavar="PARAMS.yaml",
        help="YAML file of score parameters (default: the documented defaults)",
    )


def add_prices_dir(parser: argparse.ArgumentParser) -> None:
    """``--prices-dir DIR``: read prices offline from a folder of ``TICKER.csv`` files."""
    parser.add_argument(
        "--prices-dir",
        type=Path,
        default=None,
        metavar="DIR",
        help="offline: read prices from this folder of TICKER.csv files instead of Yahoo Finance",
    )


def add_engine(parser: argparse.ArgumentParser) -> None:
    """``--engine fast|backtrader``."""
    parser.add_argument(
        "--engine",
        choices=ENGINES,
        default="fast",
        help="fast (default): the numpy engine, exact against backtrader; strategies it does not "
        "know run on backtrader. backtrader: every backtest on backtrader",
    )


def add_out(parser: argparse.ArgumentParser, *, default: str | None) -> None:
    """``--out DIR``; ``default`` says where the files go without it (None: nowhere)."""
    where = f"default {default}" if default else "default: print only, write no files"
    parser.add_argument(
        "--out", type=Path, default=None, metavar="DIR", help=f"output folder ({where})"
    )


def add_metric(parser: argparse.ArgumentParser, *, use: str, default: str) -> None:
    """``--metric M``, its help listing every metric.

    Not ``choices=``: the command checks the name itself
    (:func:`recall_risk.sweep.spec.check_metric`), so that a typo gets one line with a "did you
    mean" and exit code 2, as a typo in a config does.
    """
    from recall_risk.metrics import METRIC_NAMES

    parser.add_argument(
        "--metric",
        default=None,
        metavar="M",
        help=f"{use}, one of: {', '.join(METRIC_NAMES)} (default: {default})",
    )


def add_quiet(parser: argparse.ArgumentParser) -> None:
    """``--quiet``: no progress display."""
    parser.add_argument("--quiet", action="store_true", help="no progress display")


def add_format(parser: argparse.ArgumentParser, choices: Sequence[str]) -> None:
    """``--format``: the first of ``choices`` is the default."""
    parser.add_argument(
        "--format",
        choices=tuple(choices),
        default=choices[0],
        help=f"output format: {', '.join(choices)} (default {choices[0]})",
    )


def add_dates(parser: argparse.ArgumentParser, *, required: bool) -> None:
    """``--start DATE`` and ``--end DATE`` (inclusive), as ISO text.

    Required dates are checked by argparse (:func:`day`); optional ones are left to the command,
    which parses them with :func:`recall_risk.calendar.parse_date` once it knows which it needs.
    """
    kind = day if required else str
    parser.add_argument(
        "--start", required=required, type=kind, metavar="DATE", help="first day, YYYY-MM-DD"
    )
    parser.add_argument(
        "--end",
        required=required,
        type=kind,
        metavar="DATE",
        help="last day, YYYY-MM-DD (inclusive)",
    )


def day(text: str) -> str:
    """argparse type: a YYYY-MM-DD date, returned as ISO text."""
    parsed = iso_date(text)
    if parsed is None:
        raise argparse.ArgumentTypeError(
            f"invalid date {text!r}: expected YYYY-MM-DD, for example 2024-04-01"
        )
    return parsed.isoformat()
