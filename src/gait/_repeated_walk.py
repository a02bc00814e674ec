"""Long walks of known cadence from one stride of a take: repeated, optionally slowed down."""

from __future__ import annotations

import numbers

import numpy as np
from scipy.spatial.transform import Rotation

from gait._events import SIDES, events_from_contacts
from gait._motion import Motion
from imu import GaitTwinInputError, JointAngles


def repeat_stride(
    motion: Motion, *, n_strides: int, time_stretch: float = 1.0, side: str = "l"
) -> Motion:
    """Return a walk made of one stride of ``motion`` repeated, slowed down by ``time_stretch``.

    Parameters
    ----------
    motion
        A walk with foot contacts (e.g. from :func:`gait.motion_from_mocap`) holding at least
        one whole stride of ``side``.
    n_strides
        Number of repetitions of the stride (an integer >= 1).
    time_stretch
        Time scale factor (> 0): 2 makes every movement take twice as long, so the stride
        frequency and the walking speed are halved while the step length is kept.
    side
        ``"l"`` or ``"r"``: the stride runs from the first heel strike of this foot to its next.

    Returns
    -------
    Motion
        Same sampling rate; ``n_strides * stride_samples * time_stretch`` samples (rounded).
        ``metadata`` adds ``stride_frequency_hz`` (the true stride frequency of the result,
        Hz), ``time_stretch`` and ``repeated_stride`` (the source samples of the stride).

    Raises
    ------
    GaitTwinInputError
        If the motion has no contacts or no whole stride of ``side``, or an option is out of
        range.

    Notes
    -----
    The stride ``[h0, h1)`` between two heel strikes of ``side`` is tiled. Its end does not
    meet its start exactly; the mismatch of each joint angle and of the root height is removed
    by a linear ramp over the stride, that of the root orientation by a rotation growing
    linearly (in its rotation vector) over the stride, so the repeated walk has no jump at
    the seams. The horizontal root path advances by the stride's displacement each time.
    Joint angles, root and contacts are then sampled at ``t / time_stretch`` (linear
    interpolation; contacts and orientation at the nearest source sample). Time-stretching a
    healthy walk is a stand-in for a slow walk with a known cadence: real slow walkers also
    change their joint excursions, which this does not.
    """
    if side not in SIDES:
        raise GaitTwinInputError(f"side: expected 'l' or 'r', found {side!r}")
    if not (isinstance(n_strides, numbers.Integral) and n_strides >= 1):
        raise GaitTwinInputError(f"n_strides: expected an integer >= 1, found {n_strides!r}")
    if not time_stretch > 0:
        raise GaitTwinInputError(f"time_stretch: expected a positive value, found {time_stretch}")
    trial = motion.metadata.get("trial", "")
    if motion.foot_contacts is None:
        raise GaitTwinInputError(f"motion {trial!r}: expected foot contacts to find a stride")
    rate = motion.sampling_rate_hz
    strikes = events_from_contacts(motion.foot_contacts, sampling_rate_hz=rate).heel_strikes[side]
    if strikes.size < 2:
        raise GaitTwinInputError(
            f"motion {trial!r}: expected two heel strikes of side {side!r} (one stride), found "
            f"{strikes.size}"
        )
    h0, h1 = int(strikes[0]), int(strikes[1])
    length = h1 - h0
    ramp = np.arange(length) / length
    angles = motion.joint_angles.values_rad
    stride_angles = angles[h0:h1] - np.outer(ramp, angles[h1] - angles[h0])
    root = motion.root_position_m
    stride_root = root[h0:h1] - root[h0]
    stride_root[:, 2] += root[h0, 2] - ramp * (root[h1, 2] - root[h0, 2])
    advance = np.array([*(root[h1, :2] - root[h0, :2]), 0.0])
    rotations = Rotation.from_quat(motion.root_quaternion[h0:h1])
    mismatch = (Rotation.from_quat(motion.root_quaternion[h1]).inv()
                * Rotation.from_quat(motion.root_quaternion[h0])).as_rotvec()  # fmt: skip
    stride_quats = (rotations * Rotation.from_rotvec(np.outer(ramp, mismatch))).as_quat()

    tiles = np.arange(n_strides)
    all_angles = np.tile(stride_angles, (n_strides, 1))
    all_root = (stride_root[None] + tiles[:, None, None] * advance).reshape(-1, 3)
    all_quats = np.tile(stride_quats, (n_strides, 1))
    all_contacts = np.tile(motion.foot_contacts[h0:h1], (n_strides, 1))

    n_out = round(n_strides * length * time_stretch)
    source = np.arange(n_out) / time_stretch
    samples = np.arange(n_strides * length)
    new_angles = np.column_stack([np.interp(source, samples, col) for col in all_angles.T])
    new_root = np.column_stack([np.interp(source, samples, col) for col in all_root.T])
    nearest = np.clip(np.rint(source).astype(int), 0, samples.size - 1)
    metadata = {
        **motion.metadata,
        "stride_frequency_hz": rate / (length * time_stretch),
        "time_stretch": float(time_stretch),
        "repeated_stride": [h0, h1],
    }
    time_s = np.arange(n_out) / rate
    joint_angles = JointAngles(time_s, rate, motion.joint_angles.names, new_angles, metadata)
    return Motion(new_root, all_quats[nearest], joint_angles, all_contacts[nearest], metadata)
