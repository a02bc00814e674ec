"""Gait events (heel strike, toe off) from foot kinematics, foot contacts or leg angles."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.signal import butter, find_peaks, sosfiltfilt

from gait._root_path import WINTER_LENGTH_RATIOS
from gait._segmentation import stride_frequency
from imu import GaitTwinInputError, JointAngles, check_shape

#: Sides in the order used by ``foot_contacts`` arrays: ``[left, right]``.
SIDES: tuple[str, str] = ("l", "r")
#: Heel strike is searched this fraction of a stride after the shank's forward swing ends.
HEEL_STRIKE_SEARCH_FRACTION = 0.05
#: Toe off: the ankle's forward speed relative to the hip has risen this fraction of the way from
#: its stance level to its swing peak.
TOE_OFF_RISE_FRACTION = 0.15
#: A swing is under way at the first or the last sample when the ankle moves forward relative to
#: the hip there at least this fraction of its median swing peak (a foot on the ground moves back
#: relative to the hip, or rests).
EDGE_SWING_FRACTION = 0.25
#: What :func:`events_from_leg_angles` can mark: the flat-foot phase (``"flat foot"``: heel
#: strike near foot flat, toe off near heel rise) or the contact (``"contact"``: Zeni et al.
#: 2008's kinematic events with the ankle for the heel marker and the toe, or the ankle without
#: ankle angles, for the toe marker).
LEG_EVENT_MARKS: tuple[str, str] = ("flat foot", "contact")
#: The ankle joint centre -> toe (metatarsophalangeal joint) vector of the neutral (standing)
#: foot, ``(forward, down)`` as fractions of body height: the CMU skeletons' foot bone (``lfoot``,
#: ``rfoot`` of subjects 02, 07 and 16 in ``tests/data/cmu``, in their rest pose) is on average
#: 0.290 thigh lengths forward and 0.080 down (0.281-0.311 and 0.063-0.099 by foot), times
#: Winter's thigh length of 0.245 of the height (:data:`gait.WINTER_LENGTH_RATIOS`).
ANKLE_TO_TOE_RATIOS: tuple[float, float] = (0.071, 0.020)


def _frozen_int(values: np.ndarray) -> np.ndarray:
    out = np.array(values, dtype=np.int64).ravel()
    out.flags.writeable = False
    return out


@dataclass(frozen=True)
class GaitEvents:
    """Heel strikes and toe offs of both feet, as sample indices.

    Parameters
    ----------
    sampling_rate_hz
        Sampling rate of the signals the events were found in, Hz.
    n_samples
        Number of samples of those signals.
    heel_strikes
        ``{"l": samples, "r": samples}``: increasing sample indices of initial contact.
    toe_offs
        ``{"l": samples, "r": samples}``: increasing sample indices of final contact.
    method
        How the events were found (for reports).

    """

    sampling_rate_hz: float
    n_samples: int
    heel_strikes: dict[str, np.ndarray]
    toe_offs: dict[str, np.ndarray]
    method: str = ""

    def __post_init__(self) -> None:
        for name in ("heel_strikes", "toe_offs"):
            events = getattr(self, name)
            if set(events) != set(SIDES):
                raise GaitTwinInputError(
                    f"GaitEvents.{name}: expected keys {SIDES}, found {tuple(events)}"
                )
            frozen = {side: _frozen_int(events[side]) for side in SIDES}
            for side, samples in frozen.items():
                if np.any(np.diff(samples) <= 0) or np.any(
                    (samples < 0) | (samples >= self.n_samples)
                ):
                    raise GaitTwinInputError(
                        f"GaitEvents.{name}[{side!r}]: expected increasing samples in "
                        f"[0, {self.n_samples}), found {samples.tolist()}"
                    )
            object.__setattr__(self, name, frozen)

    def to_dataframe(self) -> pd.DataFrame:
        """Return one row per event: ``side``, ``event``, ``sample``, ``time_s``, by time."""
        rows = [
            (side, kind, int(s), s / self.sampling_rate_hz)
            for kind, events in (("heel_strike", self.heel_strikes), ("toe_off", self.toe_offs))
            for side in SIDES
            for s in events[side]
        ]
        table = pd.DataFrame(rows, columns=["side", "event", "sample", "time_s"])
        return table.sort_values("sample", kind="stable").reset_index(drop=True)


def _contacts_array(foot_contacts: np.ndarray) -> np.ndarray:
    """Return ``foot_contacts`` as a boolean ``(n, 2)`` array, or raise naming its shape."""
    contacts = np.asarray(foot_contacts).astype(bool)
    if contacts.ndim != 2 or contacts.shape[1] != 2:
        raise GaitTwinInputError(f"foot_contacts: expected shape (n, 2), found {contacts.shape}")
    return contacts


def _debounce(contact: np.ndarray, min_samples: int) -> np.ndarray:
    """Remove inner contact or swing phases shorter than ``min_samples`` (merge into neighbours)."""
    out = contact.copy()
    for value in (False, True):
        padded = np.concatenate(([False], out == value, [False]))
        edges = np.flatnonzero(np.diff(padded.astype(np.int8)))
        for start, end in zip(edges[::2], edges[1::2], strict=True):
            if end - start < min_samples and start > 0 and end < out.size:
                out[start:end] = not value
    return out


def debounce_contacts(
    foot_contacts: np.ndarray, *, sampling_rate_hz: float, min_phase_s: float = 0.08
) -> np.ndarray:
    """Merge contact or swing phases shorter than ``min_phase_s`` into their neighbours.

    Parameters
    ----------
    foot_contacts
        Boolean ``(n, 2)`` contacts ``[left, right]``.
    sampling_rate_hz
        Sampling rate, Hz.
    min_phase_s
        Shortest phase kept, s. Swing gaps shorter than this (a heel lifting and landing
        again within a stance) become contact; contacts shorter than this (a toe brushing the
        ground in swing) become swing. Phases at either end of the record are kept.

    Returns
    -------
    numpy.ndarray
        Boolean ``(n, 2)``.

    Raises
    ------
    GaitTwinInputError
        If ``foot_contacts`` is not ``(n, 2)`` or ``min_phase_s`` is not positive.
    """
    contacts = _contacts_array(foot_contacts)
    if not min_phase_s > 0:
        raise GaitTwinInputError(f"min_phase_s: expected a positive value, found {min_phase_s}")
    min_samples = max(1, round(min_phase_s * sampling_rate_hz))
    return np.column_stack([_debounce(contacts[:, i], min_samples) for i in range(2)])


def foot_contacts_from_positions(
    foot_position_m: np.ndarray,
    *,
    sampling_rate_hz: float,
    height_threshold_m: float = 0.05,
    speed_threshold_m_s: float = 0.6,
    cutoff_hz: float = 6.0,
    min_phase_s: float = 0.08,
) -> np.ndarray:
    """Return foot contacts from the height and horizontal speed of foot points.

    Parameters
    ----------
    foot_position_m
        World positions of one point per foot (e.g. the toe base or the ankle), shape
        ``(n, 2, 3)`` with feet ``[left, right]``, m, Z up.
    sampling_rate_hz
        Sampling rate, Hz.
    height_threshold_m
        A foot is in contact while its height is within this margin of its own floor level (the
        5th percentile of its height over the take), m.
    speed_threshold_m_s
        ... and its horizontal speed is below this value, m/s.
    cutoff_hz
        Positions are low-passed (zero-phase 2nd-order Butterworth) at this cutoff before the
        speed is taken, Hz.
    min_phase_s
        Contact or swing phases shorter than this are merged into their neighbours, s.

    Returns
    -------
    numpy.ndarray
        Boolean ``(n, 2)`` contacts ``[left, right]``.

    Raises
    ------
    GaitTwinInputError
        If the array shape is wrong or a threshold is not positive.

    Notes
    -----
    Foot-contact onsets from height and speed (O'Connor et al. 2007 use the foot's vertical
    velocity; the combined height-and-speed rule is the one used for motion-capture clips in
    physics-based character animation). On CMU takes it places heel strikes where the knee curve
    best matches Winter's (see ``docs/gait-analysis.md``).

    """
    position = check_shape("foot_position_m", foot_position_m, (None, 2, 3))
    for name, value in (
        ("height_threshold_m", height_threshold_m),
        ("speed_threshold_m_s", speed_threshold_m_s),
        ("min_phase_s", min_phase_s),
    ):
        if not value > 0:
            raise GaitTwinInputError(f"{name}: expected a positive value, found {value}")
    sos = butter(2, cutoff_hz, fs=sampling_rate_hz, output="sos")
    smooth = sosfiltfilt(sos, position, axis=0) if position.shape[0] > 15 else position
    speed = np.linalg.norm(np.gradient(smooth[:, :, :2], axis=0), axis=2) * sampling_rate_hz
    height = smooth[:, :, 2] - np.percentile(smooth[:, :, 2], 5, axis=0)
    contact = (height < height_threshold_m) & (speed < speed_threshold_m_s)
    return debounce_contacts(contact, sampling_rate_hz=sampling_rate_hz, min_phase_s=min_phase_s)


def events_from_contacts(
    foot_contacts: np.ndarray, *, sampling_rate_hz: float, method: str = "foot contacts"
) -> GaitEvents:
    """Return heel strikes (contact onsets) and toe offs (contact ends) from foot contacts.

    Parameters
    ----------
    foot_contacts
        Boolean ``(n, 2)`` contacts ``[left, right]``.
    sampling_rate_hz
        Sampling rate, Hz.
    method
        Stored in the result.

    Returns
    -------
    GaitEvents
        A heel strike at each sample where contact begins, a toe off at each sample where it
        ends (the first sample in swing). Contact at the first or last sample is not an event.

    Raises
    ------
    GaitTwinInputError
        If ``foot_contacts`` is not ``(n, 2)``.

    """
    contacts = _contacts_array(foot_contacts)
    change = np.diff(contacts.astype(np.int8), axis=0)
    strikes = {side: np.flatnonzero(change[:, i] == 1) + 1 for i, side in enumerate(SIDES)}
    offs = {side: np.flatnonzero(change[:, i] == -1) + 1 for i, side in enumerate(SIDES)}
    return GaitEvents(float(sampling_rate_hz), contacts.shape[0], strikes, offs, method)


def _leg_inclinations(angles: JointAngles, side: str) -> tuple[np.ndarray, np.ndarray]:
    """Sagittal inclinations of the thigh and the shank to the vertical, rad (see below)."""
    if side not in SIDES:
        raise GaitTwinInputError(f"side: expected 'l' or 'r', found {side!r}")
    thigh = angles[f"hip_flexion_{side}"].copy()
    if "pelvis_tilt" in angles.names:
        thigh -= angles["pelvis_tilt"]
    return thigh, thigh - angles[f"knee_flexion_{side}"]


def shank_inclination(angles: JointAngles, side: str) -> np.ndarray:
    """Return the sagittal inclination of one shank to the vertical (distal end forward +), rad.

    Parameters
    ----------
    angles
        Must hold ``hip_flexion_<side>`` and ``knee_flexion_<side>``; ``pelvis_tilt`` is used
        when present (else the pelvis is taken as upright).
    side
        ``"l"`` or ``"r"``.

    Returns
    -------
    numpy.ndarray
        ``(n,)``, rad: ``hip_flexion - pelvis_tilt - knee_flexion``.

    Notes
    -----
    Planar approximation: thigh inclination = hip flexion minus anterior pelvic tilt, shank
    inclination = thigh inclination minus knee flexion.

    """
    return _leg_inclinations(angles, side)[1]


def _toe_off_window(ankle_rate: np.ndarray, peak: int, period: float) -> tuple[int, int, bool]:
    """Return a swing's toe-off search window: first sample, top, whether both are observed.

    The window runs from 0.6 of a stride before the swing peak to a quarter after it; its top is
    the sample where the ankle's forward rate is highest in it. The stance level and the top are
    observed unless the recording's start cuts the window, or its end cuts it while the rate is
    still rising at the last sample.
    """
    low, high = peak - round(0.6 * period), peak + round(0.25 * period)
    first, stop = max(0, low), min(ankle_rate.size, high)
    top = first + int(np.argmax(ankle_rate[first:stop]))
    return first, top, first == low and (stop == high or top < stop - 1)


def _rise_threshold(ankle_rate: np.ndarray, low: int, top: int) -> float:
    """Return the rate :data:`TOE_OFF_RISE_FRACTION` of the way from stance level to top."""
    level = np.percentile(ankle_rate[low:top], 20)
    return float(level + TOE_OFF_RISE_FRACTION * (ankle_rate[top] - level))


def _stride_reference(
    ankle_rate: np.ndarray, swings: np.ndarray, period: float
) -> tuple[float, float] | None:
    """Return the median toe-off threshold and the median swing top of the ankle's rate.

    Over the swings whose toe-off window's stance level and top are in the recording; ``None``
    without one.
    """
    windows = [_toe_off_window(ankle_rate, int(peak), period) for peak in swings]
    seen = [(low, top) for low, top, observed in windows if observed and top > low]
    if not seen:
        return None
    thresholds = [_rise_threshold(ankle_rate, low, top) for low, top in seen]
    return float(np.median(thresholds)), float(np.median([ankle_rate[top] for _, top in seen]))


def _edge_swings(
    ankle_rate: np.ndarray, swings: np.ndarray, period: float, swing_top: float
) -> list[int]:
    """Return the edge samples at which a swing whose peak is outside the recording is under way.

    There the ankle moves forward relative to the hip at least :data:`EDGE_SWING_FRACTION` of
    ``swing_top``, and no swing peak (``swings``, not empty) lies within 0.6 of a stride (else
    that peak's swing is the one under way, as :func:`events_from_leg_angles` counts swings).
    """
    last, spacing = ankle_rate.size - 1, round(0.6 * period)
    fast = ankle_rate >= EDGE_SWING_FRACTION * swing_top
    edges = []
    if fast[0] and swings[0] >= spacing:
        edges.append(0)
    if fast[last] and last - swings[-1] >= spacing:
        edges.append(last)
    return edges


def _toe_off_before(
    ankle_rate: np.ndarray, peak: int, period: float, reference_threshold: float | None
) -> int | None:
    """Toe off before a swing peak from the ankle's forward rate relative to the hip (see below).

    A window whose stance level or top the recording's edge cuts off takes
    ``reference_threshold`` (that of the other swings) when there is one. ``None`` when the rate
    does not cross the threshold within the recording (the foot left the ground before it).
    """
    low, top, observed = _toe_off_window(ankle_rate, peak, period)
    if top <= low:
        return None
    threshold = (
        _rise_threshold(ankle_rate, low, top)
        if observed or reference_threshold is None
        else reference_threshold
    )
    below = np.flatnonzero(ankle_rate[low:top] <= threshold)
    return low + int(below[-1]) + 1 if below.size else None


def _heel_strike_after(omega: np.ndarray, peak: int, search: int, period: float) -> int | None:
    """Heel strike after a swing peak: the minimum in ``search`` samples from the zero crossing.

    ``None`` when the angular velocity, forward at ``peak``, does not cross zero within half a
    stride of it in the recording. A search cut by the recording's end keeps its minimum so far
    (at most ``search`` samples early).
    """
    negative = np.flatnonzero(omega[peak : peak + round(0.5 * period)] < 0.0)
    if negative.size == 0 or negative[0] == 0:
        return None
    zero = peak + int(negative[0])
    return zero + int(np.argmin(omega[zero : zero + search + 1]))


def _furthest_from_hip(
    position: np.ndarray, peak: int, period: float, *, ahead: bool
) -> int | None:
    """Return where a foot point (ankle or toe) is furthest ahead of or behind the hip.

    ``position`` is the point's forward position relative to the hip. ``ahead``: the most
    forward sample within half a stride after the swing peak ``peak``; else the most backward
    one within 0.6 of a stride before it. ``None`` when the extreme is at the edge of that window
    (the point does not turn within it, or the record ends).
    """
    if ahead:
        low, high = peak, min(position.size, peak + round(0.5 * period) + 1)
        extreme = low + int(np.argmax(position[low:high]))
    else:
        low, high = max(0, peak - round(0.6 * period)), peak + 1
        extreme = low + int(np.argmin(position[low:high]))
    return extreme if low < extreme < high - 1 else None


def _toe_relative_to_hip(
    thigh: np.ndarray,
    shank: np.ndarray,
    ankle_dorsiflexion: np.ndarray,
    ankle_to_toe_ratios: tuple[float, float],
) -> np.ndarray:
    """Forward position of the toe relative to the hip of a planar leg, body heights (see below).

    Thigh and shank of Winter's lengths at inclinations ``thigh`` and ``shank`` (rad, distal end
    forward +); the foot inclined by ``shank + ankle_dorsiflexion`` from its neutral pose, in
    which the toe lies ``ankle_to_toe_ratios`` (forward, down) from the ankle.
    """
    foot = shank + ankle_dorsiflexion
    forward, down = ankle_to_toe_ratios
    return (
        WINTER_LENGTH_RATIOS["thigh"] * np.sin(thigh)
        + WINTER_LENGTH_RATIOS["shank"] * np.sin(shank)
        + forward * np.cos(foot)
        + down * np.sin(foot)
    )


def _check_ankle_to_toe(ankle_to_toe_ratios: tuple[float, float]) -> tuple[float, float]:
    """Return ``(forward, down)`` as floats, or raise naming what was found."""
    values = np.asarray(ankle_to_toe_ratios, dtype=float)
    if (
        values.shape != (2,)
        or not np.all(np.isfinite(values))
        or not (values[0] > 0 and values[1] >= 0)
    ):
        raise GaitTwinInputError(
            "ankle_to_toe_ratios: expected (forward, down) fractions of body height, forward "
            f"positive and down not negative, found {ankle_to_toe_ratios!r}"
        )
    return float(values[0]), float(values[1])


def events_from_leg_angles(
    angles: JointAngles,
    *,
    cutoff_hz: float | None = 10.0,
    min_swing_rate_rad_s: float = 1.0,
    stride_frequency_hz: float | None = None,
    marks: str = "flat foot",
    ankle_to_toe_ratios: tuple[float, float] = ANKLE_TO_TOE_RATIOS,
) -> GaitEvents:
    """Return heel strikes and toe offs from thigh and shank angles (and ankle angles if any).

    Parameters
    ----------
    angles
        Joint angles with ``hip_flexion_l/r`` and ``knee_flexion_l/r`` (``pelvis_tilt``
        optional; ``ankle_dorsiflexion_l/r``, from foot sensors, used by ``marks="contact"``),
        rad.
    cutoff_hz
        The thigh and shank inclinations are low-passed at this cutoff (zero-phase 2nd-order
        Butterworth) before they are differentiated, Hz; ``None`` for none. Angles from
        :func:`imu.joint_angles` are already low-passed at 6 Hz.
    min_swing_rate_rad_s
        A swing is a peak of the shank's forward angular velocity above this value, rad/s
        (about 3-6 rad/s in healthy walking, still above 1.5 rad/s in slow patients' gait).
    stride_frequency_hz
        Stride frequency, Hz; by default :func:`gait.stride_frequency` of each shank's angular
        velocity (which does not take the second harmonic of a slow or asymmetric walk).
    marks
        ``"flat foot"`` (default): heel strike near foot flat and toe off near heel rise, the
        stance phases in which :func:`gait.analyse_imu_walk` holds the avatar's foot still.
        ``"contact"``: heel strike at initial contact and toe off at final contact, the
        kinematic events of Zeni et al. (2008): heel strike at the ankle's foremost point,
        toe off at the toe's rearmost point when ``ankle_dorsiflexion_<side>`` is in
        ``angles`` (foot sensors), else at the ankle's (see Notes).
    ankle_to_toe_ratios
        ``(forward, down)``: the toe (metatarsophalangeal joint) relative to the ankle joint
        centre in the neutral (standing) foot, fractions of body height; used by
        ``marks="contact"`` with ankle angles (default :data:`ANKLE_TO_TOE_RATIOS`, from the
        CMU skeletons).

    Returns
    -------
    GaitEvents
        Events of both sides; ``method`` is ``"shank angular velocity"`` for
        ``marks="flat foot"``; for ``marks="contact"``, ``"ankle and toe relative to the hip"``
        when both sides have ankle angles, ``"ankle relative to the hip"`` when neither has
        (and which side's toe off came from the toe when only one has).

    Raises
    ------
    GaitTwinInputError
        If an angle is missing, the stride frequency is not positive, ``marks`` is neither
        ``"flat foot"`` nor ``"contact"`` or ``ankle_to_toe_ratios`` is not two finite
        fractions (forward positive, down not negative).

    Notes
    -----
    Shank angular-velocity method (Aminian et al. 2002; Salarian et al. 2004): the shank swings
    forward fastest in mid swing. With ``T`` the stride period, swings are peaks of the shank's
    sagittal angular velocity at least ``0.6 T`` apart (so the two bursts of a slow or
    asymmetric swing count once). Heel strike: the forward swing ends where the angular
    velocity crosses zero; it is the minimum of the angular velocity within
    :data:`HEEL_STRIKE_SEARCH_FRACTION` (5 %) of ``T`` after that zero crossing, where the shank
    is braked once the heel is down. Toe off: the foot leaves the ground when it starts to
    move forward. The ankle's forward position relative to the hip of a planar leg with equal
    thigh and shank (Winter's ratios are 0.245 and 0.246 of the height) is ``sin a + sin b``
    (``a``, ``b`` the thigh and shank inclinations); its rate rests near a stance level (the
    ankle moves back at the walking speed) and peaks in swing. Toe off is the first sample,
    before the swing peak, at which the rate has risen :data:`TOE_OFF_RISE_FRACTION` (15 %)
    of the way from the stance level (20th percentile over the 0.6 ``T`` before the peak) to
    the peak; the ratio makes it independent of speed and leg length.
    Measured against foot contacts through virtual sensors (``docs/gait-analysis.md``): the
    earlier rules (heel strike at the first local minimum after the peak, toe off at the last
    before it, 6 Hz low-pass) put heel strike 31 ms late on average on 13 CMU takes and missed
    most events of slow walks, whose noisy shank velocity has many small extrema; the zero
    crossing alone is about 60 ms early.
    With ``marks="contact"`` the events follow Zeni et al. (2008)'s rules for heel and toe
    markers relative to the pelvis. Heel strike: where the ankle (``sin a + sin b`` as above)
    is furthest ahead of the hip, within half a stride after the swing peak. Toe off: where the
    toe is furthest behind the hip, within 0.6 of a stride before the swing peak. With foot
    sensors (``ankle_dorsiflexion_<side>`` in ``angles``, low-passed like the others) the toe's
    forward position relative to the hip, in body heights, is
    ``0.245 sin a + 0.246 sin b + f cos c + d sin c``: thigh and shank of Winter's lengths
    (:data:`gait.WINTER_LENGTH_RATIOS`), the foot inclined by ``c = b + ankle dorsiflexion``
    (toes up +, ``docs/conventions.md``) from its neutral pose, in which the toe lies ``f``
    forward and ``d`` down from the ankle (``ankle_to_toe_ratios``; by default
    :data:`ANKLE_TO_TOE_RATIOS`, the CMU skeletons' foot bone: a published table such as de
    Leva 1996 gives the heel-to-toe-tip length but not where the ankle and the toe joint lie
    on it). Every length is a fraction of the height, so the events do not depend on it; scaling
    ``f`` and ``d`` by +-30 % moves the median toe off of the CMU walks by about 5 ms at normal
    speed and 20 ms on the same walks slowed to 0.45 m/s (``docs/gait-analysis.md``). Heel
    strike does not use the ankle angles. Without ankle angles the ankle stands in for the toe
    (the earlier rule, unchanged): the ankle starts forward while the toe still pivots on the
    ground, so that toe off comes before the toe's lift (``docs/gait-analysis.md`` gives the
    measured offsets).
    A recording may start or end mid-walk. A swing whose peak lies before the first sample (or
    after the last) is under way there when the ankle moves forward relative to the hip at
    least :data:`EDGE_SWING_FRACTION` (25 %) of the median of its swing tops (a foot on the
    ground moves back relative to the hip, or rests) and no swing peak lies within ``0.6 T``;
    it gets the heel strike that ends it (or the toe off that starts it), found as above. A
    toe-off window that the recording's start cuts (its stance level), or whose rate is still
    rising at the last sample (its top), takes the median threshold of the walk's other
    windows, so a toe off before the first sample is left out rather than put just after it.
    Each event is kept only where its mark lies in the recording: the zero crossing, the
    threshold crossing, the ankle's extreme inside its window (a heel strike's search cut by
    the end keeps its minimum so far, at most 5 % of a stride early). Before a foot's first
    event its state is the opposite of the state that event begins
    (:func:`contacts_from_events`), so a foot swinging at the first sample is in swing until
    its heel strike. Without a swing whose window lies in the recording, no edge swing is
    counted and cut windows keep their own threshold.
    The shank inclination comes from :func:`shank_inclination`.

    """
    if stride_frequency_hz is not None and not stride_frequency_hz > 0:
        raise GaitTwinInputError(
            f"stride_frequency_hz: expected a positive value, found {stride_frequency_hz}"
        )
    if marks not in LEG_EVENT_MARKS:
        raise GaitTwinInputError(
            f"marks: expected one of {', '.join(map(repr, LEG_EVENT_MARKS))}, found {marks!r}"
        )
    foot = _check_ankle_to_toe(ankle_to_toe_ratios)
    with_feet = [side for side in SIDES if f"ankle_dorsiflexion_{side}" in angles.names]
    toe_sides = with_feet if marks == "contact" else []
    strikes: dict[str, np.ndarray] = {}
    offs: dict[str, np.ndarray] = {}
    rate = angles.sampling_rate_hz
    sos = None if cutoff_hz is None else butter(2, cutoff_hz, fs=rate, output="sos")
    for side in SIDES:
        for name in (f"hip_flexion_{side}", f"knee_flexion_{side}"):
            if name not in angles.names:
                raise GaitTwinInputError(
                    f"angles: expected {name!r} for events from leg angles, found "
                    f"{', '.join(angles.names)}"
                )
        thigh, shank = _leg_inclinations(angles, side)
        if sos is not None:
            thigh, shank = sosfiltfilt(sos, thigh), sosfiltfilt(sos, shank)
        omega = np.gradient(shank) * rate
        ankle = np.sin(thigh) + np.sin(shank)
        toe = ankle
        if side in toe_sides:
            dorsiflexion = angles[f"ankle_dorsiflexion_{side}"]
            if sos is not None:
                dorsiflexion = sosfiltfilt(sos, dorsiflexion)
            toe = _toe_relative_to_hip(thigh, shank, dorsiflexion, foot)
        ankle_rate = np.gradient(ankle) * rate
        frequency = stride_frequency_hz or stride_frequency(omega, sampling_rate_hz=rate)
        period = rate / frequency
        swings, _ = find_peaks(
            omega, height=min_swing_rate_rad_s, distance=max(1, round(0.6 * period))
        )
        reference = _stride_reference(ankle_rate, swings, period)
        threshold = None if reference is None else reference[0]
        edges = [] if reference is None else _edge_swings(ankle_rate, swings, period, reference[1])
        search = max(1, round(HEEL_STRIKE_SEARCH_FRACTION * period))
        hs, to = [], []
        # a swing under way at an edge has its other event outside the recording, where each
        # search finds nothing: the first sample's swing gets a heel strike, the last's a toe off
        for peak in sorted([*map(int, swings), *edges]):
            if marks == "contact":
                strike = _furthest_from_hip(ankle, peak, period, ahead=True)
                toe_off = _furthest_from_hip(toe, peak, period, ahead=False)
            else:
                strike = _heel_strike_after(omega, peak, search, period)
                toe_off = _toe_off_before(ankle_rate, peak, period, threshold)
            if strike is not None:
                hs.append(strike)
            if toe_off is not None:
                to.append(toe_off)
        strikes[side] = np.unique(hs)
        offs[side] = np.unique(to)
    return GaitEvents(rate, angles.time_s.size, strikes, offs, _leg_method(marks, toe_sides))


def _leg_method(marks: str, toe_sides: list[str]) -> str:
    """``GaitEvents.method`` of :func:`events_from_leg_angles`: which points gave the events."""
    if marks == "flat foot":
        return "shank angular velocity"
    if not toe_sides:
        return "ankle relative to the hip"
    if len(toe_sides) == len(SIDES):
        return "ankle and toe relative to the hip"
    return f"ankle and toe relative to the hip (toe off from the toe on side {toe_sides[0]!r})"


def contacts_from_events(events: GaitEvents) -> np.ndarray:
    """Return stance flags: each foot is in contact from a heel strike to its next toe off.

    Parameters
    ----------
    events
        Heel strikes and toe offs.

    Returns
    -------
    numpy.ndarray
        Boolean ``(n, 2)`` ``[left, right]``. Before the first event of a foot its state is
        taken as the opposite of the state that event begins (stance before a first toe off).

    """
    contacts = np.zeros((events.n_samples, 2), dtype=bool)
    for i, side in enumerate(SIDES):
        marks = sorted(
            [(int(s), True) for s in events.heel_strikes[side]]
            + [(int(s), False) for s in events.toe_offs[side]]
        )
        if not marks:
            continue
        state = not marks[0][1]
        previous = 0
        for sample, begins_stance in marks:
            contacts[previous:sample, i] = state
            state, previous = begins_stance, sample
        contacts[previous:, i] = state
    return contacts
