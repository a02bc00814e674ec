"""Pelvis (root) path of an IMU-only recording, rebuilt from the stance leg."""

from __future__ import annotations

import numpy as np
import pandas as pd

from gait._events import shank_inclination
from imu import GaitTwinInputError, JointAngles
from imu._errors import check_shape

#: Segment length over body height (Winter 2009, *Biomechanics and Motor Control of Human
#: Movement*, Fig. 4.1): thigh = hip to knee joint centre, shank = knee to ankle joint centre.
WINTER_LENGTH_RATIOS: dict[str, float] = {"thigh": 0.245, "shank": 0.246}

#: Ankle joint centre height over body height (Winter 2009, Fig. 4.1: 0.039 H).
WINTER_ANKLE_HEIGHT_RATIO = 0.039

#: Radius of the ankle-foot roll-over shape over body height: the effective rocker the foot
#: and ankle conform to in stance (Hansen & Meier 2010, Clin. Biomech. 25:248: about 22 % of
#: stature in children, "similar to those seen in adults").
ROLLOVER_RADIUS_RATIO = 0.22


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
    angles: JointAngles,
    side: str,
    *,
    thigh_length_m: float,
    shank_length_m: float,
    above_ankle_m: float = 0.0,
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
    above_ankle_m
        Give instead the point this far above the ankle on the shank axis, m (the centre of the
        foot's roll-over arc in :func:`root_path_from_stance`).

    Returns
    -------
    numpy.ndarray
        ``(n, 2)``: forward (along the heading) and up components, m.

    Notes
    -----
    Planar two-segment leg: thigh inclination ``a = hip_flexion - pelvis_tilt``, shank
    inclination ``b = a - knee_flexion`` (forward positive); the ankle is at
    ``(L_t sin a + L_s sin b, -(L_t cos a + L_s cos b))`` from the hip (``L_s`` shortened by
    ``above_ankle_m``).

    """
    thigh = angles[f"hip_flexion_{side}"].copy()
    if "pelvis_tilt" in angles.names:
        thigh -= angles["pelvis_tilt"]
    shank = thigh - angles[f"knee_flexion_{side}"]
    lower = shank_length_m - above_ankle_m
    forward = thigh_length_m * np.sin(thigh) + lower * np.sin(shank)
    up = -(thigh_length_m * np.cos(thigh) + lower * np.cos(shank))
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
    rollover_radius_m: float | None = None,
) -> np.ndarray:
    """Rebuild the pelvis path from the leg angles, each stance foot rolling over the ground.

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
    rollover_radius_m
        Radius of the foot's roll-over arc, m; default :data:`ROLLOVER_RADIUS_RATIO` times the
        body height (given, or estimated from the segment lengths with Winter's ratios).

    Returns
    -------
    numpy.ndarray
        Root (hip-centre) positions ``(n, 3)``, m, Z up, starting at ``x = y = 0``; ``z`` is the
        hip height above the ground.

    Raises
    ------
    GaitTwinInputError
        If lengths are given both or neither way, an array has the wrong shape, or no foot is
        ever in contact.

    Notes
    -----
    A foot in stance rolls over the ground like a rocker: its roll-over shape is an arc of
    radius ``R`` (:data:`ROLLOVER_RADIUS_RATIO`) fixed to the shank, whose centre ``C`` lies on
    the shank axis ``R - h`` above the ankle (``h``: ankle height, Winter's 0.039 H, or 0.08 m
    when only segment lengths are given), so that the arc touches the ground below the ankle
    when the shank is vertical. Rolling without slipping keeps ``C`` at height ``R`` and moves it
    forward by ``R`` times the forward rotation of the shank (``-Δb`` of
    :func:`ankle_relative_to_hip`). The hip is at ``C`` minus ``C``'s position relative to the
    hip (:func:`ankle_relative_to_hip` with ``above_ankle_m = R - h``). So the hip advances by
    the leg's inverted-pendulum motion over ``C`` plus the roll of ``C``; a foot pinned at the
    ankle (``R = h`` and no roll) makes steps about 10 % short on motion capture. In double
    support the leg that puts the hip farther forward and higher is taken: a foot flagged in
    stance that is in fact lifting or sliding forward (event detection is never exact, and the
    trailing foot rolls on its toes) can only make its leg's estimate shorter and lower. With no
    foot in contact (detection gaps) the last forward speed is held. The forward speed is
    turned into the world by the heading and integrated. The error on motion capture is given
    in ``docs/gait-analysis.md``.

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
        height_m = (thigh_length_m + shank_length_m) / sum(WINTER_LENGTH_RATIOS.values())
    radius = ROLLOVER_RADIUS_RATIO * height_m if rollover_radius_m is None else rollover_radius_m
    if not ankle_height <= radius < shank_length_m + ankle_height:
        raise GaitTwinInputError(
            f"rollover_radius_m: expected from the ankle height {ankle_height:.3f} m to the "
            f"shank length plus it, {shank_length_m + ankle_height:.3f} m, found {radius}"
        )
    contacts = np.asarray(foot_contacts)
    if contacts.shape != (n, 2) or contacts.dtype != bool:
        raise GaitTwinInputError(
            f"foot_contacts: expected booleans of shape ({n}, 2), found {contacts.dtype} "
            f"{contacts.shape}"
        )
    if not contacts.any():
        raise GaitTwinInputError("foot_contacts: expected some stance, found no contact at all")
    heading = np.zeros(n) if heading_rad is None else check_shape("heading_rad", heading_rad, (n,))
    centres = np.stack(
        [
            ankle_relative_to_hip(
                angles,
                side,
                thigh_length_m=thigh_length_m,
                shank_length_m=shank_length_m,
                above_ankle_m=radius - ankle_height,
            )
            for side in ("l", "r")
        ],
        axis=1,
    )
    shanks = np.column_stack([shank_inclination(angles, side) for side in ("l", "r")])
    # forward displacement of the hip over each sample interval from the planted feet, the larger
    # of two; intervals with no planted foot hold the last displacement
    step = -np.diff(centres[:, :, 0], axis=0) - radius * np.diff(shanks, axis=0)
    planted = contacts[:-1] & contacts[1:]
    forward = np.where(planted, step, -np.inf).max(axis=1)
    forward = pd.Series(forward).where(planted.any(axis=1)).ffill().fillna(0.0).to_numpy()
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
    known = np.flatnonzero(contacts.any(axis=1))
    hip_height = np.where(contacts, -centres[:, :, 1], -np.inf).max(axis=1)[known]
    z = np.interp(np.arange(n), known, hip_height) + radius
    return np.column_stack((xy, z))
