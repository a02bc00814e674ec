"""Patient-like clips made from healthy ones: a stiff knee on one side."""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
from scipy.special import erf

from gait._motion import Motion
from imu import GaitTwinInputError

#: Accepted ``side`` values of :func:`stiffen_knee` and the angle-name suffix of each.
KNEE_SIDES: dict[str, str] = {"left": "l", "right": "r"}
#: Default largest knee flexion of :func:`stiffen_knee`, deg.
STIFF_KNEE_PEAK_DEG: float = 30.0


def _reduction_deg(
    flexion_deg: np.ndarray, threshold_deg: float, peak_deg: float, target_deg: float
) -> np.ndarray:
    """Return how much to subtract from each flexion value (deg, zero up to the threshold).

    The result ``flexion - reduction`` has slope 1 at the threshold, falling smoothly
    (Gaussian in the excursion) to a constant ``s`` chosen so that ``peak`` maps to ``target``.
    """
    excursion = peak_deg - threshold_deg
    width = 0.5 * (target_deg - threshold_deg)
    scale = 0.5 * math.sqrt(math.pi) * width
    slope = (target_deg - threshold_deg - scale * math.erf(excursion / width)) / (
        excursion - scale * math.erf(excursion / width)
    )
    x = np.maximum(flexion_deg - threshold_deg, 0.0)
    return (1.0 - slope) * (x - scale * erf(x / width))


def stiffen_knee(
    motion: Motion,
    side: str,
    *,
    peak_flexion_deg: float = STIFF_KNEE_PEAK_DEG,
    threshold_deg: float | None = None,
) -> Motion:
    """Return a copy of ``motion`` whose knee on one side flexes less: a stiff-knee gait.

    Knee flexion above a stance-phase level (``threshold_deg``) is compressed so that the
    largest flexion of the clip becomes ``peak_flexion_deg``; flexion below that level (most of
    stance), every other joint angle, the root pose and the foot contacts are unchanged.

    Parameters
    ----------
    motion
        A walk with ``knee_flexion_l`` / ``knee_flexion_r`` (rad, flexion positive;
        ``docs/conventions.md``).
    side
        ``"left"`` or ``"right"``: the stiff knee.
    peak_flexion_deg
        Largest knee flexion of the result, deg (default :data:`STIFF_KNEE_PEAK_DEG`; healthy
        swing peaks are near 60 deg, stiff-knee gait after stroke is commonly described below
        about 40 deg).
    threshold_deg
        Flexion at or below this is kept, deg. Default: the lower quartile of that knee's flexion
        over the motion, a stance-phase level (the knee is most extended in mid and terminal
        stance, which last about a quarter of the cycle or more). Pass a lower value for a
        walk whose stance knee is more flexed than the wanted peak.

    Returns
    -------
    Motion
        Same time base, root, contacts and other angles. ``metadata["impairments"]`` (also in
        the joint angles' metadata) is the motion's list of impairments with one record
        appended: ``kind`` (``"stiff knee"``), ``side``, ``angle``, ``threshold_deg``,
        ``original_peak_flexion_deg`` and ``peak_flexion_deg``.

    Raises
    ------
    GaitTwinInputError
        For an unknown side, a motion without that knee angle, or a target peak that is not
        between the threshold and the current peak.

    Notes
    -----
    With ``x = q - threshold`` (deg) the new flexion above the threshold is
    ``threshold + s x + (1 - s) w (sqrt(pi) / 2) erf(x / w)`` with ``w = (peak_flexion_deg -
    threshold) / 2``: its slope ``s + (1 - s) exp(-(x / w)^2)`` is 1 at the threshold (the map
    and its first two derivatives are continuous there) and falls to ``s`` in (0, 1) higher up,
    ``s`` solving ``f(current peak) = peak_flexion_deg``. The map depends on the angle only, so
    the curve stays continuous and keeps its periodicity (no seams at stride boundaries); its
    slope is at most 1, so no frame-to-frame change grows, and it keeps the order of values,
    so every swing peak stays where it was in time and stays below ``peak_flexion_deg``.

    Nothing else compensates for the shorter leg in swing: with the root and hips unchanged
    the stiff foot passes below the floor in early swing (CMU 16_15 with the left knee at
    35 deg: 6.8 cm on the ankle avatar, against 1.7 cm for the walk as recorded).
    :func:`sim.correct_contacts`, which the pipeline applies before imitation, raises the root
    wherever a foot would penetrate (after it: 0.0 cm), and the learning stage finds the
    patient's own compensation (hip hike, circumduction) on the avatar.

    Examples
    --------
    >>> import numpy as np, gait, imu
    >>> t = np.arange(240) / 120.0
    >>> knee = np.deg2rad(35.0 - 30.0 * np.cos(2 * np.pi * t))
    >>> angles = imu.JointAngles(t, 120.0, ("knee_flexion_l", "knee_flexion_r"),
    ...                          np.column_stack((knee, knee)))
    >>> walk = gait.Motion(np.zeros((240, 3)), np.tile([0.0, 0, 0, 1], (240, 1)), angles)
    >>> stiff = gait.stiffen_knee(walk, "left", peak_flexion_deg=40.0)
    >>> round(float(np.rad2deg(stiff.joint_angles["knee_flexion_l"].max())), 6)
    40.0
    >>> round(stiff.metadata["impairments"][-1]["original_peak_flexion_deg"], 6)
    65.0
    """
    if side not in KNEE_SIDES:
        raise GaitTwinInputError(f"side: expected 'left' or 'right', found {side!r}")
    angle = f"knee_flexion_{KNEE_SIDES[side]}"
    names = motion.joint_angles.names
    trial = motion.metadata.get("trial", "")
    if angle not in names:
        raise GaitTwinInputError(
            f"motion {trial!r}: expected joint angle {angle!r} to stiffen the {side} knee, "
            f"found {', '.join(names)}"
        )
    column = names.index(angle)
    flexion_deg = np.rad2deg(motion.joint_angles.values_rad[:, column])
    peak_deg = float(flexion_deg.max())
    if threshold_deg is None:
        threshold_deg = float(np.percentile(flexion_deg, 25))
    if not threshold_deg < peak_flexion_deg < peak_deg:
        raise GaitTwinInputError(
            f"peak_flexion_deg: expected a value between the threshold {threshold_deg:.1f} deg "
            f"and the current peak {peak_deg:.1f} deg of {angle!r}, found {peak_flexion_deg}"
        )
    values = np.array(motion.joint_angles.values_rad, copy=True)
    values[:, column] -= np.deg2rad(
        _reduction_deg(flexion_deg, threshold_deg, peak_deg, peak_flexion_deg)
    )
    record = {
        "kind": "stiff knee",
        "side": side,
        "angle": angle,
        "threshold_deg": float(threshold_deg),
        "original_peak_flexion_deg": peak_deg,
        "peak_flexion_deg": float(peak_flexion_deg),
    }
    angles = replace(
        motion.joint_angles,
        values_rad=values,
        metadata={
            **motion.joint_angles.metadata,
            "impairments": [*motion.joint_angles.metadata.get("impairments", []), record],
        },
    )
    return replace(
        motion,
        joint_angles=angles,
        metadata={
            **motion.metadata,
            "impairments": [*motion.metadata.get("impairments", []), record],
        },
    )
