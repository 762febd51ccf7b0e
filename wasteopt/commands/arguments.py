"""Argument types shared by the sub-commands: finite, bounded numbers (NaN and ±inf refused, so
``--time-limit nan`` cannot mean "no limit")."""
from __future__ import annotations

import argparse
import math

MAX_SECONDS = 86_400  # a day: the scenario schema's bound on solver.time_limit_s too


def number(low: float | None = None, high: float | None = None, *, integer: bool = False,
           low_open: bool = False, high_open: bool = False):
    """An argparse type: a finite number (whole if ``integer``) between ``low`` and ``high`` (each excluded
    if ``*_open``); NaN and ±inf are refused, so ``--time-limit nan`` cannot mean "no limit"."""
    def parse(text: str):
        try:
            value = int(text) if integer else float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a {'whole ' if integer else ''}number") from None
        if not math.isfinite(value):
            raise argparse.ArgumentTypeError(f"{text!r} is not a finite number")
        too_low = low is not None and (value <= low if low_open else value < low)
        too_high = high is not None and (value >= high if high_open else value > high)
        if too_low or too_high:
            interval = (f"{'(' if low_open else '['}{'-∞' if low is None else f'{low:g}'}, "
                        f"{'∞' if high is None else f'{high:g}'}{')' if high_open else ']'}")
            raise argparse.ArgumentTypeError(f"{text} is outside {interval}")
        return value
    return parse


SECONDS = number(0, MAX_SECONDS, low_open=True)
GAP = number(0, 1, high_open=True)
COUNT = number(1, 10_000, integer=True)
SEED = number(0, 2**31 - 1, integer=True)
