"""A user strategy file that fails on import (used by strategy_file_raises.yaml)."""

import backtrader as bt

_BROKEN = 1 / 0


class Broken(bt.Strategy):
    """Never reached."""
