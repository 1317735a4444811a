"""The bad-input catalogue: every input the project takes, malformed in every way we know of.

Each case runs the CLI's ``main()`` in this process and must end with exit code 2, one line on
stderr (``error: ...``) naming the file and the field, no traceback, and within a time limit
(a hang is a failure, not a slow pass). Cases are grouped by class (the ``CLASS`` in each id):

- ``number``: a number outside what the engines handle exactly (inf, 1e400, 1e15 cash, ...);
- ``bomb``: YAML alias expansion ("billion laughs") nested anywhere in a file;
- ``limit``: a long run name, a deeply nested metrics.json;
- ``import``: a strategy file whose import exits, is interrupted or raises BaseException;
- ``accepted``: input that used to be accepted silently (newline in an id, a repeated price
  column, an unsorted --calendar, NaN or missing metrics given to compare);
- ``message``: a message that did not say what to fix (sweep step 0, a misspelt top-level key);
- ``config``, ``events``, ``prices``: the committed bad files of ``tests/data`` and more cases
  of each input (already clean before the hardening; kept here so they stay clean).

Outputs written from user text (Markdown escaping, CSV formula neutralisation) and atomic output
folders have their own tests (``test_output_escaping.py``, ``test_report_atomic.py``).
"""

from __future__ import annotations

import json
import signal
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import yaml

from recall_risk.cli import main

TESTS_DATA = Path(__file__).resolve().parent / "data"
TIME_LIMIT_S = 5.0


class _HangError(Exception):
    pass


def _alarm(signum, frame):
    raise _HangError(f"no answer within {TIME_LIMIT_S} s")


@dataclass
class Case:
    """One bad input: ``build(ws)`` writes what it needs and returns the argv."""

    id: str
    build: Callable[[Path], list[str]]
    expect: tuple[str, ...] = ()
    names: str | None = None  # a fragment naming the file (default: the argv's last file)
    marks: list = field(default_factory=list)


CASES: list[Case] = []


def case(cls: str, name: str, *expect: str, names: str | None = None):
    def register(build: Callable[[Path], list[str]]) -> Callable[[Path], list[str]]:
        CASES.append(Case(f"{cls}-{name}", build, expect, names))
        return build

    return register


# ---------------------------------------------------------------- helpers to write inputs


def base_config(ws: Path, **top) -> dict:
    data = {
        "name": "cat",
        "data": {
            "tickers": ["1810.HK"],
            "benchmark": "^HSI",
            "start": "2025-01-02",
            "end": "2025-03-31",
            "prices_dir": str(ws / "prices"),
        },
        "events": "xiaomi_su7",
        "strategies": [{"name": "hold", "strategy": "buy_and_hold"}],
        "report": {"html": False, "png": False},
    }
    data.update(top)
    return data


def sweep_config(ws: Path, **sweep) -> dict:
    data = base_config(
        ws,
        strategies=[
            {"name": "rx", "strategy": "risk_exit", "params": {"exit_above": 0.6}},
        ],
    )
    data["sweep"] = {"grid": {"exit_above": [0.5, 0.6]}, **sweep}
    return data


def write(ws: Path, name: str, text: str) -> Path:
    path = ws / name
    path.write_text(text, encoding="utf-8")
    return path


def write_yaml(ws: Path, name: str, data: dict) -> Path:
    return write(ws, name, yaml.safe_dump(data, sort_keys=False))


def run_argv(ws: Path, name: str, data: dict | str, command: str = "run") -> list[str]:
    path = write(ws, name, data) if isinstance(data, str) else write_yaml(ws, name, data)
    return [command, str(path), "--out", str(ws / "out" / name)]


def run_text(ws: Path, name: str, replace: dict[str, str], command: str = "run") -> list[str]:
    """A base config as YAML text with some lines replaced (for YAML that safe_dump cannot write:
    anchors, .inf, 1e400, huge integers)."""
    text = yaml.safe_dump(base_config(ws), sort_keys=False)
    for old, new in replace.items():
        assert old in text, old
        text = text.replace(old, new)
    return run_argv(ws, name, text, command)


EVENTS_HEAD = "company: Xiaomi\nticker: 1810.HK\nevents:\n"


def validate_argv(ws: Path, name: str, text: str, command=("events", "validate")) -> list[str]:
    """Write an event file and return the command line that reads it."""
    return [*command, str(write(ws, name, text))]


def events_argv(ws: Path, name: str, events: str, command=("events", "validate")) -> list[str]:
    return validate_argv(ws, name, EVENTS_HEAD + events, command)


def bomb(levels: int = 9, width: int = 10) -> tuple[str, str]:
    """Anchors ``a0..aN`` each a list of ``width`` aliases of the one before: ``width**levels``
    leaves once expanded (a billion by default). Returns (anchor lines, the last alias)."""
    lines = ['a0: &a0 ["lol"]']
    for i in range(1, levels + 1):
        lines.append(f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * width)}]")
    return "\n".join(lines), f"*a{levels}"


def bomb_block(indent: str = "") -> str:
    """The bomb as a YAML mapping value written in flow style on one line."""
    defs, _ = bomb()
    return defs


# ---------------------------------------------------------------- class: number

for _field, _value, _expect in [
    ("cash", "1.0e+15", "broker.cash"),
    ("cash", ".inf", "broker.cash"),
    ("cash", "1e300", "broker.cash"),
    ("cash", "1e400", "broker.cash"),
    ("cash", ".nan", "broker.cash"),
    ("commission", ".nan", "broker.commission"),
    ("slippage", ".nan", "broker.slippage"),
]:

    def _build(ws, f=_field, v=_value):
        data = base_config(ws)
        text = yaml.safe_dump(data, sort_keys=False) + f"broker:\n  {f}: {v}\n"
        return run_argv(ws, f"num_broker_{f}_{v.strip('.')}.yaml", text)

    case("number", f"broker-{_field}-{_value}", _expect)(_build)

for _key, _value in [
    ("risk_free", ".nan"),
    ("thresholds", "[.nan]"),
    ("thresholds", "[.inf]"),
]:

    def _build(ws, k=_key, v=_value):
        text = yaml.safe_dump(base_config(ws), sort_keys=False).replace(
            "report:\n  html: false", f"report:\n  {k}: {v}\n  html: false"
        )
        return run_argv(ws, f"num_report_{k}_{v.strip('[.]')}.yaml", text)

    case("number", f"report-{_key}-{_value}", f"report.{_key}")(_build)

for _param, _value in [
    ("min_days_out", "100000000000000000000"),
    ("min_days_out", "-5"),
    ("exit_above", ".inf"),
    ("exit_above", ".nan"),
    ("reenter_below", "-.inf"),
    ("exit_above", "1e400"),
]:

    def _build(ws, p=_param, v=_value):
        text = yaml.safe_dump(base_config(ws), sort_keys=False).replace(
            "strategy: buy_and_hold", f"strategy: risk_exit\n  params:\n    {p}: {v}"
        )
        return run_argv(ws, f"num_param_{p}_{v.strip('.-')}.yaml", text)

    case("number", f"param-{_param}-{_value}", "strategies[0].params", _param)(_build)

for _key, _value in [
    ("recall_scale", ".inf"),
    ("recall_scale", "1e400"),
    ("half_life_days", "{recall: 1e400}"),
    ("weights", "{recall: .nan}"),
    ("half_life_days", "{recall: 1.0e+300}"),
]:

    def _build(ws, k=_key, v=_value):
        path = write(ws, f"num_params_{k}_{abs(hash(v)) % 1000}.yaml", f"{k}: {v}\n")
        return ["score", "xiaomi_su7", "--params", str(path)]

    case("number", f"score-params-{_key}-{_value}", _key)(_build)

_EVENT_NUMBERS = [
    (
        "penalty_points-inf",
        "quality_ranking",
        "ranking: JD Power\n    placement: 3\n    "
        "field_size: 10\n    penalty_points: .inf\n    segment_average: 100",
        "penalty_points",
    ),
    (
        "penalty_points-1e400",
        "quality_ranking",
        "ranking: JD Power\n    placement: 3\n    "
        "field_size: 10\n    penalty_points: 1e400\n    segment_average: 100",
        "penalty_points",
    ),
    (
        "segment_average-inf",
        "quality_ranking",
        "ranking: JD Power\n    placement: 3\n    "
        "field_size: 10\n    penalty_points: 120\n    segment_average: .inf",
        "segment_average",
    ),
    (
        "segment_average-1e400",
        "quality_ranking",
        "ranking: JD Power\n    placement: 3\n    "
        "field_size: 10\n    penalty_points: 120\n    segment_average: 1e400",
        "segment_average",
    ),
    ("orders-change-inf", "orders", "period: 2025-Q1\n    change: .inf", "change"),
    ("orders-change-1e400", "orders", "period: 2025-Q1\n    change: 1e400", "change"),
    ("orders-change-nan", "orders", "period: 2025-Q1\n    change: .nan", "change"),
    (
        "deliveries-change-inf",
        "deliveries",
        "period: 2025-Q1\n    units: 10\n    change: .inf",
        "change",
    ),
    (
        "deliveries-units-huge",
        "deliveries",
        "period: 2025-Q1\n    units: 10000000000000000000000",
        "units",
    ),
    (
        "recall-units-huge",
        "recall",
        "units: 100000000000000000000000\n    cumulative_sales: unknown",
        "units",
    ),
    (
        "recall-sales-huge",
        "recall",
        "units: 10\n    cumulative_sales: 100000000000000000000000",
        "cumulative_sales",
    ),
    ("incident-fatalities-huge", "incident", "fatalities: 100000000000000000000000", "fatalities"),
    ("incident-injuries-huge", "incident", "injuries: 100000000000000000000000", "injuries"),
    ("incident-severity-nan", "incident", "severity: .nan", "severity"),
    (
        "ranking-placement-huge",
        "quality_ranking",
        "ranking: JD Power\n    placement: 3\n    field_size: 100000000000000000000000",
        "field_size",
    ),
    (
        "investigation-vehicles-huge",
        "investigation",
        "action: PE\n    vehicles: 100000000000000000000000",
        "vehicles",
    ),
    (
        "regulatory-amount-huge",
        "regulatory",
        "action: fine\n    authority: SAMR\n    amount: 1e400\n    annual_revenue: 100",
        "amount",
    ),
]
for _name, _type, _fields, _expect in _EVENT_NUMBERS:

    def _build(ws, n=_name, t=_type, f=_fields):
        body = f"  - id: e1\n    type: {t}\n    announced: 2025-04-01\n    source: s\n    {f}\n"
        return events_argv(ws, f"num_ev_{n}.yaml", body)

    case("number", f"event-{_name}", _expect)(_build)


@case("number", "event-csv-change-inf", "change")
def _(ws):
    return validate_argv(
        ws,
        "num_ev_change.csv",
        "id,ticker,company,type,announced,period,change,source\n"
        "o1,1810.HK,Xiaomi,orders,2025-04-01,2025-Q1,inf,s\n",
    )


@case("number", "event-csv-penalty-1e400", "penalty_points")
def _(ws):
    return validate_argv(
        ws,
        "num_ev_penalty.csv",
        "id,ticker,company,type,announced,ranking,placement,field_size,penalty_points,"
        "segment_average,source\n"
        "q1,1810.HK,Xiaomi,quality_ranking,2025-04-01,JD,3,10,1e400,100,s\n",
    )


@case("number", "sweep-grid-inf", "sweep.grid")
def _(ws):
    text = yaml.safe_dump(sweep_config(ws), sort_keys=False).replace(
        "exit_above:\n    - 0.5\n    - 0.6", "exit_above: [0.5, .inf]"
    )
    return run_argv(ws, "num_sweep_inf.yaml", text, "sweep")


@case("number", "sweep-range-inf-stop", "sweep.grid")
def _(ws):
    text = yaml.safe_dump(sweep_config(ws), sort_keys=False).replace(
        "exit_above:\n    - 0.5\n    - 0.6", "exit_above: {start: 0.1, stop: .inf, step: 0.1}"
    )
    return run_argv(ws, "num_sweep_range_inf.yaml", text, "sweep")


@case("number", "score-calendar-start-huge", "--start")
def _(ws):
    return ["score", "xiaomi_su7", "--start", "99999-01-01", "--end", "99999-02-01"]


@case("number", "walkforward-folds-huge", "--folds")
def _(ws):
    path = write_yaml(ws, "num_wf.yaml", sweep_config(ws))
    return [
        "walkforward",
        str(path),
        "--folds",
        "100000000000000000000",
        "--out",
        str(ws / "out" / "wf"),
    ]


# ---------------------------------------------------------------- class: bomb


def _bomb_config(ws: Path, name: str, where: str, command: str = "run") -> list[str]:
    defs, alias = bomb()
    text = defs + "\n" + yaml.safe_dump(base_config(ws), sort_keys=False)
    if where == "description":
        text += f"description: {alias}\n"
    elif where == "params":
        text = text.replace(
            "strategy: buy_and_hold", f"strategy: risk_exit\n  params: {{exit_above: {alias}}}"
        )
    elif where == "params-key":
        text = text.replace("strategy: buy_and_hold", f"strategy: risk_exit\n  params: {alias}")
    elif where == "score":
        text += f"score:\n  weights: {alias}\n"
    elif where == "score-unknown":
        text += f"score:\n  wieghts: {alias}\n"
    elif where == "sweep":
        text = text.replace("strategy: buy_and_hold", "strategy: risk_exit")
        text += f"sweep:\n  grid:\n    exit_above: {alias}\n"
    elif where == "sweep-constraints":
        text = text.replace("strategy: buy_and_hold", "strategy: risk_exit")
        text += f"sweep:\n  grid: {{exit_above: [0.5]}}\n  constraints: {alias}\n"
    elif where == "tickers":
        text = text.replace("  - 1810.HK", f"  - {alias}")
    elif where == "events":
        text = text.replace("events: xiaomi_su7", f"events: {alias}")
    elif where == "top":
        text = defs + "\n" + f"bomb: {alias}\n"
    return run_argv(ws, name, text, command)


for _where in [
    "description",
    "params",
    "params-key",
    "score",
    "score-unknown",
    "tickers",
    "events",
    "top",
]:
    case("bomb", f"run-{_where}", "alias")(
        lambda ws, w=_where: _bomb_config(ws, f"bomb_{w}.yaml", w)
    )
for _where in ["sweep", "sweep-constraints", "description"]:
    case("bomb", f"sweep-{_where}", "alias")(
        lambda ws, w=_where: _bomb_config(ws, f"bomb_sweep_{w}.yaml", w, "sweep")
    )
case("bomb", "walkforward-sweep", "alias")(
    lambda ws: _bomb_config(ws, "bomb_wf.yaml", "sweep", "walkforward")
)


def _bomb_events(ws: Path, name: str, field_text: str, command=("events", "validate")):
    defs, alias = bomb()
    text = (
        defs
        + "\n"
        + EVENTS_HEAD
        + (
            "  - id: e1\n    type: incident\n    announced: 2025-04-01\n    severity: 0.3\n"
            "    source: s\n" + field_text.format(alias=alias)
        )
    )
    path = write(ws, name, text)
    return [*command, str(path)]


for _name, _text in [
    ("notes", "    notes: {alias}\n"),
    ("source", "    model: {alias}\n"),
    ("unknown-key", "    remarks: {alias}\n"),
]:
    case("bomb", f"event-{_name}", "alias")(
        lambda ws, n=_name, t=_text: _bomb_events(ws, f"bomb_ev_{n}.yaml", t)
    )
case("bomb", "event-notes-score", "alias")(
    lambda ws: _bomb_events(ws, "bomb_ev_score.yaml", "    notes: {alias}\n", ("score",))
)
case("bomb", "event-notes-show", "alias")(
    lambda ws: _bomb_events(ws, "bomb_ev_show.yaml", "    notes: {alias}\n", ("events", "show"))
)
case("bomb", "event-notes-study", "alias")(
    lambda ws: _bomb_events(
        ws,
        "bomb_ev_study.yaml",
        "    notes: {alias}\n",
        ("study", "--prices-dir", str(ws / "prices")),
    )
)


@case("bomb", "score-params-weights", "alias")
def _(ws):
    defs, alias = bomb()
    path = write(
        ws, "bomb_params.yaml", defs.replace("a", "x") + f"\nweights: {alias.replace('a', 'x')}\n"
    )
    return ["score", "xiaomi_su7", "--params", str(path)]


@case("bomb", "score-params-unknown", "alias")
def _(ws):
    defs, alias = bomb()
    path = write(ws, "bomb_params2.yaml", f"{defs}\nwieghts: {alias}\n")
    return ["score", "xiaomi_su7", "--params", str(path)]


@case("bomb", "study-params", "alias")
def _(ws):
    defs, alias = bomb()
    path = write(ws, "bomb_params3.yaml", f"{defs}\nhalf_life_days: {alias}\n")
    return [
        "study",
        "xiaomi_su7",
        "--prices-dir",
        str(ws / "prices"),
        "--params",
        str(path),
        "--against-score",
    ]


@case("bomb", "recursive-alias", "alias")
def _(ws):
    text = yaml.safe_dump(base_config(ws), sort_keys=False) + "description: &d [*d]\n"
    return run_argv(ws, "bomb_recursive.yaml", text)


# ---------------------------------------------------------------- class: limit


@case("limit", "run-name-5000", "name")
def _(ws):
    return run_argv(ws, "limit_name.yaml", base_config(ws, name="n" * 5000))[:2]


@case("limit", "strategy-name-5000", "strategies[0].name")
def _(ws):
    data = base_config(ws, strategies=[{"name": "s" * 5000, "strategy": "buy_and_hold"}])
    return run_argv(ws, "limit_sname.yaml", data)


@case("limit", "sweep-name-5000", "name")
def _(ws):
    return run_argv(ws, "limit_sweep_name.yaml", sweep_config(ws) | {"name": "n" * 5000}, "sweep")[
        :2
    ]


@case("limit", "out-name-5000", "--out", names="nnnn")
def _(ws):
    path = write_yaml(ws, "limit_out.yaml", base_config(ws))
    return ["run", str(path), "--out", str(ws / ("n" * 5000))]


def _deep_run(ws: Path, name: str, depth: int, where: str) -> str:
    folder = ws / name
    folder.mkdir(exist_ok=True)
    deep = "[" * depth + "]" * depth
    doc = {
        "run": {"name": "r", "data_range": {"start": "2025-01-02", "end": "2025-03-31"}},
        "strategies": {"hold": {"sharpe": 1.0}},
    }
    text = deep if where == "top" else json.dumps(doc).replace('"sharpe": 1.0', f'"sharpe": {deep}')
    (folder / "metrics.json").write_text(text, encoding="utf-8")
    return str(folder)


@case("limit", "compare-deep-100000", "metrics.json")
def _(ws):
    return ["compare", _deep_run(ws, "deep1", 100_000, "metric"), _good_run(ws)]


@case("limit", "compare-deep-top", "metrics.json")
def _(ws):
    return ["compare", _deep_run(ws, "deep2", 100_000, "top"), _good_run(ws)]


@case("limit", "yaml-deep", "nested")
def _(ws):
    text = (
        yaml.safe_dump(base_config(ws), sort_keys=False)
        + "description: "
        + "[" * 5000
        + "]" * 5000
        + "\n"
    )
    return run_argv(ws, "limit_deep.yaml", text)


# ---------------------------------------------------------------- class: import

for _name, _body in [
    ("sys-exit-0", "import sys\nsys.exit(0)\n"),
    ("sys-exit-3", "import sys\nsys.exit(3)\n"),
    ("keyboard-interrupt", "raise KeyboardInterrupt\n"),
    ("base-exception", "class Boom(BaseException):\n    pass\nraise Boom('boom')\n"),
    ("generator-exit", "raise GeneratorExit\n"),
    ("syntax-error", "def (:\n"),
    ("recursion", "def f():\n    return f()\nf()\n"),
]:

    def _build(ws, n=_name, b=_body):
        module = write(ws, f"strat_{n.replace('-', '_')}.py", b)
        data = base_config(ws, strategies=[{"name": "s", "strategy": f"{module.name}:S"}])
        return run_argv(ws, f"import_{n}.yaml", data)

    case("import", _name, "strategies[0].strategy", names="strat_")(_build)


@case("import", "sweep-sys-exit", "strategies[0].strategy", names="strat_")
def _(ws):
    module = write(ws, "strat_sweep_exit.py", "raise SystemExit(0)\n")
    data = sweep_config(ws)
    data["strategies"][0]["strategy"] = f"{module.name}:S"
    data["strategies"][0]["params"] = {}
    return run_argv(ws, "import_sweep.yaml", data, "sweep")


# ---------------------------------------------------------------- class: accepted


for _name, _id in [
    ("newline", '"a\\nb"'),
    ("tab", '"a\\tb"'),
    ("cr", '"a\\rb"'),
    ("nul", '"a\\0b"'),
    ("escape", '"a\\eb"'),
]:

    def _build(ws, n=_name, i=_id):
        body = f"  - id: {i}\n    type: incident\n    announced: 2025-04-01\n    severity: 0.3\n"
        body += "    source: s\n"
        return events_argv(ws, f"acc_id_{n}.yaml", body)

    case("accepted", f"event-id-{_name}", "id")(_build)


@case("accepted", "event-id-newline-csv", "id")
def _(ws):
    return validate_argv(
        ws,
        "acc_id.csv",
        "id,ticker,company,type,announced,severity,source\n"
        '"a\nb",1810.HK,Xiaomi,incident,2025-04-01,0.3,s\n',
    )


@case("accepted", "event-ticker-newline", "ticker")
def _(ws):
    return validate_argv(
        ws,
        "acc_ticker.yaml",
        EVENTS_HEAD.replace("1810.HK", '"1810\\nHK"')
        + (
            "  - id: e1\n    type: incident\n    announced: 2025-04-01\n    severity: 0.3\n"
            "    source: s\n"
        ),
    )


SPAN = ("--start", "2024-01-01", "--end", "2025-12-31")
PRICE_ROWS = [
    ("2025-01-02", 10, 11, 9, 10.5, 100),
    ("2025-01-03", 10.5, 11, 10, 10.8, 200),
    ("2025-01-06", 10.6, 11, 10, 10.7, 300),
]


def _price_text(header: str = "Date,Open,High,Low,Close,Volume", rows=PRICE_ROWS, extra="") -> str:
    lines = [header] + [",".join(map(str, r)) + extra for r in rows]
    return "\n".join(lines) + "\n"


@case("accepted", "price-repeated-close-calendar", "Close")
def _(ws):
    path = write(
        ws, "acc_repeat.csv", _price_text("Date,Open,High,Low,Close,Volume,Close", extra=",99")
    )
    return ["score", "xiaomi_su7", "--calendar", str(path), *SPAN]


@case("accepted", "price-repeated-date-column-calendar", "Date")
def _(ws):
    path = write(
        ws,
        "acc_repeat_date.csv",
        _price_text("Date,Open,High,Low,Close,Volume,Date", extra=",2020-01-01"),
    )
    return ["score", "xiaomi_su7", "--calendar", str(path), *SPAN]


def _bad_price_folder(ws: Path, name: str, text: str) -> list[str]:
    folder = ws / name
    folder.mkdir(exist_ok=True)
    (folder / "1810.HK.csv").write_text(text, encoding="utf-8")
    (folder / "HSI.csv").write_text((ws / "prices" / "HSI.csv").read_text(), encoding="utf-8")
    data = base_config(ws)
    data["data"]["prices_dir"] = str(folder)
    data["data"]["start"] = "2025-01-02"
    data["data"]["end"] = "2025-01-06"
    return run_argv(ws, f"{name}.yaml", data)


for _header in [
    "Date,Open,High,Low,Close,Volume,Close",
    "Date,Open,High,Low,Close,Volume,Open",
    "Date,Open,High,Low,Close,Volume,Volume",
    "Date,Open,High,Low,Close,Volume,close",
]:
    case(
        "accepted",
        f"price-repeated-{_header.rsplit(',', 1)[1]}",
        "1810.HK.csv",
        names="1810.HK.csv",
    )(
        lambda ws, h=_header: _bad_price_folder(
            ws, f"acc_rep_{h.rsplit(',', 1)[1]}", _price_text(h, extra=",99")
        )
    )


@case("accepted", "calendar-unsorted", "sort", names="unsorted.csv")
def _(ws):
    return [
        "score",
        "xiaomi_su7",
        "--calendar",
        str(TESTS_DATA / "prices_bad" / "unsorted.csv"),
        *SPAN,
    ]


@case("accepted", "run-unsorted", "sort", names="1810.HK.csv")
def _(ws):
    text = (TESTS_DATA / "prices_bad" / "unsorted.csv").read_text()
    return _bad_price_folder(ws, "acc_unsorted", text.replace("2024-01", "2025-01"))


def _metrics_run(ws: Path, name: str, doc: dict | str) -> str:
    folder = ws / name
    folder.mkdir(exist_ok=True)
    text = doc if isinstance(doc, str) else json.dumps(doc)
    (folder / "metrics.json").write_text(text, encoding="utf-8")
    return str(folder)


GOOD_DOC = {
    "run": {
        "name": "good",
        "data_range": {"start": "2025-01-02", "end": "2025-03-31"},
        "initial_cash": 100000.0,
    },
    "strategies": {
        "hold": {
            "final_value": 101000.0,
            "total_return": 0.01,
            "sharpe": 0.5,
            "max_drawdown": 0.1,
            "trades": 1,
        }
    },
    "benchmark": None,
}


def _good_run(ws: Path) -> str:
    return _metrics_run(ws, "good_run", GOOD_DOC)


for _name, _text in [
    ("nan", GOOD_DOC_TEXT := json.dumps(GOOD_DOC).replace('"sharpe": 0.5', '"sharpe": NaN')),
    ("infinity", GOOD_DOC_TEXT.replace("NaN", "Infinity")),
    ("minus-infinity", GOOD_DOC_TEXT.replace("NaN", "-Infinity")),
    ("text-metric", GOOD_DOC_TEXT.replace("NaN", '"high"')),
    ("list-metric", GOOD_DOC_TEXT.replace("NaN", "[1]")),
    ("no-metrics", json.dumps({**GOOD_DOC, "strategies": {"hold": {}}})),
    ("no-strategies", json.dumps({**GOOD_DOC, "strategies": {}})),
    ("bool-metric", GOOD_DOC_TEXT.replace("NaN", "true")),
    ("huge-number", GOOD_DOC_TEXT.replace("NaN", "1e400")),
    (
        "benchmark-nan",
        json.dumps({**GOOD_DOC, "benchmark": {"sharpe": 1}}).replace(
            '"benchmark": {"sharpe": 1}', '"benchmark": {"sharpe": NaN}'
        ),
    ),
    ("bad-date", json.dumps(GOOD_DOC).replace("2025-01-02", "yesterday")),
    ("cash-nan", json.dumps(GOOD_DOC).replace("100000.0", "NaN")),
]:
    case("accepted", f"compare-{_name}", "metrics.json", names="cmp_")(
        lambda ws, n=_name, t=_text: ["compare", _metrics_run(ws, f"cmp_{n}", t), _good_run(ws)]
    )


# ---------------------------------------------------------------- class: message


for _name, _range, _expect in [
    ("step-0", "{start: 0.1, stop: 0.5, step: 0}", "step"),
    ("step-negative", "{start: 0.1, stop: 0.5, step: -0.1}", "step"),
    ("step-nan", "{start: 0.1, stop: 0.5, step: .nan}", "step"),
    ("start-nan", "{start: .nan, stop: 0.5, step: 0.1}", "start"),
    ("step-text", "{start: 0.1, stop: 0.5, step: fine}", "step"),
    ("range-missing-stop", "{start: 0.1, step: 0.1}", "stop"),
]:

    def _build(ws, n=_name, r=_range):
        text = yaml.safe_dump(sweep_config(ws), sort_keys=False).replace(
            "exit_above:\n    - 0.5\n    - 0.6", f"exit_above: {r}"
        )
        return run_argv(ws, f"msg_{n}.yaml", text, "sweep")

    case("message", f"sweep-range-{_name}", f"sweep.grid.exit_above.{_expect}")(_build)

for _wrong, _right in [
    ("strategys", "strategies"),
    ("nmae", "name"),
    ("dta", "data"),
    ("brokr", "broker"),
    ("reprot", "report"),
]:

    def _build(ws, w=_wrong, r=_right):
        data = base_config(ws)
        data[w] = data.pop(r, None) or {"html": False}
        return run_argv(ws, f"msg_{w}.yaml", data)

    case("message", f"misspelt-{_wrong}", f"did you mean '{_right}'")(_build)


@case("message", "misspelt-sweep", "did you mean 'sweep'")
def _(ws):
    data = sweep_config(ws)
    data["swep"] = data.pop("sweep")
    return run_argv(ws, "msg_swep.yaml", data, "sweep")


# ---------------------------------------------------------------- class: config (committed files)


def _expected(path: Path) -> list[str]:
    first = path.read_bytes().split(b"\n", 1)[0].decode("ascii")
    return [part.strip() for part in first.removeprefix("# expect: ").split("|")]


for _path in sorted((TESTS_DATA / "configs_bad").glob("*.yaml")):
    case("config", _path.stem, *_expected(_path), names=_path.name)(
        lambda ws, p=_path: ["run", str(p), "--out", str(ws / "out" / p.stem)]
    )

for _name, _data in [
    ("tickers-empty", {"data": {"tickers": []}}),
    ("strategies-not-list", {"strategies": "buy_and_hold"}),
    ("report-html-text", {"report": {"html": "yes"}}),
    ("lot-size-zero", {"broker": {"lot_size": 0}}),
    ("lot-size-huge", {"broker": {"lot_size": 10**12}}),
    ("events-empty-list", {"events": []}),
    ("score-unknown", {"score": {"recal_scale": 0.1}}),
    ("name-slash", {"name": "a/b"}),
    ("name-dotdot", {"name": "..x"}),
]:

    def _build(ws, n=_name, d=_data):
        data = base_config(ws)
        for key, value in d.items():
            if key == "data":
                data["data"].update(value)
            else:
                data[key] = value
        return run_argv(ws, f"cfg_{n}.yaml", data)

    case("config", _name)(_build)

for _name, _sweep in [
    ("grid-empty", {"grid": {}}),
    ("grid-unknown-param", {"grid": {"exit_abov": [0.5]}}),
    ("metric-unknown", {"metric": "sharp"}),
    ("constraint-bad", {"constraints": ["sharpe ~ 1"]}),
    ("top-zero", {"top": 0}),
    ("sample-negative", {"sample": -1}),
    ("heatmap-one", {"heatmap": ["exit_above"]}),
    ("grid-repeated", {"grid": {"exit_above": [0.5, 0.5]}}),
]:
    case("config", f"sweep-{_name}", "sweep")(
        lambda ws, n=_name, s=_sweep: run_argv(ws, f"sw_{n}.yaml", sweep_config(ws, **s), "sweep")
    )


# ---------------------------------------------------------------- class: events (committed)

for _path in sorted((TESTS_DATA / "events_bad").iterdir()):
    case("events", _path.stem, names=_path.name)(lambda ws, p=_path: ["events", "validate", str(p)])
for _path in sorted((TESTS_DATA / "events_bad").iterdir())[:10]:
    case("events", f"score-{_path.stem}", names=_path.name)(lambda ws, p=_path: ["score", str(p)])


# ---------------------------------------------------------------- class: prices (committed)

for _path in sorted((TESTS_DATA / "prices_bad").glob("*.csv")):
    case("prices", _path.stem, names="1810.HK.csv")(
        lambda ws, p=_path: _bad_price_folder(
            ws, f"pr_{p.stem}", p.read_bytes().decode("utf-8", "replace").replace("2024-", "2025-")
        )
    )

# ---------------------------------------------------------------- class: cli arguments

for _name, _argv, _expect in [
    ("score-bad-start", ["score", "xiaomi_su7", "--start", "2025-13-01"], "--start"),
    (
        "score-end-before-start",
        ["score", "xiaomi_su7", "--start", "2025-02-01", "--end", "2025-01-01"],
        "end",
    ),
    ("score-bad-explain", ["score", "xiaomi_su7", "--explain", "soon"], "--explain"),
    ("score-unknown-set", ["score", "xiaomi_su8"], "xiaomi_su8"),
    (
        "score-calendar-missing",
        [
            "score",
            "xiaomi_su7",
            "--calendar",
            "nope.csv",
            "--start",
            "2024-01-01",
            "--end",
            "2024-12-31",
        ],
        "nope.csv",
    ),
    ("score-params-missing", ["score", "xiaomi_su7", "--params", "nope.yaml"], "nope.yaml"),
    ("events-validate-missing", ["events", "validate", "nope.yaml"], "nope.yaml"),
    ("events-validate-txt", ["events", "validate", "README.md"], "README.md"),
    ("run-missing", ["run", "nope.yaml"], "nope.yaml"),
    ("sweep-missing", ["sweep", "nope.yaml"], "nope.yaml"),
    ("walkforward-missing", ["walkforward", "nope.yaml"], "nope.yaml"),
    ("compare-missing", ["compare", "nope_dir", "nope_dir2"], "nope_dir"),
]:
    case("cli", _name, _expect, names="")(lambda ws, a=_argv: list(a))


# ---------------------------------------------------------------- the test


@pytest.fixture(scope="module")
def ws(tmp_path_factory, prices_dir) -> Path:
    root = tmp_path_factory.mktemp("catalogue")
    (root / "out").mkdir()
    prices = root / "prices"
    prices.mkdir()
    for name in ("1810.HK.csv", "HSI.csv"):
        (prices / name).write_text((prices_dir / name).read_text(), encoding="utf-8")
    # import what the commands import lazily (backtrader, the sweep, the study) once, outside
    # the per-case time limit
    import recall_risk.cli.walkforward_cmd
    import recall_risk.report.compare_render
    import recall_risk.runner
    import recall_risk.study
    import recall_risk.sweep.evaluate  # noqa: F401

    return root


def test_catalogue_size() -> None:
    assert len(CASES) >= 150
    assert len({c.id for c in CASES}) == len(CASES)


@pytest.mark.parametrize("item", CASES, ids=[c.id for c in CASES])
def test_bad_input(item: Case, ws: Path, capsys, monkeypatch) -> None:
    monkeypatch.chdir(ws)
    argv = item.build(ws)
    old = signal.signal(signal.SIGALRM, _alarm)
    signal.setitimer(signal.ITIMER_REAL, TIME_LIMIT_S)
    began = time.perf_counter()
    try:
        code = main(argv)
    except SystemExit as exc:  # argparse's usage errors
        code = exc.code
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)
    took = time.perf_counter() - began
    err = capsys.readouterr().err
    assert code == 2, f"exit {code}: {err[-500:]}"
    assert "Traceback" not in err
    lines = err.rstrip("\n").split("\n")
    assert len(lines) == 1, f"{len(lines)} lines: {err[:500]}"
    assert lines[0].startswith(("error: ", "recall-risk")), lines[0][:300]
    named = item.names
    if named is None:
        files = [a for a in argv if a.endswith((".yaml", ".csv"))]
        named = Path(files[-1]).name if files else ""
    assert named in lines[0], f"{named!r} not in {lines[0][:300]}"
    for fragment in item.expect:
        assert fragment in lines[0], f"{fragment!r} not in {lines[0][:400]}"
    assert len(lines[0]) < 2000
    assert took < TIME_LIMIT_S
