"""Import speed of NHTSA's recall flat file at its real size.

Generates a file shaped like ``FLAT_RCL_POST_2010.txt`` (29 TAB-separated fields, free text of a
few hundred characters per field, ~25 rows per campaign, a mix of mapped and unmapped
manufacturers) of ``--rows`` rows (default 300,000, about 400 MB), imports it with
:func:`recall_risk.regulators.import_recalls` and prints rows/s and the peak memory of the process
(``ru_maxrss``) before and after. ``--zip`` imports it from a zip, as NHTSA publishes it.

    python bench/import_speed.py [--rows N] [--zip] [--keep DIR]
"""

from __future__ import annotations

import argparse
import random
import resource
import shutil
import sys
import tempfile
import time
import zipfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from recall_risk.regulators import import_recalls
from recall_risk.regulators.nhtsa_files import RCL

MAKERS = [
    ("Tesla, Inc.", "TESLA", ["MODEL S", "MODEL 3", "MODEL X", "MODEL Y"]),
    ("General Motors LLC", "CHEVROLET", ["SILVERADO", "EQUINOX", "BOLT EV", "MALIBU"]),
    ("Ford Motor Company", "FORD", ["F-150", "EXPLORER", "ESCAPE", "MUSTANG"]),
    ("Toyota Motor Engineering & Manufacturing", "TOYOTA", ["CAMRY", "RAV4", "TACOMA"]),
    ("Chrysler (FCA US, LLC)", "JEEP", ["WRANGLER", "GRAND CHEROKEE", "RAM 1500"]),
    ("Blue Bird Body Company", "BLUE BIRD", ["VISION", "ALL AMERICAN"]),  # unmapped
    ("Forest River, Inc.", "FOREST RIVER", ["SALEM", "ROCKWOOD"]),  # unmapped
]
TEXT = (
    "The component may fracture under load, which can result in a loss of vehicle control and "
    "increase the risk of a crash. Dealers will inspect and replace the part free of charge. "
)


def _maxrss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KB on Linux


def generate(path: Path, rows: int, seed: int = 1) -> int:
    """Write ``rows`` rows; return the number of campaigns."""
    rng = random.Random(seed)
    campaign, written, left = 0, 0, 0
    with path.open("w", encoding="latin-1", newline="") as out:
        while written < rows:
            if left == 0:
                campaign += 1
                left = rng.randint(5, 45)
                maker, make, models = MAKERS[rng.randrange(len(MAKERS))]
                units = rng.randint(50, 2_000_000)
                received = (
                    f"20{rng.randint(10, 25):02d}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}"
                )
                text = TEXT * rng.randint(1, 2)
            cells = dict.fromkeys(RCL.names, "")
            cells.update(
                RECORD_ID=str(written + 1),
                CAMPNO=f"{received[2:4]}V{campaign % 1000:03d}{campaign // 1000:03d}",
                MAKETXT=make,
                MODELTXT=rng.choice(models),
                YEARTXT=str(rng.randint(2005, 2025)),
                COMPNAME="STEERING:LINKAGES",
                MFGNAME=maker,
                RCLTYPECD="V",
                POTAFF=str(units),
                MFGTXT=maker,
                RCDATE=received,
                DATEA=received,
                DESC_DEFECT=text,
                CONEQUENCE_DEFECT=text,
                CORRECTIVE_ACTION=text,
                NOTES=text,
                DO_NOT_DRIVE="No",
                PARK_OUTSIDE="No",
            )
            out.write("\t".join(cells[n] for n in RCL.names) + "\r\n")
            written += 1
            left -= 1
    return campaign


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=300_000)
    parser.add_argument("--zip", action="store_true", help="import from a zip of the file")
    parser.add_argument("--keep", type=Path, help="write the file here and keep it")
    args = parser.parse_args()
    folder = args.keep or Path(tempfile.mkdtemp(prefix="import_speed-"))
    folder.mkdir(parents=True, exist_ok=True)
    try:
        text = folder / "FLAT_RCL_POST_2010.txt"
        started = time.perf_counter()
        campaigns = generate(text, args.rows)
        size_mb = text.stat().st_size / 1e6
        print(
            f"generated {args.rows:,} rows, {campaigns:,} campaigns, {size_mb:,.0f} MB "
            f"in {time.perf_counter() - started:.1f} s"
        )
        source = text
        if args.zip:
            source = folder / "FLAT_RCL_POST_2010.zip"
            with zipfile.ZipFile(source, "w", compression=zipfile.ZIP_DEFLATED) as archive:
                archive.write(text, text.name)
            print(f"zipped to {source.stat().st_size / 1e6:,.0f} MB")
        before = _maxrss_mb()
        started = time.perf_counter()
        result = import_recalls(source)
        seconds = time.perf_counter() - started
        events = sum(len(s) for s in result.sets.values())
        print(
            f"imported {result.rows:,} rows ({result.records:,} campaigns -> {events:,} events "
            f"for {', '.join(result.sets)}; {sum(result.unmapped.values()):,} unmapped) "
            f"in {seconds:.1f} s: {result.rows / seconds:,.0f} rows/s"
        )
        print(
            f"peak memory (ru_maxrss): {before:,.0f} MB before the import, "
            f"{_maxrss_mb():,.0f} MB after"
        )
    finally:
        if args.keep is None:
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
