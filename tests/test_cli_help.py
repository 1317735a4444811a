"""Every command's --help: plain text, shared options worded the same everywhere, choices listed."""

from __future__ import annotations

import argparse

import pytest

from recall_risk.cli import build_parser
from recall_risk.metrics import METRIC_NAMES


def _commands(
    parser: argparse.ArgumentParser, name: str = "recall-risk"
) -> list[tuple[str, argparse.ArgumentParser]]:
    """``(name, parser)`` of the top level and every sub-command, depth first."""
    out = [(name, parser)]
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for sub_name, sub in action.choices.items():
                out += _commands(sub, f"{name} {sub_name}")
    return out


COMMANDS = _commands(build_parser())


def test_every_command_is_covered():
    names = {name for name, _ in COMMANDS}
    for command in ("run", "sweep", "walkforward", "study", "score", "compare", "fetch"):
        assert f"recall-risk {command}" in names
    assert {"recall-risk events list", "recall-risk events show"} <= names


@pytest.mark.parametrize(("name", "parser"), COMMANDS, ids=[name for name, _ in COMMANDS])
def test_help_is_plain_text(name, parser):
    text = parser.format_help()
    assert "``" not in text, f"{name} --help shows reST markup"
    assert ":func:" not in text and ":class:" not in text


def test_metric_help_lists_every_metric():
    helps = [
        action.help
        for name, parser in COMMANDS
        for action in parser._actions
        if "--metric" in action.option_strings
    ]
    assert helps, "no command has --metric"
    for text in helps:
        assert all(metric in text for metric in METRIC_NAMES), text


def test_walkforward_metric_help_in_the_printed_help():
    parser = dict(COMMANDS)["recall-risk walkforward"]
    text = " ".join(parser.format_help().split())
    assert f"one of: {', '.join(METRIC_NAMES)}" in text


_IMPORTS = (
    "recall-risk events import nhtsa-recalls",
    "recall-risk events import nhtsa-investigations",
    "recall-risk events import nhtsa-api",
)
OWN_MEANING = {("recall-risk study", "--ticker")} | {
    (name, option) for name in _IMPORTS for option in ("--out", "--ticker")
}
"""Options that share a name but not a meaning: study's --ticker is the stock studied, which may
differ from the event file's company (a rival's events against this stock); events import's --out
is the event file it writes (not a report folder) and its --ticker a list of tickers to keep."""
SHARED = ("--prices-dir", "--engine", "--out", "--quiet", "--params", "--ticker", "--format")


@pytest.mark.parametrize("option", SHARED)
def test_shared_options_are_defined_once(option):
    """Same type, metavar and help wording wherever an option appears (``--out`` names its default
    folder and ``--format`` its choices, so only their common part is compared)."""
    found = [
        (name, action)
        for name, parser in COMMANDS
        for action in parser._actions
        if option in action.option_strings and (name, option) not in OWN_MEANING
    ]
    assert len(found) >= 2, f"{option} is shared by fewer than two commands"
    first = found[0][1]
    for name, action in found[1:]:
        assert (action.type, action.metavar, action.dest) == (first.type, first.metavar, first.dest)
        if option == "--out":
            assert action.help.startswith("output folder ("), name
        elif option == "--format":
            assert action.help.startswith("output format: "), name
            assert action.choices and all(c in action.help for c in action.choices), name
        else:
            assert action.help == first.help, f"{name} words {option} differently"


def test_choices_are_listed():
    """An option with a fixed set of values shows them in the help."""
    for name, parser in COMMANDS:
        text = parser.format_help()
        for action in parser._actions:
            if action.choices and not isinstance(action, argparse._SubParsersAction):
                assert all(str(c) in text for c in action.choices), (name, action.dest)


def test_main_reuses_one_parser_and_each_parse_starts_fresh():
    """main() builds its parser once per process; a parse leaves nothing behind for the next."""
    from recall_risk.cli import _shared_parser

    parser = _shared_parser()
    assert _shared_parser() is parser
    first = parser.parse_args(["run", "a.yaml", "--quiet", "--prices-dir", "p"])
    second = parser.parse_args(["run", "b.yaml"])
    assert (first.quiet, str(first.prices_dir)) == (True, "p")
    assert (second.quiet, second.prices_dir, str(second.config)) == (False, None, "b.yaml")
    assert vars(second) == vars(build_parser().parse_args(["run", "b.yaml"]))
