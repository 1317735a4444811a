"""Command-line interface: the only place that prints or exits.

``recall-risk COMMAND ...``; each command lives in its own module with a ``register(subparsers)``
function that adds its parser and sets ``handler``. Exit codes: 0 ok, 1 runtime failure (for
example a data source that cannot be reached), 2 bad input or usage.
"""

from __future__ import annotations

import argparse
import functools
import sys
from collections.abc import Sequence

from recall_risk.errors import DataUnavailableError, RecallRiskError

EXIT_OK = 0
EXIT_RUNTIME = 1
EXIT_USAGE = 2


def build_parser() -> argparse.ArgumentParser:
    """Build the top-level parser with every sub-command registered."""
    from recall_risk.cli import (
        compare_cmd,
        events_cmd,
        fetch_cmd,
        run_cmd,
        score_cmd,
        study_cmd,
        sweep_cmd,
        walkforward_cmd,
    )

    parser = argparse.ArgumentParser(
        prog="recall-risk",
        description="Point-in-time risk scores from corporate quality events, for backtrader.",
    )
    parser.add_argument("--version", action="version", version=_version())
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for module in (
        run_cmd,
        compare_cmd,
        events_cmd,
        score_cmd,
        fetch_cmd,
        study_cmd,
        sweep_cmd,
        walkforward_cmd,
    ):
        module.register(sub)
    return parser


@functools.cache
def _shared_parser() -> argparse.ArgumentParser:
    """:func:`build_parser`'s parser, built once per process for :func:`main` (building takes
    about 15 ms, most of it argparse looking up translations; parsing leaves it unchanged)."""
    return build_parser()


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return f"recall-risk {version('recall-risk')}"
    except PackageNotFoundError:  # running from a source tree that is not installed
        return "recall-risk (not installed)"


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI and return its exit code (the console script passes it to ``sys.exit``)."""
    args = _shared_parser().parse_args(argv)
    try:
        return int(args.handler(args))
    except DataUnavailableError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_RUNTIME
    except RecallRiskError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # e.g. `recall-risk score ... | head`: the reader left, not an error
        import os

        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_OK
