"""Importing NHTSA's published files: recall and investigation flat files, the recalls API.

The fixtures in tests/data/nhtsa/ are real campaigns written from public reporting (see
make_fixtures.py there for the sources): Tesla 23V085000 (FSD Beta, 362,758 units) and 23V838000
(Autosteer, 2,031,220), GM 14V047000 (ignition switch, 2,190,934 after amendments), Ford 78V143000
(Pinto fuel tank, 1,400,000, an old 22-field record); investigations PE21020 and EA22002.
"""

from __future__ import annotations

import json
import zipfile
from datetime import date
from pathlib import Path

import pytest

from recall_risk.errors import EventFileError
from recall_risk.events import Investigation, Recall
from recall_risk.regulators import import_api, import_investigations, import_recalls
from recall_risk.regulators.campaigns import remedy_kind, safety_critical, vehicles_in
from recall_risk.regulators.nhtsa_api import (
    campaign_url,
    fetch_make,
    load_json_files,
    models_url,
    vehicle_url,
)
from recall_risk.regulators.nhtsa_files import RCL

DATA = Path(__file__).parent / "data" / "nhtsa"
RCL_ZIP = DATA / "FLAT_RCL_POST_2010.zip"
RCL_TXT = DATA / "FLAT_RCL_POST_2010.txt"
INV_ZIP = DATA / "FLAT_INV.zip"
API = DATA / "api"


@pytest.fixture(scope="module")
def recalls():
    return import_recalls(RCL_ZIP)


def test_rows_collapse_to_one_recall_per_campaign(recalls):
    assert sorted(recalls.sets) == ["F", "GM", "TSLA"]
    assert (recalls.rows, recalls.records) == (17, 4)
    tesla = recalls.sets["TSLA"]
    assert [e.id for e in tesla] == ["23V085000", "23V838000"]
    fsd = tesla.by_id("23V085000")
    assert isinstance(fsd, Recall)
    assert fsd.units == 362_758  # five rows each say 362,758: counted once, not summed
    assert fsd.model == "TESLA MODEL 3, TESLA MODEL S, TESLA MODEL X, TESLA MODEL Y"
    assert "model years 2016-2023" in (fsd.notes or "")
    assert fsd.source == "NHTSA recall 23V085000 (FLAT_RCL_POST_2010.zip)"
    assert tesla.by_id("23V838000").units == 2_031_220
    assert recalls.sets["GM"].by_id("14V047000").units == 2_190_934
    assert (tesla.company, tesla.benchmark) == ("Tesla", "^GSPC")


def test_default_announced_is_the_day_the_public_file_had_it(recalls):
    fsd = recalls.sets["TSLA"].by_id("23V085000")
    # received 2023-02-15, record created (public) 2023-02-16: counts from the 16th
    assert (fsd.occurred, fsd.announced) == (date(2023, 2, 15), date(2023, 2, 16))
    gm = recalls.sets["GM"].by_id("14V047000")
    assert (gm.occurred, gm.announced) == (date(2014, 2, 10), date(2014, 2, 13))
    pinto = recalls.sets["F"].by_id("78V143000")  # old record, no creation date: day after receipt
    assert (pinto.occurred, pinto.announced) == (date(1978, 6, 19), date(1978, 6, 20))


def test_announced_rules_are_a_setting():
    early = import_recalls(RCL_ZIP, tickers={"TSLA"}, announced="report-received")
    assert early.sets["TSLA"].by_id("23V085000").announced == date(2023, 2, 15)
    created = import_recalls(RCL_ZIP, tickers={"F"}, announced="record-created")
    assert created.sets["F"].by_id("78V143000").announced == date(1978, 6, 20)
    with pytest.raises(EventFileError, match="unknown announced rule 'soon'"):
        import_recalls(RCL_ZIP, announced="soon")


def test_zip_and_text_give_the_same_events(recalls):
    def fields(sets):
        return {t: [e.model_dump(exclude={"source"}) for e in s] for t, s in sets.items()}

    from_text = import_recalls(RCL_TXT).sets
    assert fields(from_text) == fields(recalls.sets)
    assert from_text["TSLA"].by_id("23V085000").source.endswith("(FLAT_RCL_POST_2010.txt)")


def test_safety_and_ota_come_from_the_record(recalls):
    tesla = recalls.sets["TSLA"]
    assert all(e.remedy == "ota" and e.safety_critical for e in tesla)
    gm = recalls.sets["GM"].by_id("14V047000")
    assert (gm.remedy, gm.safety_critical) == ("physical", True)
    assert recalls.sets["F"].by_id("78V143000").safety_critical  # "fuel leakage"
    assert not safety_critical("The owner's manual omits the tire pressure label.", False, False)
    assert safety_critical("The owner's manual omits a label.", True, False)  # do not drive
    assert safety_critical("The label is wrong.", False, True)  # park outside
    assert safety_critical("", False, False)  # no text is no evidence of harmlessness
    assert remedy_kind("Dealers will update the software over the air.") == "ota"
    assert remedy_kind("Tesla will release an OTA update.") == "ota"
    assert remedy_kind("Dealers will replace the switch.") == "physical"
    assert remedy_kind("Dealers will replace the switch.", ota_flag=True) == "ota"


def test_ticker_filter_and_unmapped_names_listed(tmp_path):
    only = import_recalls(RCL_ZIP, tickers={"GM"})
    assert list(only.sets) == ["GM"]
    user_map = tmp_path / "map.csv"
    user_map.write_text("name,ticker,benchmark,company\nGeneral Motors LLC,GM2,^X,GM two\n")
    remapped = import_recalls(RCL_ZIP, map_path=user_map)
    assert "GM2" in remapped.sets and "GM" not in remapped.sets
    text = RCL_TXT.read_bytes().replace(b"Ford Motor Company", b"Ford Motor Co of Mars")
    odd = tmp_path / "FLAT_RCL.txt"
    odd.write_bytes(text)
    result = import_recalls(odd)
    assert result.unmapped == {"Ford Motor Co of Mars": 1}
    assert "F" not in result.sets


def _rcl_line(**cells: str) -> str:
    values = {name: "" for name in RCL.names}
    values.update(
        RECORD_ID="1",
        CAMPNO="21V001000",
        MAKETXT="CHEVROLET",
        MODELTXT="BOLT EV",
        YEARTXT="2021",
        MFGNAME="General Motors LLC",
        RCLTYPECD="V",
        POTAFF="1000",
        RCDATE="20210105",
        DATEA="20210107",
    )
    values.update(cells)
    return "\t".join(values[name] for name in RCL.names)


def test_sales_table_gives_the_denominator_over_the_model_years(tmp_path):
    lines = [
        _rcl_line(YEARTXT="2021"),
        _rcl_line(YEARTXT="2022", RECORD_ID="2"),
        _rcl_line(CAMPNO="21V002000", YEARTXT="2019", RECORD_ID="3"),  # 2019 not in the table
    ]
    path = tmp_path / "FLAT_RCL.txt"
    path.write_text("\n".join(lines) + "\n", encoding="latin-1")
    gm = import_recalls(path).sets["GM"]
    assert gm.by_id("21V001000").cumulative_sales == 2_218_228 + 2_274_088  # bundled table
    assert gm.by_id("21V002000").cumulative_sales == "unknown"
    sales = tmp_path / "sales.csv"
    sales.write_text("ticker,market,year,units_sold,source\nGM,US,2019,500,test\n")
    mine = import_recalls(path, sales_path=sales).sets["GM"]
    assert mine.by_id("21V001000").cumulative_sales == "unknown"  # my table lacks 2021-2022
    assert mine.by_id("21V002000").cumulative_sales == "unknown"  # 1,000 units > 500 sold


def test_old_short_rows_and_latin1_free_text(tmp_path):
    short = "\t".join(_rcl_line(DESC_DEFECT="Ca\xf1\xf3n d\xe9fect").split("\t")[:22])
    path = tmp_path / "FLAT_RCL.txt"
    path.write_bytes((short + "\r\n").encode("latin-1"))
    event = import_recalls(path).sets["GM"].by_id("21V001000")
    assert event.units == 1000 and event.announced == date(2021, 1, 7)


def test_investigations_become_investigation_events():
    result = import_investigations(INV_ZIP)
    tesla = result.sets["TSLA"]
    assert [e.id for e in tesla] == ["PE21020", "EA22002"]
    pe, ea = tesla.by_id("PE21020"), tesla.by_id("EA22002")
    assert isinstance(pe, Investigation)
    assert (pe.action, pe.vehicles, pe.occurred, pe.announced) == (
        "PE",
        765_000,
        date(2021, 8, 13),
        date(2021, 8, 14),  # opened Friday the 13th, reported Monday 16th: counts by then
    )
    assert (ea.action, ea.vehicles, ea.announced) == ("EA", 830_000, date(2022, 6, 9))
    assert ea.subject == "Autopilot System Driver Controls"
    assert vehicles_in("no figure given") is None


def test_api_answers_give_the_same_campaigns():
    documents = load_json_files(sorted(API.glob("campaign_*.json")))
    result = import_api(documents)
    tesla = result.sets["TSLA"]
    fsd = tesla.by_id("23V085000")
    assert (fsd.units, fsd.occurred, fsd.announced, fsd.remedy) == (
        362_758,
        date(2023, 2, 15),
        date(2023, 2, 16),
        "ota",
    )
    assert tesla.by_id("23V838000").units == 2_031_220


def test_fetch_walks_models_vehicles_then_campaigns():
    files = {
        models_url("TESLA", 2023): "models_TESLA_2023.json",
        vehicle_url("TESLA", "MODEL 3", 2023): "vehicle_TESLA_MODEL_3_2023.json",
        vehicle_url("TESLA", "MODEL Y", 2023): "vehicle_TESLA_MODEL_Y_2023.json",
        campaign_url("23V085000"): "campaign_23V085000.json",
        campaign_url("23V838000"): "campaign_23V838000.json",
    }
    asked: list[str] = []

    def get_json(url: str):
        asked.append(url)
        return json.loads((API / files[url]).read_text())

    documents = fetch_make("TESLA", [2023], get_json=get_json)
    assert asked[0] == models_url("TESLA", 2023)
    assert [url for url, _ in documents] == [campaign_url("23V085000"), campaign_url("23V838000")]
    assert sorted(e.id for e in import_api(documents).sets["TSLA"]) == ["23V085000", "23V838000"]


def test_api_dates_are_day_first_and_checked(tmp_path):
    bad = {
        "Count": 1,
        "results": [{"NHTSACampaignNumber": "23V1", "ReportReceivedDate": "2/30/2023"}],
    }
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(bad))
    with pytest.raises(EventFileError, match=r"ReportReceivedDate.*DD/MM/YYYY.*'2/30/2023'"):
        import_api(load_json_files([path]))
    with pytest.raises(EventFileError, match="expected NHTSA's API answer"):
        import_api([("x.json", {"Count": 0})])


def test_truncated_zip_is_one_clear_error(tmp_path):
    cut = tmp_path / "FLAT_RCL_POST_2010.zip"
    cut.write_bytes(RCL_ZIP.read_bytes()[:300])
    with pytest.raises(EventFileError, match=r"not a readable zip.*truncated"):
        import_recalls(cut)


def test_zip_without_the_flat_file(tmp_path):
    other = tmp_path / "FLAT_RCL.zip"
    with zipfile.ZipFile(other, "w") as archive:
        archive.writestr("README.txt", "nothing")
    with pytest.raises(EventFileError, match=r"expected one FLAT_RCL\*\.txt inside the zip"):
        import_recalls(other)
