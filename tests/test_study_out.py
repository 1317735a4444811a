"""``recall-risk study --out``: a bad --out is one clear message (exit 2, no traceback),
and a failed, refused or empty study leaves no folder that looks complete."""

from __future__ import annotations

import pytest

from recall_risk.cli import main


@pytest.fixture(autouse=True)
def _in_tmp_path(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # without --out, study writes runs/<events>-study/ here


def _cli(capsys, *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_study_out_that_is_a_file_exits_2(prices_dir, tmp_path, capsys) -> None:
    blocker = tmp_path / "a_file"
    blocker.write_text("x", encoding="utf-8")
    code, _, err = _cli(
        capsys, "study", "xiaomi_su7", "--prices-dir", str(prices_dir), "--out", str(blocker)
    )
    assert code == 2
    assert "output path exists and is not a folder" in err
    assert blocker.read_text(encoding="utf-8") == "x"


def test_study_with_nothing_studied_writes_no_folder(prices_dir, tmp_path, capsys) -> None:
    out = tmp_path / "study"
    code, _, err = _cli(
        capsys,
        "study",
        "xiaomi_su7",
        "--prices-dir",
        str(prices_dir),
        "--window",
        "0,1000",
        "--out",
        str(out),
    )
    assert code == 2 and "could be studied" in err
    assert list(tmp_path.iterdir()) == []


def test_study_failing_while_writing_leaves_nothing(prices_dir, tmp_path, capsys, monkeypatch):
    from recall_risk.study import charts

    def boom(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("chart failed")

    monkeypatch.setattr(charts, "write_png", boom)
    out = tmp_path / "study"
    with pytest.raises(RuntimeError, match="chart failed"):
        main(
            [
                "study",
                "xiaomi_su7",
                "--prices-dir",
                str(prices_dir),
                "--calibrate",
                "--out",
                str(out),
            ]
        )
    capsys.readouterr()
    assert list(tmp_path.iterdir()) == []


def test_study_refuses_to_replace_a_folder_it_did_not_write(prices_dir, tmp_path, capsys) -> None:
    out = tmp_path / "mine"
    out.mkdir()
    (out / "notes.txt").write_text("keep me", encoding="utf-8")
    code, _, err = _cli(
        capsys, "study", "xiaomi_su7", "--prices-dir", str(prices_dir), "--out", str(out)
    )
    assert code == 2 and "holds no study_events.csv" in err
    assert sorted(p.name for p in out.iterdir()) == ["notes.txt"]


@pytest.mark.parametrize("extra", [("--benchmark", "1810.HK"), ("--peers", "1211.HK,^HSI")])
def test_study_refuses_a_benchmark_that_is_a_studied_stock(prices_dir, capsys, extra) -> None:
    code, out, err = _cli(capsys, "study", "xiaomi_su7", "--prices-dir", str(prices_dir), *extra)
    assert code == 2
    assert "is also a stock being studied" in err and "choose a market index" in err
    assert out == ""
