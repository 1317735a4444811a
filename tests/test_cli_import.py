"""``recall-risk events import``: output files the other commands read, one clear message and exit
2 for each malformed input, and a fast failure offline (exit 1) that names what to do."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from recall_risk.cli import main
from recall_risk.errors import DataUnavailableError
from recall_risk.events import load_csv_event_sets, load_events
from recall_risk.regulators import download as download_module
from recall_risk.regulators.nhtsa_files import RCL

DATA = Path(__file__).parent / "data" / "nhtsa"
RCL_ZIP = DATA / "FLAT_RCL_POST_2010.zip"
INV_ZIP = DATA / "FLAT_INV.zip"


def _run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_recalls_to_csv_then_validate_and_score(tmp_path, capsys):
    out = tmp_path / "nhtsa.csv"
    code, stdout, _ = _run(
        capsys, "events", "import", "nhtsa-recalls", str(RCL_ZIP), "--out", str(out)
    )
    assert code == 0
    assert "17 rows, 4 campaigns; wrote F 1, GM 1, TSLA 2 events" in stdout
    assert sorted(load_csv_event_sets(out)) == ["F", "GM", "TSLA"]
    assert _run(capsys, "events", "validate", str(out))[0] == 0
    code, stdout, _ = _run(
        capsys, "score", str(out), "--ticker", "TSLA", "--explain", "2023-12-14", "--format", "csv"
    )
    assert code == 0 and "23V838000" in stdout and "cumulative_sales: unknown" in stdout


def test_investigations_to_yaml(tmp_path, capsys):
    out = tmp_path / "probes.yaml"
    argv = ["events", "import", "nhtsa-investigations", str(INV_ZIP), "--out", str(out)]
    assert _run(capsys, *argv)[0] == 0
    events = load_events(out)
    assert [e.type for e in events] == ["investigation", "investigation"]


def test_api_from_saved_json(tmp_path, capsys):
    out = tmp_path / "api.yaml"
    files = sorted(str(p) for p in (DATA / "api").glob("campaign_*.json"))
    code, stdout, _ = _run(
        capsys,
        "events",
        "import",
        "nhtsa-api",
        "--make",
        "TESLA",
        "--json",
        *files,
        "--out",
        str(out),
    )
    assert code == 0, stdout
    assert [e.id for e in load_events(out)] == ["23V085000", "23V838000"]


def test_run_config_is_written_and_loads(tmp_path, capsys):
    from recall_risk.config import load_config

    out, config = tmp_path / "ev" / "tsla.yaml", tmp_path / "cfg" / "tesla.yaml"
    argv = ["events", "import", "nhtsa-recalls", str(RCL_ZIP), "--ticker", "TSLA", "--out"]
    argv += [str(out), "--run-config", str(config), "--start", "2021-01-04", "--end", "2026-03-25"]
    assert _run(capsys, *argv)[0] == 0
    loaded = load_config(config)
    assert loaded.data.tickers == ["TSLA"] and loaded.data.benchmark == "^GSPC"
    assert Path(str(loaded.events)).resolve() == out.resolve()


def _bad_rcl(tmp_path: Path, line: str, name: str = "FLAT_RCL.txt") -> Path:
    path = tmp_path / name
    path.write_text(line + "\n", encoding="latin-1")
    return path


def _good_cells(**cells: str) -> str:
    values = {n: "" for n in RCL.names}
    values.update(CAMPNO="21V001000", MFGNAME="Tesla, Inc.", RCLTYPECD="V", POTAFF="5")
    values.update(RCDATE="20210105", DATEA="20210106")
    values.update(cells)
    return "\t".join(values[n] for n in RCL.names)


def _expect_usage_error(capsys, tmp_path, path: Path, *fragments: str) -> None:
    argv = ["events", "import", "nhtsa-recalls", str(path), "--out", str(tmp_path / "o.csv")]
    code, _, err = _run(capsys, *argv)
    assert code == 2, err
    lines = [line for line in err.splitlines() if line.startswith("error:")]
    assert len(lines) == 1 and "Traceback" not in err
    for fragment in fragments:
        assert fragment in lines[0], lines[0]
    assert not (tmp_path / "o.csv").exists()


def test_wrong_field_count(tmp_path, capsys):
    path = _bad_rcl(tmp_path, "a\tb\tc")
    _expect_usage_error(capsys, tmp_path, path, "line 1: 3 TAB-separated fields", "22 to 29")


def test_bad_date(tmp_path, capsys):
    path = _bad_rcl(tmp_path, _good_cells(DATEA="20210231"))
    _expect_usage_error(capsys, tmp_path, path, "line 1", "field 17 DATEA", "YYYYMMDD", "20210231")


def test_bad_units(tmp_path, capsys):
    path = _bad_rcl(tmp_path, _good_cells(POTAFF="many"))
    _expect_usage_error(capsys, tmp_path, path, "field 12 POTAFF", "whole number")


def test_truncated_zip(tmp_path, capsys):
    path = tmp_path / "FLAT_RCL_POST_2010.zip"
    path.write_bytes(RCL_ZIP.read_bytes()[:400])
    _expect_usage_error(capsys, tmp_path, path, "not a readable zip", "truncated")


def test_empty_file(tmp_path, capsys):
    path = tmp_path / "FLAT_RCL.txt"
    path.write_bytes(b"")
    _expect_usage_error(capsys, tmp_path, path, "the file is empty")


def test_unknown_make(tmp_path, capsys):
    path = _bad_rcl(tmp_path, _good_cells(MFGNAME="Acme Rocket Cars"))
    argv = ["events", "import", "nhtsa-recalls", str(path), "--out", str(tmp_path / "o.csv")]
    code, _, err = _run(capsys, *argv)
    assert code == 2
    assert "unmapped manufacturers: 1 names, 1 records left out" in err
    assert "Acme Rocket Cars: 1" in err
    assert "no events from any mapped manufacturer" in err and "--map FILE" in err


def test_missing_file_and_both_sources(tmp_path, capsys):
    argv = ["events", "import", "nhtsa-recalls", str(tmp_path / "nope.zip"), "--out", "o.csv"]
    code, _, err = _run(capsys, *argv)
    assert code == 2 and "cannot read file" in err
    code, _, err = _run(capsys, "events", "import", "nhtsa-recalls", "--out", "o.csv")
    assert code == 2 and "FLAT_RCL_POST_2010.zip) or --download" in err


def test_yaml_output_holds_one_ticker(tmp_path, capsys):
    argv = ["events", "import", "nhtsa-recalls", str(RCL_ZIP), "--out", str(tmp_path / "x.yaml")]
    code, _, err = _run(capsys, *argv)
    assert code == 2 and "a YAML event file holds one ticker" in err


def test_download_offline_fails_fast_and_says_what_to_do(tmp_path, capsys, monkeypatch):
    def offline(host, port, timeout):
        raise DataUnavailableError(f"DNS look-up of {host} failed: no network")

    monkeypatch.setattr("recall_risk.prices.probe.probe_connection", offline)
    started = time.perf_counter()
    argv = ["events", "import", "nhtsa-recalls", "--download", "--cache-dir", str(tmp_path)]
    code, _, err = _run(capsys, *argv, "--out", str(tmp_path / "o.csv"))
    assert time.perf_counter() - started < 5
    assert code == 1
    assert download_module.RECALLS_URL in err and f"into {tmp_path}/" in err


def test_download_uses_the_cached_file(tmp_path, capsys, monkeypatch):
    (tmp_path / "FLAT_INV.zip").write_bytes(INV_ZIP.read_bytes())

    def never(*args, **kwargs):
        raise AssertionError("no network when the file is cached")

    monkeypatch.setattr("recall_risk.prices.probe.probe_connection", never)
    argv = ["events", "import", "nhtsa-investigations", "--download", "--cache-dir", str(tmp_path)]
    assert _run(capsys, *argv, "--out", str(tmp_path / "o.csv"))[0] == 0


def test_api_offline_fails_fast(tmp_path, capsys, monkeypatch):
    def offline(host, port, timeout):
        raise DataUnavailableError(f"cannot connect to {host}:{port}: timed out")

    monkeypatch.setattr("recall_risk.prices.probe.probe_connection", offline)
    argv = ["events", "import", "nhtsa-api", "--make", "TESLA", "--year", "2023", "--out", "o.csv"]
    code, _, err = _run(capsys, *argv)
    assert code == 1 and "--json FILE" in err and "api.nhtsa.gov" in err


class _Response:
    def __init__(self, body: bytes, status: int) -> None:
        self.body, self.status = body, status
        self.headers = {"Content-Length": str(len(body))}

    def read(self, size: int = -1) -> bytes:
        chunk, self.body = self.body[:size], self.body[size:]
        return chunk

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


@pytest.mark.parametrize("honours_range", [True, False])
def test_download_resumes_or_restarts_cleanly(tmp_path, monkeypatch, honours_range):
    payload = bytes(range(256)) * 20
    (tmp_path / "FLAT_INV.zip.part").write_bytes(payload[:1000])
    seen = []

    def fake_urlopen(request, timeout):
        seen.append(request.get_header("Range"))
        if honours_range:
            return _Response(payload[1000:], 206)
        return _Response(payload, 200)

    monkeypatch.setattr("recall_risk.prices.probe.probe_connection", lambda *a: None)
    monkeypatch.setattr("urllib.request.urlopen", fake_urlopen)
    done = []
    path = download_module.download(
        download_module.INVESTIGATIONS_URL, cache_dir=tmp_path, progress=lambda d, t: done.append(d)
    )
    assert path == tmp_path / "FLAT_INV.zip" and path.read_bytes() == payload
    assert seen == ["bytes=1000-"] and done[-1] == len(payload)
    assert not (tmp_path / "FLAT_INV.zip.part").exists()


def test_investigation_csv_round_trips(tmp_path, capsys):
    out = tmp_path / "probes.csv"
    argv = ["events", "import", "nhtsa-investigations", str(INV_ZIP), "--out", str(out)]
    assert _run(capsys, *argv)[0] == 0
    sets = load_csv_event_sets(out)
    yaml_out = tmp_path / "probes.yaml"
    argv[-1] = str(yaml_out)
    assert _run(capsys, *argv)[0] == 0
    assert list(sets["TSLA"]) == list(load_events(yaml_out))
