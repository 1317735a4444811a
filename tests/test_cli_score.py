"""``recall-risk score`` through ``recall_risk.cli.main``: formats, --explain, and exit codes."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from recall_risk.cli import main
from recall_risk.events import load_events
from recall_risk.scoring import score_events

HEADER = "date,score,recall,quality,orders,incident,investigation,regulatory"


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(["score", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_csv_weekdays(capsys):
    code, out, err = run(
        capsys, "xiaomi_su7", "--start", "2025-09-15", "--end", "2025-09-23", "--format", "csv"
    )
    assert code == 0 and err == ""
    lines = out.splitlines()
    assert lines[0] == HEADER
    assert [line.split(",")[0] for line in lines[1:]] == [
        "2025-09-15",
        "2025-09-16",
        "2025-09-17",
        "2025-09-18",
        "2025-09-19",
        "2025-09-22",
        "2025-09-23",
    ]


def test_csv_floats_round_trip_exactly(capsys):
    _, out, _ = run(
        capsys, "xiaomi_su7", "--start", "2025-01-01", "--end", "2025-12-31", "--format", "csv"
    )
    lines = out.splitlines()[1:]
    frame = score_events(load_events("xiaomi_su7"), pd.bdate_range("2025-01-01", "2025-12-31"))
    assert len(lines) == len(frame)
    for line, (_, row) in zip(lines, frame.iterrows(), strict=True):
        assert [float(x) for x in line.split(",")[1:]] == list(row)


def test_calendar_from_price_csv(capsys, prices_dir):
    path = prices_dir / "1810.HK.csv"
    _, out, _ = run(
        capsys,
        "xiaomi_su7",
        "--start",
        "2025-03-28",
        "--end",
        "2025-04-08",
        "--calendar",
        str(path),
        "--format",
        "csv",
    )
    dates = [line.split(",")[0] for line in out.splitlines()[1:]]
    assert "2025-04-04" not in dates  # Ching Ming holiday in Hong Kong
    assert dates[0] == "2025-03-28"
    assert "2025-03-31" in dates


def test_json_records(capsys):
    code, out, _ = run(
        capsys, "xiaomi_su7", "--start", "2025-03-28", "--end", "2025-03-31", "--format", "json"
    )
    assert code == 0
    records = json.loads(out)
    assert [r["date"] for r in records] == ["2025-03-28", "2025-03-31"]
    assert list(records[0]) == HEADER.split(",")
    assert records[0]["incident"] == 0.0
    assert records[1]["incident"] > 0.7


def test_table(capsys):
    code, out, _ = run(capsys, "xiaomi_su7", "--start", "2025-09-18", "--end", "2025-09-19")
    assert code == 0
    assert "Xiaomi (1810.HK)" in out
    assert "2025-09-19" in out
    assert "incident" in out


def test_params_file(capsys, tmp_path):
    params = tmp_path / "params.yaml"
    params.write_text(
        "weights: {recall: 0, quality: 0, orders: 0, incident: 0}\n", encoding="utf-8"
    )
    _, out, _ = run(
        capsys,
        "xiaomi_su7",
        "--start",
        "2025-09-19",
        "--end",
        "2025-09-19",
        "--format",
        "json",
        "--params",
        str(params),
    )
    record = json.loads(out)[0]
    assert record["score"] == 0.0
    assert record["recall"] > 0.5


def test_explain_table_shows_recall_ratio(capsys):
    code, out, _ = run(capsys, "xiaomi_su7", "--explain", "2025-09-22")
    assert code == 0
    assert "score 0.8" in out
    assert "samr-2025-09-su7-l2" in out
    assert "recall_ratio" in out
    assert f"{116_887 / 305_055:.6g}" in out  # 0.383167
    assert "crash-2025-03-29" in out


def test_explain_json_and_csv(capsys):
    _, out, _ = run(capsys, "xiaomi_su7", "--explain", "2025-09-22", "--format", "json")
    data = json.loads(out)
    assert data["ticker"] == "1810.HK"
    rows = {row["id"]: row for row in data["contributions"]}
    assert rows["samr-2025-09-su7-l2"]["figure_value"] == 116_887 / 305_055
    _, out, _ = run(capsys, "xiaomi_su7", "--explain", "2025-09-22", "--format", "csv")
    lines = out.splitlines()
    assert lines[0].startswith("id,type,component,announced,age_days,figure,figure_value")
    assert any(line.startswith("samr-2025-09-su7-l2,recall,recall,2025-09-19,3,") for line in lines)


def test_explain_with_a_range_still_only_explains(capsys):
    _, out, _ = run(
        capsys,
        "xiaomi_su7",
        "--start",
        "2025-01-01",
        "--end",
        "2025-01-31",
        "--explain",
        "2025-03-28",
        "--format",
        "json",
    )
    data = json.loads(out)
    assert data["day"] == "2025-03-28"
    assert data["components"]["incident"] == 0.0


RANGE = ["--start", "2025-01-01", "--end", "2025-01-05"]


@pytest.mark.parametrize(
    ("argv", "fragment"),
    [
        (["nope_set", "--start", "2025-01-01", "--end", "2025-01-31"], "no bundled event set"),
        (["xiaomi", "--start", "2025-01-01", "--end", "2025-01-31"], "did you mean 'xiaomi_su7'"),
        (["xiaomi_su7", "--start", "2025-02-30", "--end", "2025-03-31"], "--start: expected"),
        (["xiaomi_su7", "--start", "2025-03-01", "--end", "2025-02-01"], "is before --start"),
        (["xiaomi_su7", "--start", "2025-03-01"], "give both --start DATE and --end DATE"),
        (["xiaomi_su7", "--explain", "someday"], "--explain: expected a date"),
        (["xiaomi_su7", "--start", "2025-01-04", "--end", "2025-01-05"], "no trading days"),
        (["xiaomi_su7", *RANGE, "--calendar", "/no/such.csv"], "no such price file"),
        (["xiaomi_su7", *RANGE, "--params", "/no/such.yaml"], "cannot read score parameters"),
    ],
)
def test_input_errors_exit_2_with_one_message(capsys, argv, fragment):
    code, out, err = run(capsys, *argv)
    assert code == 2
    assert out == ""
    assert err.startswith("error: ")
    assert fragment in err
    assert "Traceback" not in err
    assert len(err.strip().splitlines()) == 1


def test_bad_params_file_exits_2(capsys, tmp_path):
    params = tmp_path / "params.yaml"
    params.write_text("recal_scale: 0.2\n", encoding="utf-8")
    code, _, err = run(
        capsys,
        "xiaomi_su7",
        "--start",
        "2025-01-01",
        "--end",
        "2025-01-31",
        "--params",
        str(params),
    )
    assert code == 2
    assert "did you mean 'recall_scale'?" in err
    assert str(params) in err


def test_event_file_path(capsys, tmp_path):
    path = tmp_path / "events.yaml"
    path.write_text(
        "company: C\nticker: C.X\nevents:\n"
        "  - {id: r1, type: recall, announced: 2025-01-06, units: 10, cumulative_sales: 100,"
        " source: s}\n",
        encoding="utf-8",
    )
    _, out, _ = run(
        capsys, str(path), "--start", "2025-01-03", "--end", "2025-01-06", "--format", "csv"
    )
    lines = out.splitlines()
    assert lines[1].startswith("2025-01-03,0.0,")
    assert float(lines[2].split(",")[2]) > 0


def test_explain_table_prints_brackets_literally(capsys, tmp_path):
    path = tmp_path / "events.yaml"
    path.write_text(
        "company: C [U]\nticker: C.X\nevents:\n"
        '  - {id: "r[/U]1", type: recall, announced: 2025-01-06, units: 10,'
        " cumulative_sales: unknown, source: s}\n",
        encoding="utf-8",
    )
    code, out, err = run(capsys, str(path), "--explain", "2025-01-07")
    assert code == 0, err
    assert "r[/U]1" in out
    assert "C [U] (C.X)" in out
    assert "assumed_recall_ratio" in out
