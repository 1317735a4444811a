"""``recall-risk events list|show|validate`` through :func:`recall_risk.cli.main`."""

from __future__ import annotations

import csv
import io
import json
import sys
from pathlib import Path

import pytest

from recall_risk.cli import events_cmd, main
from recall_risk.events import (
    EVENT_TYPES,
    bundled_event_path,
    bundled_event_sets,
    load_csv_event_sets,
    load_events,
)
from recall_risk.events.models import MODEL_FOR_TYPE

GOOD = Path(__file__).parent / "data" / "events_good"
SU7 = str(GOOD / "su7_small.yaml")
MULTI = str(GOOD / "multi.csv")


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


# --- list -------------------------------------------------------------------------------------


def test_list_shows_each_bundled_set_on_one_line(capsys):
    code, out, err = run(capsys, "events", "list")
    assert (code, err) == (0, "")
    lines = out.splitlines()
    names = bundled_event_sets()
    assert len(lines) == len(names)
    for name, line in zip(names, lines, strict=True):
        event_set = load_events(name)
        assert line.split()[0] == name
        for text in (event_set.company, event_set.ticker, str(event_set.benchmark)):
            assert text in line
        count = len(event_set)
        assert line.endswith(f" {count} event" + ("" if count == 1 else "s"))


# --- show -------------------------------------------------------------------------------------


def test_show_table(capsys):
    code, out, err = run(capsys, "events", "show", SU7)
    assert (code, err) == (0, "")
    assert "Xiaomi (1810.HK, benchmark ^HSI): 10 events" in out
    for text in ("recall-2025-01", "136,854 derived", "29 of 29", "-55%", "3 dead", "unknown"):
        assert text in out


def test_show_table_without_rich(capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "rich.console", None)  # import fails -> plain text
    code, out, _ = run(capsys, "events", "show", "xpeng")
    assert code == 0
    lines = out.splitlines()
    assert lines[0].startswith("XPeng (9868.HK, benchmark ^HSI): 2 events from bundled:xpeng")
    assert lines[1].split() == list(events_cmd._TABLE_HEADER)
    assert "13,399 units" in lines[2] and "47,490 units" in lines[3]  # in order of announcement


def test_show_json(capsys):
    code, out, err = run(capsys, "events", "show", SU7, "--format", "json")
    assert (code, err) == (0, "")
    records = json.loads(out)
    event_set = load_events(SU7)
    assert [r["id"] for r in records] == [e.id for e in event_set]
    for record in records:
        assert (record["ticker"], record["company"], record["benchmark"]) == (
            "1810.HK",
            "Xiaomi",
            "^HSI",
        )
        keys = [k for k in record if k != "cumulative_sales_derived"]
        assert keys == [c for c in events_cmd.CSV_COLUMNS if c in keys]
    by_id = {r["id"]: r for r in records}
    assert by_id["crash-2025-03-29"]["announced"] == "2025-03-31"
    assert by_id["crash-2025-03-29"]["occurred"] == "2025-03-29"
    assert by_id["recall-2025-01"]["cumulative_sales"] == 136854
    assert by_id["recall-2025-01"]["cumulative_sales_derived"] is True
    assert by_id["recall-2025-09"]["cumulative_sales_derived"] is False
    assert by_id["trim-2025-06"]["cumulative_sales"] == "unknown"


def test_show_csv_columns(capsys):
    code, out, _ = run(capsys, "events", "show", SU7, "--format", "csv")
    assert code == 0
    rows = list(csv.reader(io.StringIO(out)))
    assert tuple(rows[0]) == events_cmd.CSV_COLUMNS
    assert len(rows) == 1 + 10
    derived = next(r for r in rows if r[3] == "recall-2025-01")
    assert derived[events_cmd.CSV_COLUMNS.index("cumulative_sales")] == ""


def test_csv_columns_are_the_documented_union_of_type_fields():
    """Set columns, common columns, then each type's own fields in EVENT_TYPES order, once."""
    expected: list[str] = []
    for kind in EVENT_TYPES:
        for name in MODEL_FOR_TYPE[kind].model_fields:
            if name not in events_cmd.COMMON_COLUMNS and name not in expected:
                expected.append(name)
    assert tuple(expected) == events_cmd.TYPE_COLUMNS
    assert len(set(events_cmd.CSV_COLUMNS)) == len(events_cmd.CSV_COLUMNS)
    assert events_cmd.CSV_COLUMNS[:9] == (
        "ticker",
        "company",
        "benchmark",
        "id",
        "type",
        "announced",
        "occurred",
        "source",
        "notes",
    )


@pytest.mark.parametrize(
    "name_or_path", [SU7, MULTI, *bundled_event_sets()], ids=lambda arg: Path(arg).name
)
def test_csv_output_round_trips(capsys, tmp_path, name_or_path):
    code, out, _ = run(capsys, "events", "show", name_or_path, "--format", "csv")
    assert code == 0
    path = tmp_path / "events.csv"
    path.write_text(out, encoding="utf-8")
    reloaded = load_csv_event_sets(path, source="x")
    originals = events_cmd.load_sets(name_or_path)
    assert sorted(reloaded) == sorted(s.ticker for s in originals)
    for original in originals:
        again = reloaded[original.ticker]
        assert (again.company, again.benchmark) == (original.company, original.benchmark)
        assert again.events == original.events
        assert again.derived_cumulative_sales == original.derived_cumulative_sales


def test_show_every_ticker_of_a_csv(capsys):
    code, out, _ = run(capsys, "events", "show", MULTI, "--format", "json")
    assert code == 0
    assert sorted({r["ticker"] for r in json.loads(out)}) == ["2015.HK", "9868.HK", "TSLA"]


def test_show_one_ticker_of_a_csv(capsys):
    code, out, _ = run(capsys, "events", "show", MULTI, "--format", "json", "--ticker", "2015.HK")
    assert code == 0
    assert {r["ticker"] for r in json.loads(out)} == {"2015.HK"}


@pytest.mark.parametrize(
    ("argv", "fragment"),
    [
        (("events", "show", MULTI, "--ticker", "NIO"), "no events for ticker 'NIO'"),
        (
            ("events", "show", SU7, "--ticker", "TSLA"),
            "holds events for ticker 1810.HK, not 'TSLA'",
        ),
        (("events", "show", "xiaomi"), "did you mean 'xiaomi_su7'"),
        (("events", "show", "missing.yaml"), "missing.yaml: no such event file"),
    ],
)
def test_show_errors_exit_2(capsys, argv, fragment):
    code, out, err = run(capsys, *argv)
    assert code == 2
    assert out == ""
    assert err.startswith("error: ")
    assert fragment in err
    assert "Traceback" not in err


def test_show_rejects_an_unknown_format(capsys):
    with pytest.raises(SystemExit) as info:
        main(["events", "show", SU7, "--format", "xml"])
    assert info.value.code == 2
    assert "invalid choice: 'xml'" in capsys.readouterr().err


# --- validate ---------------------------------------------------------------------------------


def test_validate_ok(capsys):
    code, out, err = run(capsys, "events", "validate", SU7)
    assert (code, err) == (0, "")
    assert out == (
        "ok: 10 events (3 recall, 1 quality_ranking, 1 orders, 3 deliveries, 2 incident) "
        f"for 1810.HK in {SU7}\n"
    )


def test_validate_ok_csv_with_several_tickers(capsys):
    code, out, _ = run(capsys, "events", "validate", MULTI)
    assert code == 0
    assert out.startswith("ok: 4 events (3 recall, 1 incident) for 2015.HK, 9868.HK, TSLA in ")


@pytest.mark.parametrize("name", bundled_event_sets())
def test_validate_bundled_files(capsys, name):
    code, out, _ = run(capsys, "events", "validate", str(bundled_event_path(name)))
    assert code == 0
    assert out.startswith("ok: ")
    assert out.count("\n") == 1


def test_events_needs_a_subcommand(capsys):
    with pytest.raises(SystemExit) as info:
        main(["events"])
    assert info.value.code == 2
    capsys.readouterr()
