"""Run configs: the catalogue of malformed configs, and what a good config resolves to.

Every file in ``tests/data/configs_bad/`` has one thing wrong; its first line
``# expect: a | b | c`` lists fragments the error message must contain. ``recall-risk run FILE``
must exit 2 with one line on stderr naming the file and the field, no traceback, and write
nothing to ``--out``. Helper files they point at live in ``configs_bad/_support/``.
"""

from __future__ import annotations

import socket
from datetime import date
from pathlib import Path

import pytest
import yaml

from recall_risk.cli import main
from recall_risk.config import check_references, config_from_mapping, load_config
from recall_risk.errors import ConfigError, EventFileError, RecallRiskError, ScoreParamsError

BAD = Path(__file__).parent / "data" / "configs_bad"
REPO = Path(__file__).resolve().parents[1]
NONEXISTENT = "does_not_exist.yaml"


@pytest.fixture(autouse=True)
def no_network(monkeypatch):
    """A config error must be found before any price is fetched: refuse every connection."""

    def refuse(*args, **kwargs):
        raise RuntimeError(f"test tried to reach the network: {args!r}")

    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket.socket, "connect", refuse)


def _expected(path: Path) -> list[str]:
    first = path.read_bytes().split(b"\n", 1)[0].decode("ascii")
    assert first.startswith("# expect: "), f"{path.name}: first line must be '# expect: ...'"
    return [part.strip() for part in first.removeprefix("# expect: ").split("|")]


BAD_FILES = sorted(p.name for p in BAD.glob("*.yaml"))


def test_catalogue_is_large_enough():
    assert len(BAD_FILES) >= 25


NEEDS_THE_FLAG = {"csv_without_prices_dir.yaml"}


@pytest.mark.parametrize("name", [*BAD_FILES, NONEXISTENT])
def test_bad_config_exits_2_naming_file_and_field(name, prices_dir, tmp_path, capsys):
    path = BAD / name
    out = tmp_path / "out"
    expected = ["no such config file"] if name == NONEXISTENT else _expected(path)

    # --prices-dir on the command line gives `source: csv` its folder (tested in test_cli_run),
    # so the config that lacks one is run as a user without the flag would run it
    flags = [] if name in NEEDS_THE_FLAG else ["--prices-dir", str(prices_dir)]
    code = main(["run", str(path), *flags, "--out", str(out), "--quiet"])

    captured = capsys.readouterr()
    assert code == 2, captured.err
    assert "Traceback" not in captured.err
    lines = [line for line in captured.err.splitlines() if line.strip()]
    assert len(lines) == 1, captured.err
    assert lines[0].startswith(f"error: {path}: ")
    for fragment in expected:
        assert fragment in lines[0]
    assert captured.out == ""
    assert not out.exists()


# Found only when the strategy is built (its own __init__ checks the values); the run fails before
# writing anything, with the same kind of message.
AT_RUN_TIME = {"strategy_param_out_of_range.yaml"}


@pytest.mark.parametrize("name", sorted(set(BAD_FILES) - AT_RUN_TIME))
def test_bad_config_raises_a_recall_risk_error(name):
    with pytest.raises(RecallRiskError) as info:
        load_config(BAD / name)
    assert isinstance(info.value, ConfigError | ScoreParamsError | EventFileError)
    assert str(BAD / name) in str(info.value)


def test_field_path_of_a_misspelt_strategy_param():
    with pytest.raises(ConfigError, match=r"strategies\[1\]\.params\.exit_abve"):
        load_config(BAD / "unknown_strategy_param.yaml")


@pytest.mark.parametrize("config", sorted((REPO / "configs").glob("*.yaml")), ids=lambda p: p.name)
def test_repository_configs_are_valid(config):
    loaded = load_config(config)
    assert loaded.source_path == config.resolve()
    assert loaded.strategies


def _write(folder: Path, text: str, name: str = "run.yaml") -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


MINIMAL = """\
name: minimal
data: {tickers: [1810.HK], start: 2024-04-01, end: 2025-03-31}
strategies: [{name: hold, strategy: buy_and_hold}]
"""


def test_defaults_of_a_minimal_config(tmp_path):
    config = load_config(_write(tmp_path, MINIMAL))
    assert config.data.start == date(2024, 4, 1)
    assert config.data.source == "yfinance"
    assert config.events is None
    assert config.score == {}
    assert config.broker.cash == 100_000
    assert config.report.thresholds == [0.25, 0.5, 0.75]
    assert config.sweep is None


def test_relative_paths_resolve_against_the_config_folder(tmp_path, monkeypatch):
    folder = tmp_path / "project" / "configs"
    (folder / "events").mkdir(parents=True)
    (folder / "prices").mkdir()
    src = REPO / "recall_risk" / "data" / "events" / "xiaomi_su7.yaml"
    (folder / "events" / "su7.yaml").write_text(src.read_text(encoding="utf-8"), encoding="utf-8")
    (folder / "mine.py").write_text(
        "import backtrader as bt\n\n\nclass Mine(bt.Strategy):\n    params = (('k', 1),)\n",
        encoding="utf-8",
    )
    text = MINIMAL.replace("}\n", ", source: csv, prices_dir: prices}\n", 1) + (
        "events: events/su7.yaml\n"
    )
    text = text.replace(
        "strategies: [{name: hold, strategy: buy_and_hold}]",
        "strategies: [{name: mine, strategy: 'mine.py:Mine', params: {k: 2}}]",
    )
    path = _write(folder, text)
    monkeypatch.chdir(tmp_path)  # somewhere else: the config's folder must be the base
    config = load_config(Path("project/configs/run.yaml"))
    assert config.data.prices_dir == (folder / "prices").resolve()
    assert config.events == str((folder / "events" / "su7.yaml").resolve())
    assert config.source_path == path.resolve()


def test_events_forms(tmp_path):
    text = MINIMAL.replace("[1810.HK]", "[1810.HK, TSLA]")
    assert load_config(_write(tmp_path, text + "events: [xiaomi_su7, tesla]\n")).events == [
        "xiaomi_su7",
        "tesla",
    ]
    mapped = load_config(_write(tmp_path, text + "events: {TSLA: tesla}\n"))
    assert mapped.events == {"TSLA": "tesla"}


def test_empty_params_and_score_read_as_empty_mappings(tmp_path):
    text = MINIMAL.replace("strategy: buy_and_hold}", "strategy: buy_and_hold, params: null}")
    config = load_config(_write(tmp_path, text + "score:\n"))
    assert config.strategies[0].params == {}
    assert config.score == {}


def test_score_section_is_checked_with_score_params(tmp_path):
    path = _write(tmp_path, MINIMAL + "score: {half_life_days: {recal: 30}}\n")
    with pytest.raises(ScoreParamsError, match=r"field 'score\.half_life_days\.recal'.*'recall'"):
        load_config(path)


def test_check_false_skips_references(tmp_path):
    path = _write(tmp_path, MINIMAL.replace("buy_and_hold", "no_such_strategy"))
    config = load_config(path, check=False)
    with pytest.raises(ConfigError, match="unknown strategy 'no_such_strategy'"):
        check_references(config)


def test_sweep_section_stays_free_form(tmp_path):
    path = _write(tmp_path, MINIMAL + "sweep: {anything: [1, 2], nested: {x: y}}\n")
    assert load_config(path).sweep == {"anything": [1, 2], "nested": {"x": "y"}}


def test_config_from_mapping_refuses_a_non_mapping():
    with pytest.raises(ConfigError, match="inline: expected a mapping"):
        config_from_mapping(["name"], source="inline")


def test_every_problem_gets_its_own_line(tmp_path):
    data = yaml.safe_load(MINIMAL)
    data["nmae"] = data.pop("name")
    data["data"]["benchmrk"] = "^HSI"
    with pytest.raises(ConfigError) as info:
        config_from_mapping(data, source="two.yaml")
    lines = str(info.value).splitlines()
    # the misspelt key (its "did you mean 'name'" also says why 'name' is missing) and the data key
    assert len(lines) == 2
    assert all(line.startswith("two.yaml: ") for line in lines)


def test_a_folder_is_not_a_config(tmp_path):
    with pytest.raises(ConfigError, match="is a folder"):
        load_config(tmp_path)


def test_yaml_anchors_and_merge_keys_may_override(tmp_path):
    text = MINIMAL.replace(
        "strategies: [{name: hold, strategy: buy_and_hold}]\n",
        "strategies:\n"
        "  - &exit {name: exit_a, strategy: risk_exit, params: {exit_above: 0.6}}\n"
        "  - <<: *exit\n"
        "    name: exit_b\n",
    )
    config = load_config(_write(tmp_path, text))
    assert [s.name for s in config.strategies] == ["exit_a", "exit_b"]
    assert config.strategies[1].params == {"exit_above": 0.6}


def test_duplicate_key_in_a_nested_mapping(tmp_path):
    path = _write(tmp_path, MINIMAL + "broker: {cash: 1000, cash: 2000}\n")
    with pytest.raises(ConfigError, match=r"line 4, column \d+: duplicate key 'cash'"):
        load_config(path)
