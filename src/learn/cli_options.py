"""Command-line options shared by ``gaittwin-predict`` and the per-stage examples.

Light imports only (:mod:`gait`, ``learn._constants``), so that ``--help`` answers without
torch, stable-baselines3, imitation or pybullet.
"""

from __future__ import annotations

import argparse

import gait
from learn._constants import DEFAULT_STAIRS_REFERENCE, EVALUATION_WINDOW, STAIRS_REFERENCES


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


def add_evaluation_rule_options(parser: argparse.ArgumentParser) -> None:
    """Add ``--evaluation-episodes``, ``--evaluation-window`` and ``--evaluation-max-falls``.

    The evaluation rule of promotion (:class:`learn.CurriculumSettings`); turn them into its
    keywords with :func:`evaluation_rule_settings`.
    """
    parser.add_argument(
        "--evaluation-episodes",
        type=int,
        default=0,
        help="promote a level by this many episodes of the policy with deterministic actions at "
        "the level (every checkpoint, once the level's minimum episodes are played; the mean "
        "over --evaluation-window evaluations), against the deterministic flat-ground return; "
        "0: by the training episodes' window, as runs started before this option (default: "
        "%(default)s)",
    )
    parser.add_argument(
        "--evaluation-window",
        type=int,
        default=EVALUATION_WINDOW,
        help="evaluations the evaluation rule averages (default: %(default)s)",
    )
    parser.add_argument(
        "--evaluation-max-falls",
        type=int,
        help="with --evaluation-episodes: at most this many of the window's episodes may fall "
        "(e.g. 1 of 30); not given: the mean return only",
    )


def evaluation_rule_settings(args: argparse.Namespace) -> dict:
    """Return the :class:`learn.CurriculumSettings` keywords of the evaluation rule's options."""
    return {
        "evaluation_episodes": args.evaluation_episodes,
        "evaluation_window": args.evaluation_window,
        "evaluation_max_falls": args.evaluation_max_falls,
    }
