"""Pelvis (root) path of an IMU-only recording, rebuilt from the stance leg.

Its height and sideways sway can be fused with the pelvis sensor's acceleration
(:func:`fuse_position_with_acceleration`); without accelerometer data they are the legs' alone.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.integrate import cumulative_trapezoid
from scipy.spatial.transform import Rotation

from imu import (
    GaitTwinInputError,
    ImuRecording,
    JointAngles,
    angle_names,
    check_shape,
    lowpass,
    segment_orientations,
    world_acceleration,
)

#: Segment length over body height (Winter 2009, *Biomechanics and Motor Control of Human
#: Movement*, Fig. 4.1): thigh = hip to knee joint centre, shank = knee to ankle joint centre.
WINTER_LENGTH_RATIOS: dict[str, float] = {"thigh": 0.245, "shank": 0.246}

#: Ankle joint centre height over body height (Winter 2009, Fig. 4.1: 0.039 H).
WINTER_ANKLE_HEIGHT_RATIO = 0.039

#: Distance between the hip joint centres over body height: half of Winter's hip width 0.191 H
#: (Winter 2009, Fig. 4.1), as the avatar (``sim.body_dimensions``) uses.
HIP_JOINT_SEPARATION_RATIO = 0.0955

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


def _leg_segments(angles: JointAngles, pelvis_quaternion: np.ndarray) -> dict[str, Rotation]:
    """World orientations of the thighs and shanks composed from the pelvis and joint angles.

    Hip and knee angles that ``angles`` lacks (e.g. a sagittal-only input) are taken as zero.
    """
    names = [n for side in ("l", "r") for j in ("hip", "knee") for n in angle_names(f"{j}_{side}")]
    values = np.column_stack(
        [angles[n] if n in angles.names else np.zeros(angles.time_s.size) for n in names]
    )
    legs = JointAngles(angles.time_s, angles.sampling_rate_hz, tuple(names), values)
    quaternions, segments = segment_orientations(pelvis_quaternion, legs)
    return {s: Rotation.from_quat(quaternions[:, k]) for k, s in enumerate(segments)}


#: Largest change of an accelerometer channel's magnitude over a recording that still counts
#: as gravity only (no acceleration data), m/s^2.
GRAVITY_ONLY_TOLERANCE_M_S2 = 1e-3


def median_stride_s(contacts: np.ndarray, sampling_rate_hz: float) -> float | None:
    """Median time between contact onsets of the same foot, s; ``None`` with fewer than two."""
    onsets = [np.flatnonzero(np.diff(c.astype(int)) == 1) for c in contacts.T]
    strides = np.concatenate([np.diff(o) for o in onsets])
    return float(np.median(strides)) / sampling_rate_hz if strides.size else None


def pelvis_vertical_acceleration(recording: ImuRecording) -> np.ndarray | None:
    """World vertical acceleration of the pelvis sensor, gravity removed, ``(n,)``, m/s^2.

    The vertical component of :func:`pelvis_world_acceleration` (see it for the details).
    """
    acceleration = pelvis_world_acceleration(recording)
    return None if acceleration is None else acceleration[:, 2]


def pelvis_world_acceleration(recording: ImuRecording) -> np.ndarray | None:
    """World acceleration of the pelvis sensor, gravity removed, ``(n, 3)``, m/s^2.

    Parameters
    ----------
    recording
        A recording with the pelvis sensor's orientation and, for a result, its specific force
        (``acceleration_m_s2``, sensor frame, gravity included).

    Returns
    -------
    numpy.ndarray or None
        ``R f - g``, ``(n, 3)``, m/s^2: the sensor's specific force ``f`` turned into the
        recording's Earth frame (Z up) by the sensor's own orientation ``R``, minus standard
        gravity ``g`` along Z (:data:`imu.STANDARD_GRAVITY_M_S2`, 9.80665 m/s^2); zero at
        rest. ``None`` when the recording has no accelerometer data or no pelvis sensor.

    Notes
    -----
    A channel whose magnitude never changes by :data:`GRAVITY_ONLY_TOLERANCE_M_S2` holds
    gravity only (e.g. a ``.calc`` file written without acceleration, whose zero world
    acceleration reads back as gravity, ``docs/readers.md``): it carries no acceleration and
    gives ``None`` too. A worn accelerometer's noise alone varies by more than that.
    """
    if recording.acceleration_m_s2 is None or "pelvis" not in recording.segments:
        return None
    k = recording.segments.index("pelvis")
    force = np.array(recording.acceleration_m_s2[:, k])
    if np.ptp(np.linalg.norm(force, axis=1)) < GRAVITY_ONLY_TOLERANCE_M_S2:
        return None
    return world_acceleration(Rotation.from_quat(recording.quaternions[:, k]), force)


def fuse_position_with_acceleration(
    position_m: np.ndarray,
    acceleration_m_s2: np.ndarray,
    *,
    time_s: np.ndarray,
    sampling_rate_hz: float,
    crossover_hz: float,
) -> np.ndarray:
    """Complementary filter: the low frequencies of a position, the high ones of an acceleration.

    One axis at a time: :func:`root_path_from_stance` fuses the pelvis height with its vertical
    acceleration and the sideways position with the acceleration across the walking direction.

    Parameters
    ----------
    position_m
        Position along the axis from a drift-free but imprecise source (e.g. the leg
        kinematics), ``(n,)``, m.
    acceleration_m_s2
        Acceleration of the same point along the same axis, gravity removed, ``(n,)``, m/s^2; a
        constant bias and the unknown initial velocity do no harm.
    time_s
        Sample times, ``(n,)``, s.
    sampling_rate_hz
        Nominal sampling rate, Hz.
    crossover_hz
        Where the two sources hand over, Hz.

    Returns
    -------
    numpy.ndarray
        The fused position, ``(n,)``, m.

    Raises
    ------
    GaitTwinInputError
        If ``time_s`` is not one-dimensional or the position or the acceleration does not have
        its length.

    Notes
    -----
    With ``L`` the zero-phase 2nd-order Butterworth low-pass at ``crossover_hz`` applied
    forwards and backwards (:func:`imu.lowpass`) and ``x_a`` the acceleration integrated twice
    (trapezoid rule) minus its least-squares parabola::

        x = L(position) + (1 - L)(x_a) = x_a + L(position - x_a)

    The two branches add up to one at every frequency, so a signal that both sources see
    correctly passes unchanged. ``1 - L`` rises as ``(f / f_c)^4`` from zero frequency; the
    double integral's errors (a bias's parabola, removed first, and the random walk of the
    noise, whose spectrum falls as ``f^-4``) stay below the crossover and do not enter.
    """
    time_s = check_shape("time_s", time_s, (None,))
    n = time_s.size
    position = check_shape("position_m", position_m, (n,))
    acceleration = check_shape("acceleration_m_s2", acceleration_m_s2, (n,))
    elapsed = time_s - time_s[0]
    velocity = cumulative_trapezoid(acceleration, elapsed, initial=0.0)
    integrated = cumulative_trapezoid(velocity, elapsed, initial=0.0)
    integrated -= np.polyval(np.polyfit(elapsed, integrated, 2), elapsed)
    low = lowpass(
        position - integrated, sampling_rate_hz=sampling_rate_hz, cutoff_hz=crossover_hz, order=2
    )
    return integrated + low


def _sideways_drift(
    sideways: np.ndarray, *, sampling_rate_hz: float, stride_s: float
) -> np.ndarray:
    """Return the part of the sideways steps below half the stride frequency.

    Parameters
    ----------
    sideways
        Sideways (across the heading) root displacement of each sample interval, ``(n,)``, m.
    sampling_rate_hz
        Sampling rate, Hz.
    stride_s
        Stride time, s; at most the duration of ``sideways``.

    Returns
    -------
    numpy.ndarray
        The zero-phase 2nd-order Butterworth low-pass at ``0.5 / stride_s`` Hz
        (:func:`imu.lowpass`), ``(n,)``, m per sample.

    Notes
    -----
    Before filtering, the start is extended by repeating the first stride (``x[-k] =
    x[P - k]``, ``P`` samples of a stride, over three periods of the cutoff) instead of
    :func:`imu.lowpass`'s point reflection about the first sample. A walk recorded from its
    first steps starts mid-sway, where the first sample is the sway's value at that instant;
    reflected about it, the low-pass took that value for drift near the start and bent the
    path sideways by 4-9 cm over the first strides of virtual recordings that start walking
    (``docs/benchmarks.md``). The sway repeats with the stride, so the repeated stride
    continues it and leaves the filter only the first stride's mean, the slow part. A walk
    that starts standing repeats standing, as the reflection did. The end keeps
    :func:`imu.lowpass`'s extension: after a foot's last event the route cannot tell when
    its phase ended, so the last stride is no surer than the last sample.
    """
    cutoff_hz = 0.5 / stride_s
    pad = round(3.0 * sampling_rate_hz / cutoff_hz)
    stride = round(stride_s * sampling_rate_hz)
    start = sideways[:stride][np.arange(-pad, 0) % stride]
    drift = lowpass(
        np.concatenate((start, sideways)),
        sampling_rate_hz=sampling_rate_hz,
        cutoff_hz=cutoff_hz,
        order=2,
    )
    return drift[pad:]


def _walking_left(
    pelvis: Rotation, *, sampling_rate_hz: float, stride_s: float | None
) -> np.ndarray:
    """Return the horizontal unit vector left of the walking direction, ``(n, 2)``.

    The pelvis's heading low-passed below half the stride frequency (zero-phase 2nd-order
    Butterworth, :func:`imu.lowpass`; the heading itself when the stride is unknown or the
    record is short): the pelvis turns back and forth by several degrees with every stride
    while the walker goes straight on, and steps split along the turning pelvis put that
    swing into the path as a sideways wobble out of phase with the sway.
    """
    left = _horizontal_unit(pelvis.apply([0.0, 1.0, 0.0]))
    yaw = np.unwrap(np.arctan2(-left[:, 0], left[:, 1]))
    if stride_s is not None and yaw.size > 30:
        yaw = lowpass(yaw, sampling_rate_hz=sampling_rate_hz, cutoff_hz=0.5 / stride_s, order=2)
    return np.column_stack((-np.sin(yaw), np.cos(yaw)))


def _horizontal_unit(vectors: np.ndarray) -> np.ndarray:
    """``vectors`` ``(n, 3)`` with z removed, scaled to unit length."""
    flat = vectors * np.array([1.0, 1.0, 0.0])
    return flat / np.linalg.norm(flat, axis=1, keepdims=True)


def root_path_from_stance(
    angles: JointAngles,
    foot_contacts: np.ndarray,
    *,
    height_m: float | None = None,
    thigh_length_m: float | None = None,
    shank_length_m: float | None = None,
    pelvis_quaternion: np.ndarray | None = None,
    heading_rad: np.ndarray | None = None,
    hip_joint_separation_m: float | None = None,
    walkway_distance_m: float | None = None,
    rollover_radius_m: float | None = None,
    vertical_acceleration_m_s2: np.ndarray | None = None,
    horizontal_acceleration_m_s2: np.ndarray | None = None,
) -> np.ndarray:
    """Rebuild the pelvis path from the leg kinematics, each stance foot rolling on the ground.

    Parameters
    ----------
    angles
        ``hip_flexion_l/r`` and ``knee_flexion_l/r``, rad; the other hip and knee angles
        (adduction, rotation) when known, else taken as zero.
    foot_contacts
        Boolean ``(n, 2)`` stance flags ``[left, right]`` (e.g. from
        :func:`contacts_from_events`).
    height_m
        Body height, m: leg lengths by :func:`leg_lengths_from_height`. Give either this or both
        segment lengths.
    thigh_length_m, shank_length_m
        Hip-knee and knee-ankle joint-centre distances, m.
    pelvis_quaternion
        Pelvis segment-to-world orientation, scalar-last ``(n, 4)`` (e.g. from the pelvis
        sensor); the path is in that world.
    heading_rad
        Without ``pelvis_quaternion``: the pelvis yaw about Z from the world X axis, ``(n,)``,
        rad (the pelvis otherwise upright); ``None`` faces +X.
    hip_joint_separation_m
        Distance between the hip joint centres, m; default
        :data:`HIP_JOINT_SEPARATION_RATIO` times the body height.
    walkway_distance_m
        When given, the horizontal path is scaled so that its length equals this distance
        (e.g. 20 m for the clinical protocol); heights are not scaled.
    rollover_radius_m
        Radius of the foot's roll-over arc, m; default :data:`ROLLOVER_RADIUS_RATIO` times the
        body height (given, or estimated from the segment lengths with Winter's ratios).
    vertical_acceleration_m_s2
        The root's vertical acceleration in the world, gravity removed, ``(n,)``, m/s^2 (e.g.
        the pelvis sensor's, :func:`pelvis_vertical_acceleration`). When given, the height is
        the leg kinematics' below half the stride frequency and the acceleration's above it
        (:func:`fuse_position_with_acceleration`); ``None`` keeps the leg kinematics' height.
    horizontal_acceleration_m_s2
        The root's horizontal acceleration in the same world, ``(n, 2)`` [x, y], m/s^2 (e.g.
        the pelvis sensor's, :func:`pelvis_world_acceleration`). When given, the sideways
        position (across the walking direction) is the acceleration's above half the stride
        frequency and the leg kinematics' below it, by the height's complementary filter
        (:func:`fuse_position_with_acceleration`); ``None`` keeps the leg kinematics' sway. The
        path along the walking direction is the legs' either way.

    Returns
    -------
    numpy.ndarray
        Root (midpoint of the hip joint centres) positions ``(n, 3)``, m, Z up, starting at
        ``x = y = 0``; ``z`` is the height above the ground.

    Raises
    ------
    GaitTwinInputError
        If lengths are given both or neither way, an array has the wrong shape, no foot is
        ever in contact, or an acceleration is given and no foot makes a whole stride.

    Notes
    -----
    Each leg is a chain in the world: pelvis (hip joint centre at ``±s/2`` along the pelvis's
    left axis), thigh and shank (along their long axes, segment frames as in
    ``docs/conventions.md``). A foot in stance rolls over the ground like a rocker: its
    roll-over shape is an arc of radius ``R`` fixed to the shank, whose centre ``C`` lies on
    the shank axis ``R - h`` above the ankle (``h``: ankle height, Winter's 0.039 H, or 0.08 m
    when only segment lengths are given), so that the arc touches the ground below the ankle
    when the shank is vertical. Rolling without slipping keeps ``C`` at height ``R`` and moves
    it, at each sample, by ``R`` times the shank's rotation about its horizontal left axis,
    along the shank's horizontal forward direction. The root is ``C`` minus the chain from the
    root to ``C``: so it moves with the leg's inverted pendulum over ``C`` in 3-D (forward and
    sideways) plus the roll of ``C``. A foot pinned at the ankle (no roll) makes steps about 10
    % short on motion capture.

    The walker goes where the pelvis faces: the walking direction is the pelvis heading low-passed
    below half the stride frequency (the pelvis swings about it with every stride), and of the
    sideways motion across it only what varies within a stride is kept (the sway), the part below
    half the stride frequency (zero-phase 2nd-order low-pass, stride time from ``foot_contacts``,
    the start extended by repeating the first stride so that a walk recorded mid-sway is not bent)
    is removed; on motion capture the leg chain alone drifts sideways by up to 5 deg from the
    heading.

    In double support the leg that puts the root farther forward (along the pelvis heading) is
    taken, and the higher of the two heights: a foot flagged in stance that is in fact lifting
    or sliding forward (event detection is never exact, and the trailing foot rolls on its
    toes) can only make its leg's estimate shorter and lower. With no foot in contact
    (detection gaps) the last displacement is held.

    With the vertical acceleration, the height's crossover is half the stride frequency: the
    pelvis's vertical motion in walking is periodic with the stride, its lowest harmonic the
    stride frequency (left and right steps differ) and its largest the step frequency, so
    every harmonic of the gait cycle comes from the acceleration, and only what is slower
    than a stride (standing, the mean height, a change of level) from the legs, whose
    roll-over and event-timing errors repeat at the step frequency. The error on motion
    capture and on virtual IMU recordings is given in ``docs/gait-analysis.md``
    (``benchmarks/imu_clip_fidelity.py``).

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
    separation = (
        HIP_JOINT_SEPARATION_RATIO * height_m
        if hip_joint_separation_m is None
        else hip_joint_separation_m
    )
    contacts = np.asarray(foot_contacts)
    if contacts.shape != (n, 2) or contacts.dtype != bool:
        raise GaitTwinInputError(
            f"foot_contacts: expected booleans of shape ({n}, 2), found {contacts.dtype} "
            f"{contacts.shape}"
        )
    if not contacts.any():
        raise GaitTwinInputError("foot_contacts: expected some stance, found no contact at all")
    if pelvis_quaternion is None:
        yaw = np.zeros(n) if heading_rad is None else check_shape("heading_rad", heading_rad, (n,))
        pelvis = Rotation.from_rotvec(np.outer(yaw, [0.0, 0.0, 1.0]))
    else:
        pelvis = Rotation.from_quat(check_shape("pelvis_quaternion", pelvis_quaternion, (n, 4)))
    segments = _leg_segments(angles, pelvis.as_quat())
    below_knee = shank_length_m - (radius - ankle_height)
    # root -> arc centre C of each leg, (n, 2, 3); the roll of C over each interval, (n - 1, 2, 3)
    to_centre = np.empty((n, 2, 3))
    roll = np.empty((n - 1, 2, 3))
    left = _horizontal_unit(pelvis.apply([0.0, 1.0, 0.0]))[:-1]
    for k, (side, lateral) in enumerate((("l", 0.5), ("r", -0.5))):
        thigh, shank = segments[f"thigh_{side}"], segments[f"shank_{side}"]
        to_centre[:, k] = (
            pelvis.apply([0.0, lateral * separation, 0.0])
            + thigh.apply([0.0, 0.0, -thigh_length_m])
            + shank.apply([0.0, 0.0, -below_knee])
        )
        turn = (shank[1:] * shank[:-1].inv()).as_rotvec()
        pitch = np.sum(turn * left, axis=1)
        roll[:, k] = radius * pitch[:, None] * np.cross(left, [0.0, 0.0, 1.0])
    moves = roll - np.diff(to_centre, axis=0)
    forward = np.cross(left, [0.0, 0.0, 1.0])
    planted = contacts[:-1] & contacts[1:]
    ahead = np.where(planted, np.einsum("nkd,nd->nk", moves, forward), -np.inf)
    chosen = moves[np.arange(n - 1), np.argmax(ahead, axis=1), :2]
    chosen[~planted.any(axis=1)] = np.nan
    steps = pd.DataFrame(chosen).ffill().fillna(0.0).to_numpy()
    # along the walking direction as measured; sideways only what varies within a stride (the
    # sway): a slow sideways drift is a leg-model error, since the walker goes where the pelvis
    # faces on average
    stride_s = median_stride_s(contacts, angles.sampling_rate_hz)
    across = _walking_left(pelvis, sampling_rate_hz=angles.sampling_rate_hz, stride_s=stride_s)
    if stride_s is not None and n > 30:
        sideways = np.sum(steps * across[:-1], axis=1)
        drift = _sideways_drift(
            sideways, sampling_rate_hz=angles.sampling_rate_hz, stride_s=stride_s
        )
        steps = steps - drift[:, None] * across[:-1]
    if horizontal_acceleration_m_s2 is not None:
        if stride_s is None:
            raise GaitTwinInputError(
                "horizontal_acceleration_m_s2: the crossover is half the stride frequency; "
                "expected two contact onsets of one foot, found fewer"
            )
        acceleration = check_shape(
            "horizontal_acceleration_m_s2", horizontal_acceleration_m_s2, (n, 2)
        )
        sideways = np.sum(steps * across[:-1], axis=1)
        sway = fuse_position_with_acceleration(
            np.concatenate(([0.0], np.cumsum(sideways))),
            np.sum(acceleration * across, axis=1),
            time_s=angles.time_s, sampling_rate_hz=angles.sampling_rate_hz,
            crossover_hz=0.5 / stride_s,
        )  # fmt: skip
        steps = steps + (np.diff(sway) - sideways)[:, None] * across[:-1]
    xy = np.zeros((n, 2))
    xy[1:] = np.cumsum(steps, axis=0)
    if walkway_distance_m is not None:
        length = float(np.linalg.norm(np.diff(xy, axis=0), axis=1).sum())
        if not walkway_distance_m > 0 or length == 0:
            raise GaitTwinInputError(
                f"walkway_distance_m: expected a positive distance and a moving path, found "
                f"{walkway_distance_m} m for a path of {length:.3f} m"
            )
        xy *= walkway_distance_m / length
    known = np.flatnonzero(contacts.any(axis=1))
    height = np.where(contacts, radius - to_centre[:, :, 2], -np.inf).max(axis=1)[known]
    z = np.interp(np.arange(n), known, height)
    if vertical_acceleration_m_s2 is not None:
        if stride_s is None:
            raise GaitTwinInputError(
                "vertical_acceleration_m_s2: the crossover is half the stride frequency; "
                "expected two contact onsets of one foot, found fewer"
            )
        z = fuse_position_with_acceleration(
            z, vertical_acceleration_m_s2, time_s=angles.time_s,
            sampling_rate_hz=angles.sampling_rate_hz, crossover_hz=0.5 / stride_s,
        )  # fmt: skip
    return np.column_stack((xy, z))
