"""Reading NHTSA's flat files as they are published: a zip (or the bare ``.txt``), TAB-delimited,
no header row, dates ``YYYYMMDD``, latin-1 bytes in free text, shorter rows in old records.

Field lists, checked against the regulator's own descriptions:

- Recalls, ``RCL.txt`` (https://static.nhtsa.gov/odi/ffdd/rcl/RCL.txt; 29 fields, change log:
  field 23 added Sept. 2007, 24 in March 2008, 25-27 in March 2020, 28-29 in May 2025). The
  recalls themselves are ``FLAT_RCL_POST_2010.zip`` and ``FLAT_RCL_PRE_2010.zip`` (earlier one
  ``FLAT_RCL.zip``) in https://static.nhtsa.gov/odi/ffdd/rcl/.
- Investigations, ``INV.txt`` (https://static.nhtsa.gov/odi/ffdd/inv/INV.txt, "Last Updated
  September 5, 2023"; 11 fields, field 11 added March 2008), file ``FLAT_INV.zip`` in
  https://static.nhtsa.gov/odi/ffdd/inv/.

Every problem is an :class:`~recall_risk.errors.EventFileError` naming the file, the line and
the field (RCL.txt / INV.txt number and name) with what was expected.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path

from recall_risk.errors import EventFileError


@dataclass(frozen=True)
class FlatFormat:
    """One flat file's layout: field names in order (1-based in the docs) and accepted counts."""

    label: str
    names: tuple[str, ...]
    min_fields: int
    member_prefix: str
    doc: str

    def number(self, name: str) -> int:
        """RCL.txt / INV.txt field number (1-based) of ``name``."""
        return self.names.index(name) + 1

    @property
    def index(self) -> dict[str, int]:
        """Position of each field in a row."""
        return {name: i for i, name in enumerate(self.names)}


# RCL.txt, "Field# Name Type/Size Description" (sizes as of May 2025):
#  1 RECORD_ID NUMBER(9) running sequence number    2 CAMPNO CHAR(12) NHTSA campaign number
#  3 MAKETXT CHAR(25) make                           4 MODELTXT CHAR(256) model
#  5 YEARTXT CHAR(4) model year, 9999 if unknown     6 MFGCAMPNO CHAR(20) mfr campaign number
#  7 COMPNAME CHAR(256) component                    8 MFGNAME CHAR(40) manufacturer that filed
#                                                      the defect/noncompliance (Part 573) report
#  9 BGMAN CHAR(8) begin of manufacture             10 ENDMAN CHAR(8) end of manufacture
# 11 RCLTYPECD CHAR(4) V/E/T/C (vehicle, equipment, tire, child restraint)
# 12 POTAFF NUMBER(9) potential number of units affected
# 13 ODATE CHAR(8) date owners notified by mfr      14 INFLUENCED_BY CHAR(4) MFR/OVSC/ODI
# 15 MFGTXT CHAR(40) manufacturers of recalled vehicles/products
# 16 RCDATE CHAR(8) report received date            17 DATEA CHAR(8) record creation date
# 18 RPNO CHAR(3) regulation part number            19 FMVSS CHAR(3) safety standard number
# 20 DESC_DEFECT CHAR(6000) defect summary          21 CONEQUENCE_DEFECT consequence summary
# 22 CORRECTIVE_ACTION CHAR(6000) corrective summary 23 NOTES CHAR(2000) recall notes
# 24 RCL_CMPT_ID CHAR(27) recalled component id     25 MFR_COMP_NAME CHAR(50)
# 26 MFR_COMP_DESC CHAR(200)                        27 MFR_COMP_PTNO CHAR(100)
# 28 DO_NOT_DRIVE CHAR(3) Yes/No advisory           29 PARK_OUTSIDE CHAR(3) Yes/No advisory
RCL = FlatFormat(
    label="recalls",
    names=(
        "RECORD_ID",
        "CAMPNO",
        "MAKETXT",
        "MODELTXT",
        "YEARTXT",
        "MFGCAMPNO",
        "COMPNAME",
        "MFGNAME",
        "BGMAN",
        "ENDMAN",
        "RCLTYPECD",
        "POTAFF",
        "ODATE",
        "INFLUENCED_BY",
        "MFGTXT",
        "RCDATE",
        "DATEA",
        "RPNO",
        "FMVSS",
        "DESC_DEFECT",
        "CONEQUENCE_DEFECT",
        "CORRECTIVE_ACTION",
        "NOTES",
        "RCL_CMPT_ID",
        "MFR_COMP_NAME",
        "MFR_COMP_DESC",
        "MFR_COMP_PTNO",
        "DO_NOT_DRIVE",
        "PARK_OUTSIDE",
    ),
    min_fields=22,  # records written before field 23 (NOTES) was added in 2007
    member_prefix="FLAT_RCL",
    doc="RCL.txt",
)

# INV.txt: 1 NHTSA ACTION NUMBER CHAR(10); 2 MAKE CHAR(25); 3 MODEL CHAR(256); 4 YEAR CHAR(4)
# (9999 if unknown); 5 COMPNAME CHAR(256); 6 MFR_NAME CHAR(40); 7 ODATE CHAR(8) date opened;
# 8 CDATE CHAR(8) date closed; 9 CAMPNO CHAR(9) recall campaign, if any; 10 SUBJECT CHAR(200);
# 11 SUMMARY CHAR(6000) (added March 14, 2008).
INV = FlatFormat(
    label="investigations",
    names=(
        "ACTION_NUMBER",
        "MAKE",
        "MODEL",
        "YEAR",
        "COMPNAME",
        "MFR_NAME",
        "ODATE",
        "CDATE",
        "CAMPNO",
        "SUBJECT",
        "SUMMARY",
    ),
    min_fields=10,
    member_prefix="FLAT_INV",
    doc="INV.txt",
)


class Row:
    """One record: its line number (1-based) and its cells, padded with "" for the fields added
    after it was written. ``row[name]`` is the cell of a field."""

    __slots__ = ("index", "line", "values")

    def __init__(self, line: int, values: list[str], index: dict[str, int]) -> None:
        self.line, self.values, self.index = line, values, index

    def __getitem__(self, name: str) -> str:
        return self.values[self.index[name]]


def _lines(path: Path, fmt: FlatFormat) -> Iterator[str]:
    """The text lines of ``path``: the ``FLAT_*.txt`` member of a zip, or a bare text file."""
    name = str(path)
    if path.is_dir():
        raise EventFileError(f"{name}: is a folder; expected NHTSA's {fmt.member_prefix}*.zip")
    try:
        handle = path.open("rb")
    except OSError as exc:
        raise EventFileError(f"{name}: cannot read file: {exc.strerror or exc}") from None
    with handle:
        head = handle.read(4)
        handle.seek(0)
        if not head:
            raise EventFileError(
                f"{name}: the file is empty; expected NHTSA's {fmt.label} flat file "
                f"({fmt.member_prefix}*.zip or the .txt inside it)"
            )
        if head.startswith(b"PK"):
            yield from _zip_lines(handle, name, fmt)
        else:
            yield from _text_lines(handle)


def _zip_lines(handle: io.BufferedReader, name: str, fmt: FlatFormat) -> Iterator[str]:
    try:
        archive = zipfile.ZipFile(handle)
        members = [
            m
            for m in archive.namelist()
            if Path(m).name.upper().startswith(fmt.member_prefix) and m.upper().endswith(".TXT")
        ]
        if len(members) != 1:
            raise EventFileError(
                f"{name}: expected one {fmt.member_prefix}*.txt inside the zip, found "
                f"{', '.join(archive.namelist()) or 'nothing'}"
            )
        with archive.open(members[0]) as member:
            yield from _text_lines(member)
    except (zipfile.BadZipFile, EOFError, zipfile.LargeZipFile) as exc:
        raise EventFileError(
            f"{name}: not a readable zip ({exc}); the download may be truncated: fetch it again"
        ) from None


def _text_lines(binary: io.BufferedIOBase | io.RawIOBase | zipfile.ZipExtFile) -> Iterator[str]:
    # latin-1 maps every byte to a character: free text from old records never fails to decode.
    text = io.TextIOWrapper(binary, encoding="latin-1", newline="\n")  # type: ignore[arg-type]
    try:
        for line in text:
            yield line.rstrip("\r\n")
    finally:
        text.detach()  # the caller owns (and closes) the binary file


def read_rows(path: str | Path, fmt: FlatFormat) -> Iterator[Row]:
    """Yield the records of a flat file, checking the number of fields of each.

    Rows may be shorter than the current layout (old records lack the fields added later) but
    never shorter than ``fmt.min_fields`` nor longer than the documented fields.

    Raises:
        EventFileError: an empty or unreadable file, a truncated zip, a row with the wrong number
            of fields.
    """
    path = Path(path)
    count = 0
    width, least, index = len(fmt.names), fmt.min_fields, fmt.index
    for number, line in enumerate(_lines(path, fmt), start=1):
        values = line.split("\t")
        if not least <= len(values) <= width:
            if not line.strip():
                continue
            raise EventFileError(
                f"{path}: line {number}: {len(values)} TAB-separated fields; expected "
                f"{least} to {width} as {fmt.doc} describes (is this NHTSA's {fmt.label} file?)"
            )
        count += 1
        if len(values) < width:
            values.extend([""] * (width - len(values)))
        yield Row(number, values, index)
    if count == 0:
        raise EventFileError(f"{path}: holds no records; expected NHTSA's {fmt.label} flat file")


@lru_cache(maxsize=65536)
def _yyyymmdd(text: str) -> date | None:
    """A ``YYYYMMDD`` text as a date, ``None`` when it is not one (cached: dates repeat)."""
    if len(text) == 8 and text.isdigit():
        try:
            return date(int(text[:4]), int(text[4:6]), int(text[6:]))
        except ValueError:
            return None
    return None


def field_date(path: str | Path, row: Row, fmt: FlatFormat, field: str) -> date | None:
    """The ``YYYYMMDD`` date of a field, ``None`` when empty.

    Raises:
        EventFileError: naming the line and the field, for anything but a real calendar date.
    """
    text = row[field].strip()
    if not text:
        return None
    parsed = _yyyymmdd(text)
    if parsed is not None:
        return parsed
    raise EventFileError(
        f"{path}: line {row.line}: field {fmt.number(field)} {field}: expected a date YYYYMMDD, "
        f"got {text[:20]!r}"
    )


def field_int(path: str | Path, row: Row, fmt: FlatFormat, field: str) -> int | None:
    """A whole-number field, ``None`` when empty.

    Raises:
        EventFileError: naming the line and the field, for anything but digits.
    """
    text = row[field].strip()
    if not text:
        return None
    if not text.isdigit():
        raise EventFileError(
            f"{path}: line {row.line}: field {fmt.number(field)} {field}: expected a whole "
            f"number, got {text[:20]!r}"
        )
    return int(text)
