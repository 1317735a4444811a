"""A quick, time-bounded check that a network host can be reached.

yfinance can hang for minutes on a network that silently drops packets (its cookie and timezone
look-ups have fixed 30 s timeouts), so :class:`~recall_risk.prices.YFinanceSource` calls
:func:`probe_connection` first. Both the DNS look-up and the TCP connection share one deadline.
"""

from __future__ import annotations

import socket
import threading
import time

from recall_risk.errors import DataUnavailableError


def probe_connection(host: str, port: int, timeout: float) -> None:
    """Check within ``timeout`` seconds that a TCP connection to ``host:port`` can be opened.

    The DNS look-up runs in a daemon thread so that a hanging resolver is bounded too.

    Raises:
        DataUnavailableError: The name does not resolve, or no address accepts a connection,
            within the time.
    """
    deadline = time.monotonic() + timeout
    addresses = _resolve(host, port, timeout)
    error: OSError | None = None
    for *_, sockaddr in addresses:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            break
        try:
            connection = socket.create_connection(sockaddr[:2], timeout=remaining)
        except OSError as exc:
            error = exc
            continue
        connection.close()
        return
    reason = f"{error}" if error is not None else f"timed out after {timeout:g} s"
    raise DataUnavailableError(f"cannot connect to {host}:{port}: {reason}")


def _resolve(host: str, port: int, timeout: float) -> list[tuple]:
    found: list[tuple] = []
    errors: list[OSError] = []

    def look_up() -> None:
        try:
            found.extend(socket.getaddrinfo(host, port, type=socket.SOCK_STREAM))
        except OSError as exc:
            errors.append(exc)

    thread = threading.Thread(target=look_up, name=f"resolve {host}", daemon=True)
    thread.start()
    thread.join(timeout)
    if thread.is_alive():
        raise DataUnavailableError(f"DNS look-up of {host} timed out after {timeout:g} s")
    if errors or not found:
        reason = errors[0] if errors else "no address returned"
        raise DataUnavailableError(f"DNS look-up of {host} failed: {reason}")
    return found
