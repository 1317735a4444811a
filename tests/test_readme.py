"""The README is tested like code: its set-up commands, what CI runs, and every command line,
option, config path and bundled event set it shows.

Written generically: whatever ``recall-risk ...`` command lines the README shows (in code blocks
or inline code), each sub-command must exist, each option must be accepted by that sub-command's
parser, and the whole line must parse (lines with ``...`` placeholders are only checked for their
sub-command and options).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import re
import shlex
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from recall_risk.cli import _shared_parser as _parser  # main()'s own, built once
from recall_risk.cli import main
from recall_risk.events import bundled_event_sets

REPO = Path(__file__).resolve().parents[1]
README = (REPO / "README.md").read_text(encoding="utf-8")
CI_RUN = (REPO / ".ci" / "run").read_text(encoding="utf-8")
_FENCE = re.compile(r"^```(\w*)\n(.*?)^```", re.MULTILINE | re.DOTALL)
_INLINE = re.compile(r"(?<!`)`(recall-risk [^`]+)`(?!`)")
_REPO_PATH = re.compile(
    r"(?<![\w./-])((?:configs|examples|bench|strategies|recall_risk|tests)/[\w./-]*\w)"
)


def _blocks(language: str | None = None) -> list[str]:
    return [body for lang, body in _FENCE.findall(README) if language is None or lang == language]


def _command_after(marker: str) -> str:
    """The first line of the first code block after ``<!-- marker -->`` (what .ci/run reads)."""
    _, found, rest = README.partition(f"<!-- {marker} -->")
    assert found, f"README.md has no <!-- {marker} --> marker"
    match = _FENCE.search(rest)
    assert match is not None, f"no code block after <!-- {marker} -->"
    lines = [line for line in match.group(2).splitlines() if line.strip()]
    assert len(lines) == 1, f"the block after <!-- {marker} --> must hold one command line"
    return lines[0]


def _shell_lines() -> list[str]:
    """Command lines of the shell blocks, with backslash continuations joined."""
    lines: list[str] = []
    for body in _blocks("bash") + _blocks("sh") + _blocks("console"):
        joined = re.sub(r"\\\n\s*", " ", body)
        for line in joined.splitlines():
            line = line.strip().removeprefix("$ ")
            if line and not line.startswith("#"):
                lines.append(line)
    return lines


def _cli_commands() -> list[list[str]]:
    """Every ``recall-risk ...`` invocation shown, as argument lists (without the program)."""
    texts = _INLINE.findall(README)
    for line in _shell_lines():
        for part in re.split(r"&&|\|\||;|\|", line):
            part = part.split(" #", 1)[0].strip()
            if part.startswith("recall-risk "):
                texts.append(part)
    commands = [shlex.split(text)[1:] for text in texts]
    assert commands, "README.md shows no recall-risk command"
    return commands


COMMANDS = _cli_commands()


def _ids(command: list[str]) -> str:
    return " ".join(command)[:60]


def test_main_command_installs_and_runs_a_config():
    command = _command_after("main-command")
    assert "python3 -m venv .venv" in command
    assert "pip install ." in command
    assert re.search(r"recall-risk run configs/\w+\.yaml", command)


def test_test_command_installs_the_test_extras_and_runs_pytest():
    command = _command_after("test-command")
    assert "python3 -m venv .venv" in command
    assert re.search(r"pip install \"?\.\[[^\]]*\btest\b", command)
    assert command.split("&&")[-1].strip().startswith("pytest")


def test_ci_runs_the_readme_test_command_verbatim():
    # Run .ci/run's own extraction and compare it with the README's line.
    extract = next(line for line in CI_RUN.splitlines() if line.startswith("test_command="))
    proc = subprocess.run(
        ["bash", "-c", f'{extract}\nprintf "%s" "$test_command"'],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
    )
    assert proc.stdout == _command_after("test-command")
    assert 'bash -euo pipefail -c "$test_command"' in CI_RUN


def _subcommand(
    parser: argparse.ArgumentParser, argv: list[str]
) -> tuple[list[str], argparse.ArgumentParser]:
    """Descend through nested sub-commands; return their names and the innermost parser."""
    names: list[str] = []
    rest = list(argv)
    while rest:
        actions = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
        if not actions or rest[0] not in actions[0].choices:
            break
        names.append(rest[0])
        parser = actions[0].choices[rest.pop(0)]
    return names, parser


def _top_level_commands() -> set[str]:
    parser = _parser()
    actions = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    return set(actions[0].choices)


@pytest.mark.parametrize("command", COMMANDS, ids=_ids)
def test_readme_subcommand_exists(command):
    assert command, "a bare 'recall-risk' line"
    assert command[0] in _top_level_commands(), f"no sub-command {command[0]!r}"


@pytest.mark.parametrize("command", COMMANDS, ids=_ids)
def test_readme_options_are_accepted(command):
    names, parser = _subcommand(_parser(), command)
    accepted = set(parser._option_string_actions)
    for token in command[len(names) :]:
        if token.startswith("-") and len(token) > 1 and not token[1].isdigit():
            flag = token.split("=", 1)[0]
            assert flag in accepted, (
                f"'recall-risk {' '.join(names)}' has no option {flag}; "
                f"it takes {', '.join(sorted(accepted))}"
            )


@pytest.mark.parametrize("command", [c for c in COMMANDS if "..." not in c], ids=_ids)
def test_readme_command_line_parses(command, capsys):
    try:
        args = _parser().parse_args(command)
    except SystemExit as exc:  # argparse reports and exits; 0 only for --help/--version
        assert exc.code == 0, capsys.readouterr().err
        return
    assert callable(args.handler)


def test_readme_repository_paths_exist():
    named = set(_REPO_PATH.findall(README))
    assert any(p.startswith("configs/") and p.endswith(".yaml") for p in named)
    missing = sorted(p for p in named if not (REPO / p).exists())
    assert not missing, f"README.md names paths that do not exist: {missing}"


def _bundled_sentence() -> str:
    """The list in "Bundled sets ...: `a`, `b`, ... ." (between the colon and the full stop)."""
    match = re.search(r"Bundled sets[^:]*:([^.]*)\.", README)
    assert match is not None, "README.md has no 'Bundled sets ...: `name`, ...' sentence"
    return match.group(1)


def _readme_event_sets() -> set[str]:
    names: set[str] = set(re.findall(r"`(\w+)`", _bundled_sentence()))
    for body in _blocks("yaml"):
        data = yaml.safe_load(body)
        events = data.get("events") if isinstance(data, dict) else None
        if isinstance(events, str):
            names.add(events)
    for command in COMMANDS:
        names_, _ = _subcommand(_parser(), command)
        if names_ in (["score"], ["events", "show"]):
            positional = command[len(names_)]
            if positional != "..." and not Path(positional).suffix:
                names.add(positional)
    return names


def test_readme_event_sets_are_bundled_and_all_documented():
    named = _readme_event_sets()
    bundled = set(bundled_event_sets())
    assert named, "README.md names no bundled event set"
    assert named <= bundled, f"not bundled: {sorted(named - bundled)}"
    listed = _bundled_sentence()
    undocumented = sorted(n for n in bundled if f"`{n}`" not in listed)
    assert not undocumented, f"bundled but not listed in README.md: {undocumented}"


# Read-only commands cheap enough to run for real (``run``/``compare`` are run by
# test_configs_run.py and test_newcomer.py; ``fetch`` needs the network).
_EXECUTABLE = (("events", "list"), ("events", "show"), ("score",))


def _executable_commands() -> list[list[str]]:
    chosen = []
    for command in COMMANDS:
        names, _ = _subcommand(_parser(), command)
        if tuple(names) in _EXECUTABLE and "..." not in command:
            chosen.append(command)
    return chosen


def test_some_readme_commands_are_executed():
    assert _executable_commands()


@pytest.mark.parametrize("command", _executable_commands(), ids=_ids)
def test_readme_command_runs(command, prices_dir, monkeypatch, capsys):
    monkeypatch.chdir(REPO)
    argv = [arg.replace("../shared/data/prices", str(prices_dir)) for arg in command]
    code = main(argv)
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert captured.out.strip()


def test_nhtsa_walkthrough_goes_from_the_published_file_to_a_backtest(
    prices_dir, tmp_path, monkeypatch, capsys
):
    """The two commands after <!-- nhtsa-walkthrough -->, run as written on the fixtures."""
    _, found, rest = README.partition("<!-- nhtsa-walkthrough -->")
    assert found, "README.md has no <!-- nhtsa-walkthrough --> marker"
    match = _FENCE.search(rest)
    assert match is not None
    lines = [line for line in match.group(2).splitlines() if line.strip()]
    assert len(lines) == 2 and all(line.startswith("recall-risk ") for line in lines)
    monkeypatch.chdir(tmp_path)  # outputs land here; inputs are read from the repository
    for line in lines:
        argv = [
            str(REPO / arg) if arg.startswith("tests/data/") else arg
            for arg in shlex.split(line)[1:]
        ]
        argv = [arg.replace("../shared/data/prices", str(prices_dir)) for arg in argv]
        assert main(argv) == 0, capsys.readouterr().err
    out = capsys.readouterr().out
    assert "17 rows, 4 campaigns; wrote TSLA 2 events" in out
    metrics = json.loads((tmp_path / "runs" / "tesla_nhtsa" / "metrics.json").read_text())
    assert "risk_exit" in json.dumps(metrics)


# --- Every offline command form, run as written -------------------------------------------
# A "form" is a sub-command with its set of options (``--out`` aside: every form writes
# somewhere). Each offline form the README shows (it reads ../shared/data/prices, or it is a
# ``compare``) runs once, in a scratch folder, with only these substitutions: the shared prices
# folder, repository paths made absolute, and ``study all`` narrowed to two sets (the full
# ``all`` runs in tests/test_study_pooled_cli.py). ``run nhtsa/...`` needs the import before it
# and runs in test_nhtsa_walkthrough_goes_from_the_published_file_to_a_backtest.
_OFFLINE = {"run", "sweep", "walkforward", "study", "compare"}


def _form(command: list[str]) -> tuple[str, frozenset[str]]:
    flags = {t.split("=", 1)[0] for t in command[1:] if t.startswith("--")}
    return command[0], frozenset(flags - {"--out"})


def _offline_forms() -> dict[tuple[str, frozenset[str]], list[str]]:
    forms: dict[tuple[str, frozenset[str]], list[str]] = {}
    for command in COMMANDS:
        if command[0] not in _OFFLINE or any("..." in t for t in command):
            continue
        if command[0] != "compare" and "../shared/data/prices" not in command:
            continue  # the online form (Yahoo), tested offline in test_cli_run.py
        if any(t.startswith("nhtsa/") for t in command):
            continue
        forms.setdefault(_form(command), command)
    return forms


OFFLINE_FORMS = _offline_forms()


def _as_run(command: list[str], prices_dir: Path) -> list[str]:
    argv = []
    for arg in command:
        if arg == "../shared/data/prices":
            arg = str(prices_dir)
        elif arg.split("/", 1)[0] in ("configs", "tests", "examples"):
            arg = str(REPO / arg)
        argv.append(arg)
    if argv[:2] == ["study", "all"]:
        argv[1:2] = ["xiaomi_su7", "byd"]
    return argv


@pytest.fixture(scope="module")
def scratch(tmp_path_factory):
    """One working folder for the module: outputs of one form feed the next (compare)."""
    folder = tmp_path_factory.mktemp("readme")
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(folder)
        yield folder


def test_the_readme_shows_each_offline_form():
    names = {sub for sub, _ in OFFLINE_FORMS}
    assert names == _OFFLINE
    # the sweep's three executors and both walk-forward layouts are among them
    sweeps = [flags for sub, flags in OFFLINE_FORMS if sub == "sweep"]
    assert {"--scheduler", "--workers"} <= set().union(*sweeps) and len(sweeps) == 3
    assert any("--anchored" in flags for sub, flags in OFFLINE_FORMS if sub == "walkforward")


@pytest.mark.parametrize(
    "command", list(OFFLINE_FORMS.values()), ids=lambda c: _ids(c) if isinstance(c, list) else c
)
def test_readme_offline_form_runs(command, prices_dir, scratch, capsys):
    argv = _as_run(command, prices_dir)
    if argv[0] == "compare":  # "edit the config ... and run it again into runs/xiaomi_v2"
        first = scratch / "runs" / "xiaomi_su7"  # the run form's output, if it ran before
        if not first.exists():
            assert main([*_as_run(_XIAOMI_RUN, prices_dir), "--quiet"]) == 0
        for run in ("runs/xiaomi", "runs/xiaomi_v2"):
            if not (scratch / run).exists():
                shutil.copytree(first, scratch / run)
    with contextlib.ExitStack() as stack:
        if "tcp://SCHEDULER:8786" in argv:  # the placeholder: a real scheduler on loopback
            from distributed import LocalCluster

            cluster = stack.enter_context(
                LocalCluster(
                    n_workers=1,
                    threads_per_worker=1,
                    processes=False,
                    protocol="tcp",
                    host="127.0.0.1",
                    dashboard_address=None,
                )
            )
            argv = [cluster.scheduler_address if a.startswith("tcp://") else a for a in argv]
        code = main(argv)
        captured = capsys.readouterr()
    assert code == 0, captured.err


_XIAOMI_RUN = ["run", "configs/xiaomi_su7.yaml", "--prices-dir", "../shared/data/prices"]
