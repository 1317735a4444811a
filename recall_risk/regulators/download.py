"""``--download``: fetch NHTSA's published zip into the cache folder used for prices.

Files go to ``<cache>/nhtsa/`` (the cache of :func:`recall_risk.prices.cache.default_cache_dir`,
``$RECALL_RISK_CACHE`` or ``~/.cache/recall-risk``). The download is written to a ``.part`` file
and renamed when complete (atomic); an interrupted download resumes from the ``.part`` file with
an HTTP range request, and restarts cleanly when the server ignores the range. A file already in
the cache is used as it is unless ``refresh``. The host is probed first, so an offline machine
fails within seconds with the address to download by hand and the folder to put the file in.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from pathlib import Path

from recall_risk.errors import DataUnavailableError

HOST = "static.nhtsa.gov"
RECALLS_URL = f"https://{HOST}/odi/ffdd/rcl/FLAT_RCL_POST_2010.zip"
INVESTIGATIONS_URL = f"https://{HOST}/odi/ffdd/inv/FLAT_INV.zip"
PROBE_SECONDS = 3.0
CHUNK = 1 << 20

Progress = Callable[[int, int | None], None]


def nhtsa_cache_dir(cache_dir: str | Path | None = None) -> Path:
    """``<cache>/nhtsa``: where downloaded regulator files are kept."""
    from recall_risk.prices.cache import default_cache_dir

    return Path(cache_dir) if cache_dir is not None else default_cache_dir() / "nhtsa"


def download(
    url: str,
    *,
    cache_dir: str | Path | None = None,
    refresh: bool = False,
    progress: Progress | None = None,
) -> Path:
    """The cached copy of ``url``, downloaded first when missing (or ``refresh``).

    Raises:
        DataUnavailableError: the host cannot be reached or the download fails; the message
            names the file to download by hand and where to put it.
    """
    folder = nhtsa_cache_dir(cache_dir)
    target = folder / url.rsplit("/", 1)[-1]
    if target.is_file() and not refresh:
        return target
    hint = f"download {url} by hand into {folder}/ (or pass the file itself instead of --download)"
    from recall_risk.prices.probe import probe_connection

    try:
        probe_connection(HOST, 443, PROBE_SECONDS)
    except DataUnavailableError as exc:
        raise DataUnavailableError(f"{exc}; {hint}") from None
    try:
        folder.mkdir(parents=True, exist_ok=True)
        _fetch(url, target, progress)
    except OSError as exc:
        raise DataUnavailableError(f"downloading {url} failed: {exc}; {hint}") from None
    return target


def _fetch(url: str, target: Path, progress: Progress | None) -> None:
    from urllib.request import Request, urlopen

    part = target.with_name(target.name + ".part")
    have = part.stat().st_size if part.is_file() else 0
    headers = {"User-Agent": "recall-risk"}
    if have:
        headers["Range"] = f"bytes={have}-"
    with urlopen(Request(url, headers=headers), timeout=60) as response:
        resumed = have and response.status == 206
        if not resumed:
            have = 0  # the server ignored the range (or there was nothing): start over
        length = response.headers.get("Content-Length")
        total = have + int(length) if length and length.isdigit() else None
        with part.open("ab" if resumed else "wb") as out:
            done = have
            while chunk := response.read(CHUNK):
                out.write(chunk)
                done += len(chunk)
                if progress is not None:
                    progress(done, total)
    if total is not None and part.stat().st_size != total:
        raise OSError(f"incomplete download ({part.stat().st_size} of {total} bytes kept)")
    with contextlib.suppress(FileNotFoundError):
        target.unlink()
    part.replace(target)
