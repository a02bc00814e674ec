"""Pelvis (root) path of an IMU-only recording, rebuilt from the stance leg."""

from __future__ import annotations

import numpy as np
import pandas as pd

from imu import GaitTwinInputError, JointAngles
from imu._errors import check_shape

#: Segment length over body height (Winter 2009, *Biomechanics and Motor Control of Human
#: Movement*, Fig. 4.1): thigh = hip to knee joint centre, shank = knee to ankle joint centre.
WINTER_LENGTH_RATIOS: dict[str, float] = {"thigh": 0.245, "shank": 0.246}

#: Ankle joint centre height over body height (Winter 2009, Fig. 4.1: 0.039 H).
WINTER_ANKLE_HEIGHT_RATIO = 0.039


def leg_lengths_from_height(height_m: float) -> tuple[float, float]:
    """Return ``(thigh_length_m, shank_length_m)`` from body height with Winter's ratios.

    Parameters
    ----------
    height_m
        Body height, m (0.5-2.5 accepted).

    Returns
    -------
    tuple of float
        Thigh and shank lengths, m.

    Raises
    ------
    GaitTwinInputError
        If the height is outside 0.5-2.5 m (a height in cm or mm is the usual mistake).

    """
    if not 0.5 <= height_m <= 2.5:
        raise GaitTwinInputError(
            f"height_m: expected a body height in m (0.5-2.5), found {height_m}"
        )
    return WINTER_LENGTH_RATIOS["thigh"] * height_m, WINTER_LENGTH_RATIOS["shank"] * height_m


def ankle_relative_to_hip(
    angles: JointAngles, side: str, *, thigh_length_m: float, shank_length_m: float
) -> np.ndarray:
    """Return the ankle position relative to the hip in the sagittal plane, ``(n, 2)``, m.

    Parameters
    ----------
    angles
        Holds ``hip_flexion_<side>`` and ``knee_flexion_<side>``; ``pelvis_tilt`` when present.
    side
        ``"l"`` or ``"r"``.
    thigh_length_m, shank_length_m
        Segment lengths, m.

    Returns
    -------
    numpy.ndarray
        ``(n, 2)``: forward (along the heading) and up components, m.

    Notes
    -----
    Planar two-segment leg: thigh inclination ``a = hip_flexion - pelvis_tilt``, shank
    inclination ``b = a - knee_flexion`` (forward positive); the ankle is at
    ``(L_t sin a + L_s sin b, -(L_t cos a + L_s cos b))`` from the hip.

    """
    thigh = angles[f"hip_flexion_{side}"].copy()
    if "pelvis_tilt" in angles.names:
        thigh -= angles["pelvis_tilt"]
    shank = thigh - angles[f"knee_flexion_{side}"]
    forward = thigh_length_m * np.sin(thigh) + shank_length_m * np.sin(shank)
    up = -(thigh_length_m * np.cos(thigh) + shank_length_m * np.cos(shank))
    return np.column_stack((forward, up))


def root_path_from_stance(
    angles: JointAngles,
    foot_contacts: np.ndarray,
    *,
    height_m: float | None = None,
    thigh_length_m: float | None = None,
    shank_length_m: float | None = None,
    heading_rad: np.ndarray | None = None,
    walkway_distance_m: float | None = None,
) -> np.ndarray:
    """Rebuild the pelvis path from the leg angles, with the stance foot planted.

    Parameters
    ----------
    angles
        ``hip_flexion_l/r`` and ``knee_flexion_l/r`` (``pelvis_tilt`` optional), rad.
    foot_contacts
        Boolean ``(n, 2)`` stance flags ``[left, right]`` (e.g. from
        :func:`contacts_from_events`).
    height_m
        Body height, m: leg lengths by :func:`leg_lengths_from_height`. Give either this or both
        segment lengths.
    thigh_length_m, shank_length_m
        Hip-knee and knee-ankle joint-centre distances, m.
    heading_rad
        Walking heading (yaw of the pelvis about Z from the world X axis), ``(n,)``, rad;
        ``None`` walks along +X.
    walkway_distance_m
        When given, the horizontal path is scaled so that its length equals this distance
        (e.g. 20 m for the clinical protocol); heights are not scaled.

    Returns
    -------
    numpy.ndarray
        Root (hip-centre) positions ``(n, 3)``, m, Z up, starting at ``x = y = 0``; ``z`` is the
        hip height above the ankle of the stance leg plus the ankle height (0.039 H, or 0.08 m
        when only segment lengths are given).

    Raises
    ------
    GaitTwinInputError
        If lengths are given both or neither way, an array has the wrong shape, or no foot is
        ever in contact.

    Notes
    -----
    While a foot is in stance its ankle is fixed on the ground, so the hip moves by minus the
    change of that ankle's position relative to the hip (:func:`ankle_relative_to_hip`): the
    leg acts as an inverted two-segment pendulum over the planted foot. In double support the
    two estimates are averaged; with no foot in contact (detection gaps) the last forward
    speed is held. The forward speed is then turned into the world by the heading and
    integrated. Rolling over the foot (heel to toe) is ignored, which shortens the path by a few
    percent; ``walkway_distance_m`` removes that scale error when the distance is known. The
    error on motion capture is given in ``docs/gait-analysis.md``.

    """
    n = angles.time_s.size
    if height_m is not None and (thigh_length_m is not None or shank_length_m is not None):
        raise GaitTwinInputError("leg lengths: expected height_m or segment lengths, found both")
    if height_m is not None:
        thigh_length_m, shank_length_m = leg_lengths_from_height(height_m)
        ankle_height = WINTER_ANKLE_HEIGHT_RATIO * height_m
    elif thigh_length_m is None or shank_length_m is None:
        raise GaitTwinInputError(
            "leg lengths: expected height_m or both thigh_length_m and shank_length_m, found "
            f"thigh_length_m={thigh_length_m}, shank_length_m={shank_length_m}"
        )
    else:
        ankle_height = 0.08
    contacts = np.asarray(foot_contacts)
    if contacts.shape != (n, 2) or contacts.dtype != bool:
        raise GaitTwinInputError(
            f"foot_contacts: expected booleans of shape ({n}, 2), found {contacts.dtype} "
            f"{contacts.shape}"
        )
    if not contacts.any():
        raise GaitTwinInputError("foot_contacts: expected some stance, found no contact at all")
    heading = np.zeros(n) if heading_rad is None else check_shape("heading_rad", heading_rad, (n,))
    ankles = np.stack(
        [
            ankle_relative_to_hip(
                angles, side, thigh_length_m=thigh_length_m, shank_length_m=shank_length_m
            )
            for side in ("l", "r")
        ],
        axis=1,
    )
    # forward displacement of the hip over each sample interval, averaged over planted feet;
    # intervals with no planted foot hold the last displacement
    step = -np.diff(ankles[:, :, 0], axis=0)
    planted = contacts[:-1] & contacts[1:]
    counts = planted.sum(axis=1)
    forward = pd.Series((step * planted).sum(axis=1) / np.maximum(counts, 1))
    forward = forward.where(counts > 0).ffill().fillna(0.0).to_numpy()
    mid_heading = 0.5 * (heading[:-1] + heading[1:])
    xy = np.zeros((n, 2))
    xy[1:, 0] = np.cumsum(forward * np.cos(mid_heading))
    xy[1:, 1] = np.cumsum(forward * np.sin(mid_heading))
    if walkway_distance_m is not None:
        length = float(np.linalg.norm(np.diff(xy, axis=0), axis=1).sum())
        if not walkway_distance_m > 0 or length == 0:
            raise GaitTwinInputError(
                f"walkway_distance_m: expected a positive distance and a moving path, found "
                f"{walkway_distance_m} m for a path of {length:.3f} m"
            )
        xy *= walkway_distance_m / length
    stance = contacts.sum(axis=1)
    known = np.flatnonzero(stance > 0)
    hip_height = (-ankles[:, :, 1] * contacts).sum(axis=1)[known] / stance[known]
    z = np.interp(np.arange(n), known, hip_height) + ankle_height
    return np.column_stack((xy, z))
