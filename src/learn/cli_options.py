"""Command-line options shared by ``gaittwin-predict`` and the per-stage examples.

Light imports only (:mod:`gait`, ``learn._constants``), so that ``--help`` answers without
torch, stable-baselines3, imitation or pybullet.
"""

from __future__ import annotations

import argparse

import gait
from learn._constants import (
    DEFAULT_STAIRS_PROMOTION,
    DEFAULT_STAIRS_REFERENCE,
    STAIRS_PROMOTIONS,
    STAIRS_REFERENCES,
)


def add_stiff_knee_options(parser: argparse.ArgumentParser) -> None:
    """Add ``--stiff-knee`` and ``--stiff-knee-peak-deg`` (a patient-like clip, gait.stiffen_knee).

    Shared by the commands and the examples that make a stiff-knee clip; the avatar then gets
    that knee's range (:func:`learn.env.impairment_angle_limits`).
    """
    parser.add_argument(
        "--stiff-knee",
        choices=sorted(gait.KNEE_SIDES),
        help="make a patient-like clip: stiffen this knee of the walk before adaptation "
        "(gait.stiffen_knee); the avatar's knee gets the clip's range",
    )
    parser.add_argument(
        "--stiff-knee-peak-deg",
        type=float,
        default=gait.STIFF_KNEE_PEAK_DEG,
        help="with --stiff-knee: largest flexion of that knee in the clip, deg",
    )


def add_stairs_reference_option(parser: argparse.ArgumentParser) -> None:
    """Add ``--stairs-reference`` (``PredictionSettings.stairs_reference``).

    Shared by the commands and the examples that predict the stairs.
    """
    choices = "; ".join(
        f"{name}: {reference.description}" for name, reference in STAIRS_REFERENCES.items()
    )
    parser.add_argument(
        "--stairs-reference",
        choices=list(STAIRS_REFERENCES),
        default=DEFAULT_STAIRS_REFERENCE,
        help=f"imitation reference of the stairs training ({choices}); "
        f"{DEFAULT_STAIRS_REFERENCE}, the default, went furthest up CMU 16_15's stairs "
        "(docs/prediction.md); the slope always trains on the flat-ground walk",
    )


def add_stairs_promotion_option(parser: argparse.ArgumentParser) -> None:
    """Add ``--stairs-promotion`` (``PredictionSettings.stairs_promotion``).

    Shared by the commands and the examples that predict the stairs.
    """
    parser.add_argument(
        "--stairs-promotion",
        choices=list(STAIRS_PROMOTIONS),
        default=DEFAULT_STAIRS_PROMOTION,
        help="promotion rule of the stairs curriculum (evaluation: 10 episodes with "
        "deterministic actions at every checkpoint, a window of 3 evaluations, at most 1 fall "
        "in their 30 episodes; training: the training episodes' window, the paper's rule); "
        f"{DEFAULT_STAIRS_PROMOTION}, the default, mastered CMU 16_15's 11.25 and 15 cm stairs "
        "in half the steps of the training rule, with controllers as reliable "
        "(docs/prediction.md)",
    )
