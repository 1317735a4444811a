"""`report.study: true` in a run config puts the event-study table of the run's events into
report.html; without it there is no such section."""

from __future__ import annotations

from pathlib import Path

import yaml

from recall_risk.cli import main

REPO_ROOT = Path(__file__).resolve().parents[1]
CONFIG = REPO_ROOT / "configs" / "xiaomi_su7.yaml"


def _run(config: Path, prices_dir: Path, out: Path) -> str:
    assert main(["run", str(config), "--prices-dir", str(prices_dir), "--out", str(out)]) == 0
    return (out / "report.html").read_text(encoding="utf-8")


def test_study_section_in_report(prices_dir, tmp_path):
    assert yaml.safe_load(CONFIG.read_text(encoding="utf-8"))["report"]["study"] is True
    page = _run(CONFIG, prices_dir, tmp_path / "with")
    assert "Event study: 1810.HK vs ^HSI" in page
    # the crash is studied with the longer history loaded for its estimation window, not skipped
    section = page[page.index("Event study: 1810.HK vs ^HSI") :]
    assert "crash-2025-03-29" in section


def test_no_study_section_unless_asked(prices_dir, tmp_path):
    data = yaml.safe_load(CONFIG.read_text(encoding="utf-8"))
    data["report"]["study"] = False
    config = tmp_path / "xiaomi_no_study.yaml"
    config.write_text(yaml.safe_dump(data), encoding="utf-8")
    page = _run(config, prices_dir, tmp_path / "without")
    assert "Event study" not in page
