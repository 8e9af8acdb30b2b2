"""Argument types shared by the sub-commands."""

import argparse
import math


def positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not value > 0:
        raise argparse.ArgumentTypeError(f"{text} must be positive")
    return value


def speed(text: str) -> float:
    """A replay pace: ``max`` (as fast as the machine can) or a positive factor of real time."""
    return math.inf if text == "max" else positive_float(text)
