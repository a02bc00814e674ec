"""From an IMU recording to steady gait cycles, parameters and a Motion clip in one call."""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace

import numpy as np
from scipy.spatial.transform import Rotation

import imu
from gait._body import DEFAULT_HEIGHT_M
from gait._events import SIDES, GaitEvents, contacts_from_events, events_from_leg_angles
from gait._foot_gyroscope import (
    SEGMENT_FRAME_SWING_SIGN,
    events_from_foot_gyroscope,
    foot_sagittal_rate,
)
from gait._library import cut_walk
from gait._mean_cycle import MeanCycle, mean_cycle
from gait._motion import Motion
from gait._parameters import GaitParameters, gait_parameters
from gait._root_path import median_stride_s, pelvis_world_acceleration, root_path_from_stance
from gait._segmentation import CycleSegmentation, segment_cycles, turning_mask
from imu import GaitTwinInputError

#: Where :func:`analyse_imu_walk` takes the gait events from (its ``event_source``).
EVENT_SOURCES: tuple[str, ...] = ("legs", "feet")

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class ImuWalk:
    """What :func:`analyse_imu_walk` found in one recording.

    Parameters
    ----------
    motion
        The whole recording as a :class:`Motion`; the world is the recording's Earth frame
        turned about the vertical so that the longest steady stretch walks along +X.
    heading_rad
        Pelvis heading in that world, ``(n,)``, rad (unwrapped).
    turning
        ``(n,)`` booleans: samples in a turn (:func:`gait.turning_mask`).
    segmentations
        Spectral-peak segmentation of hip flexion per side (``"l"``, ``"r"``).
    steady
        ``(n,)`` booleans: steady straight walking on both sides.
    events
        Heel strikes and toe offs from :func:`analyse_imu_walk`'s ``event_source``: the leg
        angles (the default, ``marks="flat foot"``) or the feet's sagittal rates
        (``events.method`` says which). They give the clip's stance flags
        (``motion.foot_contacts``) and its cycles.
    timing_events
        Initial contacts and toe offs, the events ``parameters`` are measured from. With
        ``event_source="legs"``: :func:`gait.events_from_leg_angles` with ``marks="contact"``
        (Zeni et al. 2008's kinematic events: heel strike where the ankle is furthest ahead of
        the hip, toe off where the toe is furthest behind it, the ankle without foot sensors),
        since the flat-foot marks of ``events`` start stance late and end it early (stance 56
        % of the stride instead of about 60 %); with ``"feet"``: ``events``.
    parameters
        Stride, step and trial parameters of the steady walking, from ``timing_events``.
    """

    motion: Motion
    heading_rad: np.ndarray
    turning: np.ndarray
    segmentations: dict[str, CycleSegmentation]
    steady: np.ndarray
    events: GaitEvents
    timing_events: GaitEvents
    parameters: GaitParameters

    def steady_clip(self) -> Motion:
        """Return the longest steady stretch cut to whole steps, starting at ``x = y = 0``.

        Raises
        ------
        GaitTwinInputError
            If the recording holds no steady walking with at least one whole step.
        """
        start, stop = _longest_run(self.steady)
        if stop - start < 2:
            raise GaitTwinInputError(
                f"recording {self.motion.metadata.get('path', '')!r}: expected steady straight "
                "walking, found none"
            )
        stretch = self.motion.slice_frames(start, stop, metadata={"steady_from_sample": start})
        clip, _ = cut_walk(stretch)
        origin = np.array([*clip.root_position_m[0, :2], 0.0])
        return Motion(
            clip.root_position_m - origin,
            clip.root_quaternion,
            clip.joint_angles,
            clip.foot_contacts,
            clip.metadata,
        )

    def mean_cycle(self) -> MeanCycle:
        """Every usable stride of the walk averaged into one cycle (:func:`gait.mean_cycle`)."""
        return mean_cycle(self.motion, self.events, turning=self.turning)

    def reference_clip(self, *, n_strides: int = 4) -> Motion:
        """Return the patient's reference: the mean cycle repeated ``n_strides`` times along +X.

        Built from every usable stride (:meth:`mean_cycle`), not one straight piece; the
        motion's ``metadata["mean_cycle"]`` says how many strides were used, which were left
        out and why, and the stride-to-stride spread of each angle.
        """
        cycle = self.mean_cycle()
        return cycle.to_motion(
            n_strides=n_strides,
            sampling_rate_hz=self.motion.sampling_rate_hz,
            metadata=self.motion.metadata,
        )


def _longest_run(mask: np.ndarray) -> tuple[int, int]:
    """``(start, stop)`` of the longest run of ``True`` in ``mask`` (``(0, 0)`` if none)."""
    edges = np.diff(np.concatenate(([0], mask.astype(int), [0])))
    starts, stops = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)
    if starts.size == 0:
        return 0, 0
    k = int(np.argmax(stops - starts))
    return int(starts[k]), int(stops[k])


def analyse_imu_walk(
    recording: imu.ImuRecording,
    *,
    calibration: imu.Calibration | None = None,
    height_m: float = DEFAULT_HEIGHT_M,
    walkway_distance_m: float | None = None,
    event_source: str = "legs",
) -> ImuWalk:
    """Calibrate, compute joint angles, segment steady cycles and rebuild the pelvis path.

    Parameters
    ----------
    recording
        A walk with quiet standing and pelvis, thigh and shank sensors (see
        :func:`imu.calibrate`), and foot sensors (``foot_l``, ``foot_r``) for
        ``event_source="feet"``. When it has accelerometer data, the pelvis sensor's vertical
        acceleration (:func:`gait.pelvis_vertical_acceleration`) is fused into the pelvis
        height; without, the height is the leg kinematics' alone.
    calibration
        A calibration to use instead of calibrating on ``recording``.
    height_m
        Body height for the leg lengths of the pelvis path (and its foot roll-over radius), m.
    walkway_distance_m
        Known walked distance to rescale the pelvis path (clinical protocol: 20 m), m.
    event_source
        ``"legs"`` (default): heel strikes and toe offs from the thigh and shank angles
        (:func:`gait.events_from_leg_angles`); their stance phases run from about foot flat to
        heel rise, the phases in which the avatar's foot can be held still, and the contact
        correction of the clip works best with them (``docs/gait-analysis.md``). ``"feet"``:
        from both feet's sagittal angular rates (:func:`gait.foot_sagittal_rate`, from the
        gyroscope if the recording has one, else from the foot orientations; then
        :func:`gait.events_from_foot_gyroscope`): initial contact and toe lift, closest to
        kinematic gait events (Zeni et al. 2008), for clinical timing; needs foot sensors.

    Returns
    -------
    ImuWalk
        Motion, steady mask, events and parameters; :meth:`ImuWalk.steady_clip` gives the clip
        the simulator and the learning stage imitate.

    Raises
    ------
    GaitTwinInputError
        If ``event_source`` is unknown, the recording cannot be calibrated
        (:func:`imu.calibrate`) or lacks an angle or sensor a step needs. With accelerometer
        data and no foot that makes a whole stride, the height comes from the legs alone (a
        warning says so; ``motion.metadata["pelvis_height"]`` names the source either way).

    Notes
    -----
    Steps, as in ``docs/gait-analysis.md``: joint angles (:func:`imu.joint_angles`); turns from
    the pelvis heading (:func:`gait.turning_mask`); steady cycles by spectral peaks of hip
    flexion on each side, turns excluded (:func:`gait.segment_cycles`); heel strikes and toe offs
    from ``event_source``; the pelvis path from the stance leg
    (:func:`gait.root_path_from_stance`), its height fused with the pelvis sensor's vertical
    acceleration when the recording has accelerometer data; the gait parameters of the steady
    strides from the timing events (:class:`ImuWalk`'s ``timing_events``).
    """
    if event_source not in EVENT_SOURCES:
        raise GaitTwinInputError(
            f"event_source: expected one of {', '.join(EVENT_SOURCES)}, found {event_source!r}"
        )
    calibration = calibration or imu.calibrate(recording)
    angles = imu.joint_angles(recording, calibration=calibration)
    fs = angles.sampling_rate_hz
    pelvis = imu.calibrated_segment_orientations(recording, calibration=calibration)[
        :, calibration.segments.index("pelvis")
    ]
    heading = imu.pelvis_angles_world(pelvis)[:, 0]
    turning = turning_mask(heading, sampling_rate_hz=fs)
    segmentations = {
        side: segment_cycles(
            angles[f"hip_flexion_{side}"], sampling_rate_hz=fs, include=~turning,
            include_reason="turning",
        )
        for side in SIDES
    }  # fmt: skip
    steady = np.logical_and.reduce([seg.steady for seg in segmentations.values()])
    start, stop = _longest_run(steady)
    forward = heading[start:stop].mean() if stop > start else heading[0]
    turn = Rotation.from_rotvec([0.0, 0.0, -forward])
    if event_source == "feet":
        rates = foot_sagittal_rate(recording, calibration=calibration)
        source = "gyroscope" if recording.angular_velocity_rad_s is not None else "orientations"
        events = events_from_foot_gyroscope(
            rates, sampling_rate_hz=fs, swing_rate_sign=SEGMENT_FRAME_SWING_SIGN
        )
        events = replace(events, method=f"{events.method} (foot rates from the {source})")
        timing = events
    else:
        events = events_from_leg_angles(angles)
        timing = events_from_leg_angles(angles, marks="contact")
    contacts = contacts_from_events(events)
    pelvis_world = (turn * Rotation.from_quat(pelvis)).as_quat()
    acceleration = pelvis_world_acceleration(recording)
    if acceleration is not None and median_stride_s(contacts, fs) is None:
        logger.warning(
            "%s: no foot makes a whole stride, so the pelvis height comes from the legs alone "
            "(the pelvis acceleration is fused above half the stride frequency)",
            recording.metadata.get("path", "recording"),
        )
        acceleration = None
    if acceleration is not None:
        acceleration = turn.apply(acceleration)  # into the frame of pelvis_world
    root = root_path_from_stance(
        angles, contacts, height_m=height_m, pelvis_quaternion=pelvis_world,
        walkway_distance_m=walkway_distance_m,
        vertical_acceleration_m_s2=None if acceleration is None else acceleration[:, 2],
        horizontal_acceleration_m_s2=None if acceleration is None else acceleration[:, :2],
    )  # fmt: skip
    metadata = {
        "source": recording.metadata.get("source"),
        "path": recording.metadata.get("path"),
        "height_m": height_m,
        "heading_rad": float(forward),
        "pelvis_height": "legs" if acceleration is None else "legs and pelvis acceleration",
    }
    motion = Motion(root, pelvis_world, angles, contacts, metadata)
    parameters = gait_parameters(timing, root_position_m=root, angles=angles, include=steady)
    return ImuWalk(
        motion, heading - forward, turning, segmentations, steady, events, timing, parameters
    )
