"""The patient's reference: every usable stride of a walk averaged into one periodic cycle."""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np
from scipy.spatial.transform import Rotation

from gait._events import GaitEvents, contacts_from_events
from gait._motion import Motion
from gait._segmentation import CYCLE_POINTS, time_normalise
from imu import GaitTwinInputError, JointAngles

#: A stride whose duration differs from the walk's median stride by more than this fraction is
#: left out (a stop, a start, a missed or an extra heel strike).
STRIDE_TIME_TOLERANCE = 0.25

#: A stride whose pelvis heading turns by more than this is a turn, not a gentle curve, deg.
MAX_STRIDE_TURN_DEG = 30.0

#: A stride with more than this fraction of its samples in a sharp turn
#: (:func:`gait.turning_mask`) is left out; one that only touches a turn at its edge is kept.
MAX_TURNING_FRACTION = 0.1

#: Horizontal speed below which a stride is a stop, not walking, m/s.
MIN_STRIDE_SPEED_M_S = 0.1


@dataclass(frozen=True)
class StrideCheck:
    """One left stride of the walk (left heel strike to the next) and whether it was used.

    Parameters
    ----------
    start, stop
        Samples of the two left heel strikes.
    used
        Whether the stride went into the mean cycle.
    reason
        Why it was left out (empty when used).
    """

    start: int
    stop: int
    used: bool
    reason: str = ""


@dataclass(frozen=True)
class MeanCycle:
    """The walk's usable strides averaged into one periodic stride (see :func:`mean_cycle`).

    Parameters
    ----------
    joint_angles_rad
        Mean joint angles over the cycle, ``(CYCLE_POINTS, k)``, rad, 0-100 % from left heel
        strike to the next; names as ``names``.
    spread_rad
        Standard deviation across strides at each point, same shape, rad.
    names
        Joint angle names.
    root_offset_m
        Mean pelvis position relative to steady progression along +X at the mean speed,
        ``(CYCLE_POINTS, 3)``, m (x: ahead of or behind steady progression; y: sideways; z:
        height).
    root_rotvec_rad
        Mean pelvis orientation relative to the stride's heading, rotation vectors
        ``(CYCLE_POINTS, 3)``, rad.
    stride_time_s, stride_length_m
        Mean stride duration, s, and length along the heading, m.
    events_fraction
        Mean cycle fraction (0-1) of ``"toe_off_l"``, ``"heel_strike_r"``, ``"toe_off_r"``.
    strides
        Every left stride of the walk with whether it was used and why not.
    """

    joint_angles_rad: np.ndarray
    spread_rad: np.ndarray
    names: tuple[str, ...]
    root_offset_m: np.ndarray
    root_rotvec_rad: np.ndarray
    stride_time_s: float
    stride_length_m: float
    events_fraction: dict[str, float]
    strides: tuple[StrideCheck, ...]

    @property
    def n_strides(self) -> int:
        """Number of strides averaged."""
        return sum(s.used for s in self.strides)

    @property
    def speed_m_s(self) -> float:
        """Mean walking speed, m/s."""
        return self.stride_length_m / self.stride_time_s

    def spread_deg(self) -> dict[str, float]:
        """Mean stride-to-stride standard deviation of each joint angle, deg."""
        return {
            name: float(np.rad2deg(self.spread_rad[:, k].mean()))
            for k, name in enumerate(self.names)
        }

    def to_motion(
        self, *, n_strides: int = 4, sampling_rate_hz: float = 100.0, metadata: dict | None = None
    ) -> Motion:
        """Repeat the cycle ``n_strides`` times as a :class:`Motion` walking along +X from 0.

        Parameters
        ----------
        n_strides
            Strides in the motion (at least 1).
        sampling_rate_hz
            Sampling rate of the motion, Hz.
        metadata
            Added to the motion's metadata (which also gets ``mean_cycle``: strides used and
            left out, spread per angle in degrees).

        Returns
        -------
        Motion
            Starts at a left heel strike; foot contacts from the mean event timing.
        """
        if n_strides < 1:
            raise GaitTwinInputError(f"n_strides: expected at least 1, found {n_strides}")
        n = round(n_strides * self.stride_time_s * sampling_rate_hz) + 1
        time_s = np.arange(n) / sampling_rate_hz
        phase = np.mod(time_s / self.stride_time_s, 1.0)
        grid = np.linspace(0.0, 1.0, CYCLE_POINTS)

        def periodic(values: np.ndarray) -> np.ndarray:
            return np.column_stack([np.interp(phase, grid, v) for v in values.T])

        root = periodic(self.root_offset_m)
        root[:, 0] += self.speed_m_s * time_s
        quaternions = Rotation.from_rotvec(periodic(self.root_rotvec_rad)).as_quat()
        angles = JointAngles(time_s, sampling_rate_hz, self.names, periodic(self.joint_angles_rad))
        events = _periodic_events(self.events_fraction, self.stride_time_s, time_s)
        contacts = contacts_from_events(events)
        info = {
            "n_strides_used": self.n_strides,
            "strides_left_out": [
                {"start_s": s.start / sampling_rate_hz, "reason": s.reason}
                for s in self.strides
                if not s.used
            ],
            "stride_time_s": self.stride_time_s,
            "stride_length_m": self.stride_length_m,
            "spread_deg": self.spread_deg(),
        }
        return Motion(root, quaternions, angles, contacts, {**(metadata or {}), "mean_cycle": info})


def _periodic_events(
    fractions: dict[str, float], stride_time_s: float, time_s: np.ndarray
) -> GaitEvents:
    """Heel strikes and toe offs of a motion repeating one stride, as :class:`GaitEvents`."""
    rate = 1.0 / (time_s[1] - time_s[0])
    n_cycles = int(np.ceil(time_s[-1] / stride_time_s)) + 1
    at = {
        "heel_strike_l": 0.0,
        "toe_off_l": fractions["toe_off_l"],
        "heel_strike_r": fractions["heel_strike_r"],
        "toe_off_r": fractions["toe_off_r"],
    }
    samples = {}
    for name, fraction in at.items():
        times = (np.arange(n_cycles) + fraction) * stride_time_s
        index = np.round(times[times <= time_s[-1]] * rate).astype(int)
        samples[name] = np.unique(np.clip(index, 0, time_s.size - 1))
    return GaitEvents(
        rate,
        time_s.size,
        {"l": samples["heel_strike_l"], "r": samples["heel_strike_r"]},
        {"l": samples["toe_off_l"], "r": samples["toe_off_r"]},
        method="mean cycle",
    )


def _first_after(samples: np.ndarray, start: int, stop: int) -> int | None:
    """Return the only one of ``samples`` in ``[start, stop)``, or ``None`` (none or several)."""
    inside = samples[(samples >= start) & (samples < stop)]
    return int(inside[0]) if inside.size == 1 else None


def mean_cycle(
    motion: Motion, events: GaitEvents, *, turning: np.ndarray | None = None
) -> MeanCycle:
    """Average every usable stride of a walk into one periodic cycle.

    Parameters
    ----------
    motion
        The whole walk (e.g. :attr:`ImuWalk.motion`), with its pelvis path and orientation.
    events
        Heel strikes and toe offs on the motion's samples.
    turning
        ``(n,)`` booleans: samples in a sharp turn (:func:`gait.turning_mask`). Gentle curves
        are kept, each stride turned to walk along +X.

    Returns
    -------
    MeanCycle
        The mean cycle, its stride-to-stride spread and every stride with why it was left out.

    Raises
    ------
    GaitTwinInputError
        If no stride is usable.

    Notes
    -----
    A stride runs from a left heel strike to the next. It is left out when its pelvis heading
    turns by more than :data:`MAX_STRIDE_TURN_DEG` or more than :data:`MAX_TURNING_FRACTION` of
    it is in a sharp turn, when it does not hold exactly one right heel strike and one toe off
    of each foot, lasts more than :data:`STRIDE_TIME_TOLERANCE` away from the median stride,
    or moves slower than :data:`MIN_STRIDE_SPEED_M_S`. Each used stride is turned about the
    vertical by its heading (the direction from its first to its last pelvis position), its
    joint angles, pelvis height, sideways position (minus its straight-line trend) and pelvis
    orientation relative to the heading are time-normalised to :data:`CYCLE_POINTS` and
    averaged; the forward position is averaged as the offset from steady progression.
    Each mean curve is made periodic by removing the difference between its last and first
    point linearly over the cycle. Left and right keep their own curves and event timing, so
    the patient's asymmetry is kept.
    """
    n = motion.n_frames
    turning = np.zeros(n, dtype=bool) if turning is None else np.asarray(turning, dtype=bool)
    strikes = events.heel_strikes["l"]
    durations = np.diff(strikes)
    if durations.size == 0:
        raise GaitTwinInputError(
            f"walk {motion.metadata.get('path', '')!r}: expected two left heel strikes or more "
            f"for a stride, found {strikes.size}"
        )
    median = float(np.median(durations))
    forward = Rotation.from_quat(motion.root_quaternion).apply([1.0, 0.0, 0.0])
    heading = np.unwrap(np.arctan2(forward[:, 1], forward[:, 0]))
    checks, curves = [], []
    rate = motion.sampling_rate_hz
    for start, stop in itertools.pairwise(strikes):
        marks = {
            "toe_off_l": _first_after(events.toe_offs["l"], start, stop),
            "heel_strike_r": _first_after(events.heel_strikes["r"], start, stop),
            "toe_off_r": _first_after(events.toe_offs["r"], start, stop),
        }
        path = motion.root_position_m[start : stop + 1]
        chord = path[-1, :2] - path[0, :2]
        speed = float(np.linalg.norm(chord)) * rate / (stop - start)
        reason = ""
        turn_deg = abs(np.rad2deg(heading[stop] - heading[start]))
        if (
            turn_deg > MAX_STRIDE_TURN_DEG
            or turning[start : stop + 1].mean() > MAX_TURNING_FRACTION
        ):
            reason = f"a turn ({turn_deg:.0f} deg within the stride)"
        elif abs((stop - start) / median - 1.0) > STRIDE_TIME_TOLERANCE:
            reason = (
                f"stride of {(stop - start) / rate:.2f} s against a median of {median / rate:.2f} s"
            )
        elif any(v is None for v in marks.values()):
            reason = "not exactly one right heel strike and one toe off of each foot"
        elif speed < MIN_STRIDE_SPEED_M_S:
            reason = f"a stop ({speed:.2f} m/s)"
        checks.append(StrideCheck(int(start), int(stop), not reason, reason))
        if not reason:
            curves.append(_stride_curves(motion, start, stop, chord, marks))
    if not curves:
        reasons = sorted({c.reason for c in checks})
        raise GaitTwinInputError(
            f"walk {motion.metadata.get('path', '')!r}: expected a usable stride, found none of "
            f"{len(checks)} (left out for: {'; '.join(reasons)})"
        )
    stacked = {key: np.stack([c[key] for c in curves]) for key in curves[0]}
    return MeanCycle(
        joint_angles_rad=_periodic(stacked["angles"].mean(axis=0)),
        spread_rad=stacked["angles"].std(axis=0),
        names=motion.joint_angles.names,
        root_offset_m=_periodic(stacked["root"].mean(axis=0)),
        root_rotvec_rad=_periodic(_mean_rotvec(stacked["rotvec"])),
        stride_time_s=float(stacked["duration"].mean()),
        stride_length_m=float(stacked["length"].mean()),
        events_fraction={
            k: float(stacked[k].mean()) for k in ("toe_off_l", "heel_strike_r", "toe_off_r")
        },
        strides=tuple(checks),
    )


def _stride_curves(
    motion: Motion, start: int, stop: int, chord: np.ndarray, marks: dict[str, int]
) -> dict[str, np.ndarray | float]:
    """Time-normalised curves of one stride, turned to walk along +X."""
    heading = float(np.arctan2(chord[1], chord[0]))
    turn = Rotation.from_rotvec([0.0, 0.0, -heading])
    origin = motion.root_position_m[start] * np.array([1.0, 1.0, 0.0])
    root = turn.apply(motion.root_position_m[start : stop + 1] - origin)
    length = float(np.linalg.norm(chord))
    fraction = np.linspace(0.0, 1.0, stop - start + 1)
    root[:, 0] -= length * fraction
    root[:, 1] -= root[-1, 1] * fraction
    pelvis = turn * Rotation.from_quat(motion.root_quaternion[start : stop + 1])
    span = stop - start
    return {
        "angles": time_normalise(motion.joint_angles.values_rad, start, stop),
        "root": time_normalise(root, 0, span),
        "rotvec": time_normalise(pelvis.as_rotvec(), 0, span),
        "duration": span / motion.sampling_rate_hz,
        "length": length,
        **{key: (sample - start) / span for key, sample in marks.items()},
    }


def _mean_rotvec(rotvecs: np.ndarray) -> np.ndarray:
    """Mean orientation at each point of ``(m, p, 3)`` rotation vectors, ``(p, 3)``."""
    return np.stack(
        [Rotation.from_rotvec(rotvecs[:, k]).mean().as_rotvec() for k in range(rotvecs.shape[1])]
    )


def _periodic(curve: np.ndarray) -> np.ndarray:
    """``curve`` ``(p, k)`` with its end-minus-start difference removed linearly."""
    fraction = np.linspace(0.0, 1.0, curve.shape[0])[:, None]
    return curve - fraction * (curve[-1] - curve[0])
