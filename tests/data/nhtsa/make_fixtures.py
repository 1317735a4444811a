"""Writes the NHTSA fixtures of this folder (run it from the repository root to regenerate them).

Real campaigns and investigations, written from public reporting in NHTSA's documented formats
(RCL.txt: 29 TAB-separated fields, old records 22; INV.txt: 11 fields). Free text is abridged.
Campaign numbers, units and report-received dates are from the sources cited beside each record;
the record-creation dates (RCL.txt field 17 DATEA) are the day the recall was first public per the
cited reporting, since the real file's value could not be read offline.
"""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
FIXED_TIME = (2026, 1, 1, 0, 0, 0)  # zip member timestamp: byte-identical output every run

# (CAMPNO, MAKETXT, MODELTXT, YEARTXT, COMPNAME, MFGNAME, RCLTYPECD, POTAFF, RCDATE, DATEA,
#  DESC_DEFECT, CONEQUENCE_DEFECT, CORRECTIVE_ACTION, DO_NOT_DRIVE, PARK_OUTSIDE)
TESLA_FSD = (
    # 23V085000: Tesla FSD Beta, 362,758 units, 2016-2023 Model S/X, 2017-2023 Model 3,
    # 2020-2023 Model Y; report received 2023-02-15 (NHTSA recall page as mirrored by
    # tesla.oemdtc.com), public 2023-02-16 (Teslarati, TechCrunch 2023-02-16); remedy OTA.
    "23V085000",
    "STEERING, ELECTRICAL SYSTEM",
    "Tesla, Inc.",
    362758,
    "20230215",
    "20230216",
    "The FSD Beta system may allow the vehicle to act unsafe around intersections.",
    "Driving through intersections in an unlawful or unpredictable manner increases the risk of a"
    " crash.",
    "Tesla will release an over-the-air (OTA) software update, free of charge.",
    [("MODEL S", 2016), ("MODEL X", 2016), ("MODEL 3", 2017), ("MODEL 3", 2023), ("MODEL Y", 2023)],
)
TESLA_AUTOSTEER = (
    # 23V838000: Tesla Autosteer controls, 2,031,220 units, 2012-2023 Model S, 2016-2023 Model X,
    # 2017-2023 Model 3, 2020-2023 Model Y; report dated 2023-12-12, public 2023-12-13 (NHTSA
    # recall report 23V-838; ../shared/data/events/REFERENCE.md); remedy OTA 2023.44.30.
    "23V838000",
    "STEERING",
    "Tesla, Inc.",
    2031220,
    "20231212",
    "20231213",
    "The prominence and scope of Autosteer controls may not be sufficient to prevent driver"
    " misuse.",
    "If a driver misuses Autosteer, there may be an increased risk of a crash.",
    "Tesla will release an over-the-air software update, free of charge.",
    [("MODEL S", 2012), ("MODEL X", 2016), ("MODEL 3", 2017), ("MODEL Y", 2020), ("MODEL Y", 2023)],
)
GM_IGNITION = (
    # 14V047000: GM ignition switch. Part 573 report dated 2014-02-07, stamped received by NHTSA's
    # Recall Management Division 2014-02-10; public 2014-02-13 (AOL Autos/2040-cars 2014-02-13).
    # Units 2,190,934: the campaign's figure after the amendments of 2014-02-25 and 2014-03-27
    # (clarksvilleonline.com 2017-08-06 quoting NHTSA); the first report named 778,562.
    "14V047000",
    "AIR BAGS, ELECTRICAL SYSTEM",
    "General Motors LLC",
    2190934,
    "20140210",
    "20140213",
    "The ignition switch may move out of the run position, turning off the engine.",
    "The air bags may not deploy if the vehicle is involved in a crash, increasing the risk of"
    " injury.",
    "Dealers will replace the ignition switch, free of charge.",
    [
        ("CHEVROLET COBALT", 2005),
        ("CHEVROLET HHR", 2006),
        ("PONTIAC G5", 2007),
        ("SATURN ION", 2003),
    ],
)


def _rcl_row(record_id: int, campaign: tuple, model: str, year: int) -> str:
    number, comp, mfg, units, rcdate, datea, defect, consequence, remedy, _ = campaign
    make, _, name = model.partition(" ") if not mfg.startswith("Tesla") else ("TESLA", "", model)
    cells = [
        str(record_id),
        number,
        make,
        name,
        str(year),
        "",
        comp,
        mfg,
        "",
        "",
        "V",
        str(units),
        "",
        "MFR",
        mfg,
        rcdate,
        datea,
        "",
        "",
        defect,
        consequence,
        remedy,
        "",
        "",
        "",
        "",
        "",
        "No",
        "No",
    ]
    assert len(cells) == 29
    return "\t".join(cells)


# 78V143000: Ford Pinto fuel tank, 1,400,000 units, report received 1978-06-19 (NHTSA API answer
# quoted by an archived Grimshaw v. Ford research file: "ReportReceivedDate": "19/06/1978",
# "PotentialNumberofUnitsAffected": 1400000). An old record: 22 fields, no record-creation date.
PINTO = [
    ("FORD", "PINTO", 1971),
    ("FORD", "PINTO", 1976),
    ("MERCURY", "BOBCAT", 1975),
]


def _pinto_row(record_id: int, make: str, model: str, year: int) -> str:
    cells = [
        str(record_id),
        "78V143000",
        make,
        model,
        str(year),
        "",
        "FUEL SYSTEM, GASOLINE",
        "Ford Motor Company",
        "",
        "",
        "V",
        "1400000",
        "",
        "MFR",
        "Ford Motor Company",
        "19780619",
        "",
        "",
        "",
        "In the event the vehicle is struck from the rear, the fuel filler pipe could disconnect.",
        "This would result in fuel leakage.",
        "The dealer will install a longer fuel filler pipe and a polyethylene shield.",
    ]
    assert len(cells) == 22
    return "\t".join(cells)


def recalls_text() -> str:
    rows, record_id = [], 100
    for campaign in (GM_IGNITION, TESLA_FSD, TESLA_AUTOSTEER):
        for model, year in campaign[-1]:
            record_id += 1
            rows.append(_rcl_row(record_id, campaign, model, year))
    for make, model, year in PINTO:
        record_id += 1
        rows.append(_pinto_row(record_id, make, model, year))
    return "\r\n".join(rows) + "\r\n"  # NHTSA's files end lines with CR LF


# PE21020 opened 2021-08-13 on Autopilot and first-responder scenes, about 765,000 vehicles
# (2014-2021 Model Y, S, X, 3); upgraded to EA22002 on 2022-06-08, about 830,000 vehicles
# (2014-2022), closed 2024-04-25 (NHTSA letter to Tesla 2023-07-26; Reuters via Moneycontrol
# 2022-06-09; Automotive News 2022-06-09; plaincars.com EA22002).
INVESTIGATIONS = [
    (
        "PE21020",
        "MODEL 3",
        2018,
        "20210813",
        "20220608",
        "Autopilot & First Responder Scenes",
        "ODI opened this evaluation of Autopilot crashes at first responder scenes in an estimated"
        " 765,000 vehicles.",
    ),
    (
        "PE21020",
        "MODEL S",
        2014,
        "20210813",
        "20220608",
        "Autopilot & First Responder Scenes",
        "ODI opened this evaluation of Autopilot crashes at first responder scenes in an estimated"
        " 765,000 vehicles.",
    ),
    (
        "EA22002",
        "MODEL 3",
        2018,
        "20220608",
        "20240425",
        "Autopilot System Driver Controls",
        "ODI upgraded PE21020 to EA22002 to extend the crash analysis; an estimated 830,000"
        " vehicles.",
    ),
    (
        "EA22002",
        "MODEL Y",
        2022,
        "20220608",
        "20240425",
        "Autopilot System Driver Controls",
        "ODI upgraded PE21020 to EA22002 to extend the crash analysis; an estimated 830,000"
        " vehicles.",
    ),
]


def investigations_text() -> str:
    rows = []
    for number, model, year, opened, closed, subject, summary in INVESTIGATIONS:
        cells = [
            number,
            "TESLA",
            model,
            str(year),
            "STEERING",
            "Tesla, Inc.",
            opened,
            closed,
            "23V838000" if number == "EA22002" else "",
            subject,
            summary,
        ]
        rows.append("\t".join(cells))
    return "\r\n".join(rows) + "\r\n"


def _zip(path: Path, member: str, text: str) -> None:
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        info = zipfile.ZipInfo(member, date_time=FIXED_TIME)
        info.compress_type = zipfile.ZIP_DEFLATED
        archive.writestr(info, text.encode("latin-1"))


def api_documents() -> dict[str, dict]:
    """Answers of api.nhtsa.gov in its shape (dates DD/MM/YYYY, as the API writes them)."""

    def row(number, model, year, received, units=None):
        record = {
            "Manufacturer": "Tesla, Inc.",
            "NHTSACampaignNumber": number,
            "parkIt": False,
            "parkOutSide": False,
            "overTheAirUpdate": True,
            "NHTSAActionNumber": "",
            "ReportReceivedDate": received,
            "Component": "STEERING",
            "Summary": "Tesla, Inc. (Tesla) is recalling certain vehicles.",
            "Consequence": "There may be an increased risk of a crash.",
            "Remedy": "Tesla will release an over-the-air (OTA) software update, free of charge.",
            "Notes": "",
            "ModelYear": str(year),
            "Make": "TESLA",
            "Model": model,
        }
        if units is not None:
            record["PotentialNumberofUnitsAffected"] = units
        return record

    def answer(rows):
        return {"Count": len(rows), "Message": "Results returned successfully", "results": rows}

    return {
        "models_TESLA_2023.json": {
            "Count": 2,
            "Message": "Results returned successfully",
            "results": [
                {"modelYear": "2023", "make": "TESLA", "model": "MODEL 3"},
                {"modelYear": "2023", "make": "TESLA", "model": "MODEL Y"},
            ],
        },
        "vehicle_TESLA_MODEL_3_2023.json": answer(
            [
                row("23V085000", "MODEL 3", 2023, "15/02/2023"),
                row("23V838000", "MODEL 3", 2023, "12/12/2023"),
            ]
        ),
        "vehicle_TESLA_MODEL_Y_2023.json": answer(
            [row("23V085000", "MODEL Y", 2023, "15/02/2023")]
        ),
        "campaign_23V085000.json": answer(
            [
                row("23V085000", m, y, "15/02/2023", 362758)
                for m, y in (("MODEL 3", 2023), ("MODEL Y", 2023), ("MODEL S", 2016))
            ]
        ),
        "campaign_23V838000.json": answer(
            [
                row("23V838000", m, y, "12/12/2023", 2031220)
                for m, y in (("MODEL 3", 2023), ("MODEL S", 2012))
            ]
        ),
    }


def main() -> None:
    recalls, probes = recalls_text(), investigations_text()
    (HERE / "FLAT_RCL_POST_2010.txt").write_bytes(recalls.encode("latin-1"))
    _zip(HERE / "FLAT_RCL_POST_2010.zip", "FLAT_RCL_POST_2010.txt", recalls)
    (HERE / "FLAT_INV.txt").write_bytes(probes.encode("latin-1"))
    _zip(HERE / "FLAT_INV.zip", "FLAT_INV.txt", probes)
    for name, document in api_documents().items():
        (HERE / "api" / name).write_text(json.dumps(document, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
