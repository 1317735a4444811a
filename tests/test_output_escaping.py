"""User text in outputs cannot run: CSV cells a spreadsheet would read as formulas are quoted
(OWASP's CSV-injection rule, numbers unchanged), Markdown outputs escape names and ids like
summary.md, and sizing terminates for any cash (bounded in configs anyway)."""

from __future__ import annotations

import csv
import io
import math
import time
from pathlib import Path

import pandas as pd
import pytest

from recall_risk.cli import main
from recall_risk.csvcells import restore_cell, safe_cell, safe_frame
from recall_risk.report.serialize import frame_to_csv
from recall_risk.signals import affordable_units
from recall_risk.study.tables import markdown_table
from recall_risk.study.write import write_csv

FORMULAS = ['=HYPERLINK("http://x","y")', "+1+2", "-2+3", "@SUM(A1)", "\tx", "\rx", "=1"]
NUMBERS = ["-0.55", "+3", "-1e-05", "-inf", "12", "-"]


@pytest.mark.parametrize("text", FORMULAS)
def test_formula_text_is_quoted_and_reads_back(text):
    assert safe_cell(text) == "'" + text
    assert restore_cell(safe_cell(text)) == text


@pytest.mark.parametrize("value", [*NUMBERS[:-1], -1.5, 3, None, True, "plain", "'=x"])
def test_numbers_and_plain_text_are_unchanged(value):
    assert safe_cell(value) == value


def test_a_lone_minus_is_text_and_quoted():
    assert safe_cell("-") == "'-"


def test_frame_writers_quote_text_cells_only(tmp_path):
    frame = pd.DataFrame(
        {
            "id": ["=cmd|' /C calc'!A0", "ok", "-0.5"],
            "value": [-1.25, 2.0, -3.0],
            "count": [-1, 0, 1],
        }
    )
    frame_to_csv(frame, tmp_path / "a.csv", index=False)
    write_csv(tmp_path / "b.csv", frame)
    for name in ("a.csv", "b.csv"):
        rows = list(csv.reader(io.StringIO((tmp_path / name).read_text(encoding="utf-8"))))
        assert rows[1][0] == "'=cmd|' /C calc'!A0"
        assert [r[0] for r in rows[2:]] == ["ok", "-0.5"]
        assert [float(r[1]) for r in rows[1:]] == [-1.25, 2.0, -3.0]
        assert [r[2] for r in rows[1:]] == ["-1", "0", "1"]
    assert frame["id"].iloc[0].startswith("=")  # the caller's frame is not modified


def test_safe_frame_quotes_index_and_column_names():
    frame = pd.DataFrame({"=a": ["x"]}, index=pd.Index(["@b"]))
    out = safe_frame(frame)
    assert list(out.columns) == ["'=a"] and list(out.index) == ["'@b"]


EVIL = """\
company: "=HYPERLINK(\\"http://evil\\")"
ticker: 1810.HK
events:
  - id: "<script>alert(1)</script>"
    type: incident
    announced: 2025-04-01
    severity: 0.3
    source: "=HYPERLINK(\\"http://evil\\",\\"click\\")"
"""


def test_events_show_csv_is_neutralised_and_round_trips(tmp_path, capsys):
    path = tmp_path / "evil.yaml"
    path.write_text(EVIL, encoding="utf-8")
    assert main(["events", "show", str(path), "--format", "csv"]) == 0
    out = capsys.readouterr().out
    rows = list(csv.DictReader(io.StringIO(out)))
    assert rows[0]["source"] == '\'=HYPERLINK("http://evil","click")'
    assert rows[0]["company"].startswith("'=")
    again = tmp_path / "evil.csv"
    again.write_text(out, encoding="utf-8")
    assert main(["events", "show", str(again), "--format", "json"]) == 0
    assert '"source": "=HYPERLINK(\\"http://evil\\",\\"click\\")"' in capsys.readouterr().out


def test_study_markdown_tables_escape_user_text():
    text = markdown_table(["id", "source"], [["<script>x</script>", "a|b\nc"]])
    assert "<script>" not in text
    assert "&lt;script&gt;" in text
    assert "a\\|b c" in text


@pytest.mark.parametrize("cash", [1e300, 1e15, 1e12])
def test_sizing_terminates_for_any_cash(cash):
    began = time.perf_counter()
    for fractional in (False, True):
        units = affordable_units(cash, 16.0, 0.001, fractional=fractional)
        assert 0 < units * 16.0 * 1.001 <= cash
    assert time.perf_counter() - began < 1.0


def test_sizing_refuses_infinite_cash_at_once():
    with pytest.raises(ValueError, match="cannot size an order with cash inf"):
        affordable_units(math.inf, 16.0, 0.001, fractional=True)


def test_configs_refuse_cash_beyond_the_bound(tmp_path):
    from recall_risk.config import config_from_mapping
    from recall_risk.errors import ConfigError

    data = {
        "name": "t",
        "data": {"tickers": ["X"], "start": "2025-01-01", "end": "2025-02-01"},
        "strategies": [{"name": "h", "strategy": "buy_and_hold"}],
        "broker": {"cash": 1e300},
    }
    with pytest.raises(ConfigError, match=r"field 'broker.cash': input should be less than or "):
        config_from_mapping(data, source="c.yaml")


def test_a_long_hole_in_prices_gets_a_note():
    from recall_risk.prices.checks import MAX_GAP_DAYS, validate_prices

    days = pd.DatetimeIndex(["2025-01-02", "2025-01-03", "2025-04-07", "2025-04-08"])
    frame = pd.DataFrame({c: [1.0] * 4 for c in ("open", "high", "low", "close", "volume")}, days)
    report = validate_prices(frame, name="X.csv")
    assert not report.clean
    assert f"1 hole(s) of more than {MAX_GAP_DAYS} days without bars (2025-01-03..2025-04-07)" in (
        report.summary()
    )


def test_recovery_notes_reach_the_cli_stderr(tmp_path):
    import subprocess
    import sys

    (tmp_path / ".out.tmp-abc").mkdir()
    code = (
        "from recall_risk.report.atomic import check_output_dir;"
        f"check_output_dir({str(tmp_path / 'out')!r}, marker='metrics.json')"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        cwd=Path(__file__).resolve().parents[1],
        check=True,
    )
    assert done.stderr == (
        f"note: {tmp_path / 'out'}: removed an unfinished output folder .out.tmp-abc a killed "
        "command left\n"
    )
