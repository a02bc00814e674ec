"""Put several sensors' sample streams on one common time base, reporting and filling gaps.

Every multi-sensor reader (Xsens MTw, Xsens DOT) hands its per-sensor streams to
:func:`align_streams`. The streams are matched on a sample clock (a packet counter or a
microsecond timestamp), cut to the span that every sensor covers, and short gaps (dropped
packets) are filled: quaternions by spherical linear interpolation (SLERP), vectors linearly.
A gap longer than ``max_gap_s`` is an error, because filling it would invent motion.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy.spatial.transform import Rotation, Slerp

from imu._errors import GaitTwinInputError

#: Default longest gap that is filled by interpolation, s (6 samples at 60 Hz, 10 at 100 Hz).
DEFAULT_MAX_GAP_S: float = 0.1

#: A clock value must lie within this fraction of a sample period of the nominal grid.
_GRID_TOLERANCE: float = 0.25


@dataclass(frozen=True)
class SensorStream:
    """One sensor's samples as read from its file, before alignment.

    Attributes
    ----------
    label
        Who the sensor is, for messages and gap reports (e.g. ``"00B421E6 (foot_l)"``).
    path
        The file it came from.
    clock
        Raw sample-clock values, shape ``(n,)``, integers in ``[0, wrap)``.
    lines
        1-based line number of each sample in ``path``, shape ``(n,)``.
    quaternions
        Scalar-last unit quaternions, shape ``(n, 4)``.
    vectors
        Named ``(n, 3)`` arrays to align with the quaternions (acceleration, ...).

    """

    label: str
    path: str
    clock: np.ndarray
    lines: np.ndarray
    quaternions: np.ndarray
    vectors: dict[str, np.ndarray] = field(default_factory=dict)


@dataclass(frozen=True)
class AlignedStreams:
    """Streams on a common, gap-free time base.

    Attributes
    ----------
    time_s
        Sample times from 0, shape ``(n,)``, s.
    quaternions
        Shape ``(n, s, 4)``, sensors in input order, scalar-last.
    vectors
        Each named array of the input streams, shape ``(n, s, 3)``.
    metadata
        ``clock``, ``clock_start`` and ``clock_stop`` (raw clock values bounding the kept span,
        in the first stream's clock), ``overlap_only``, ``trimmed_samples`` (per sensor, samples
        dropped before/after the common span), ``max_gap_s`` and ``gaps`` (list of dicts, one
        per filled gap: ``sensor``, ``path``, ``after_line``, ``before_line``, ``clock_from``,
        ``clock_to``, ``start_s``, ``n_missing``, ``duration_s``).

    """

    time_s: np.ndarray
    quaternions: np.ndarray
    vectors: dict[str, np.ndarray]
    metadata: dict[str, Any]


def unwrap_clock(
    clock: np.ndarray, *, lines: np.ndarray, path: str, label: str, clock_name: str, wrap: int
) -> np.ndarray:
    """Unwrap a sample clock; return ticks relative to the first sample (int64, from 0).

    Parameters
    ----------
    clock
        Raw clock values, shape ``(n,)``, integers in ``[0, wrap)``.
    lines
        1-based file line of each value, for messages.
    path, label
        File and sensor, for messages.
    clock_name
        Column name, for messages.
    wrap
        The clock wraps from ``wrap - 1`` to 0.

    Returns
    -------
    numpy.ndarray
        ``(n,)`` int64 ticks since the first sample.

    Raises
    ------
    GaitTwinInputError
        If a value is not an integer in range, or the clock repeats or steps back (a backward
        step of more than half the range is read as a wrap-around).

    """
    raw = np.asarray(clock)
    if raw.size < 2:
        raise GaitTwinInputError(
            f"{path!r} ({label}): expected at least 2 samples, found {raw.size}"
        )
    invalid = (raw != np.round(raw)) | (raw < 0) | (raw >= wrap)
    if np.any(invalid):
        i = int(np.flatnonzero(invalid)[0])
        raise GaitTwinInputError(
            f"{path!r}, line {lines[i]}: expected {clock_name} to be an integer in [0, {wrap}), "
            f"found {raw[i]}"
        )
    ticks = raw.astype(np.int64)
    step = np.diff(ticks) % wrap
    bad = np.flatnonzero((step == 0) | (step > wrap // 2))
    if bad.size:
        i = int(bad[0])
        raise GaitTwinInputError(
            f"{path!r}, line {lines[i + 1]}: expected {clock_name} to increase (wrapping at "
            f"{wrap}), found {ticks[i]} on line {lines[i]} then {ticks[i + 1]}"
        )
    return np.concatenate([[0], np.cumsum(step)])


def align_streams(
    streams: Sequence[SensorStream],
    *,
    clock_name: str,
    ticks_per_sample: float,
    wrap: int,
    sampling_rate_hz: float,
    max_gap_s: float = DEFAULT_MAX_GAP_S,
) -> AlignedStreams:
    """Align sensor streams on their sample clock, keep the common span and fill short gaps.

    Parameters
    ----------
    streams
        One stream per sensor; all must carry the same vector names.
    clock_name
        Name of the clock column, for messages (``"PacketCounter"``, ``"SampleTimeFine"``).
    ticks_per_sample
        Clock ticks per sample period (1 for a packet counter; ``1e6 / rate`` for a microsecond
        timestamp).
    wrap
        The clock wraps from ``wrap - 1`` to 0 (``2**16`` for Xsens MTw packet counters,
        ``2**32`` for SampleTimeFine).
    sampling_rate_hz
        Nominal rate of every stream, Hz.
    max_gap_s
        Longest gap that is filled, s: the time between the two samples around the gap.

    Returns
    -------
    AlignedStreams

    Raises
    ------
    GaitTwinInputError
        If a clock does not increase, is off the sampling grid, the sensors do not overlap in
        time, or a gap is longer than ``max_gap_s`` (naming the sensor, file, lines, clock values
        and times).

    Notes
    -----
    Clocks are unwrapped per stream (a backward step larger than half the clock range is read as
    a wrap-around); each stream's first value is placed relative to the first stream's modulo
    ``wrap``. A sample's grid index is its clock offset divided by ``ticks_per_sample`` and
    rounded; a value more than a quarter period off the grid is an error. Only samples from the
    latest first sample to the earliest last sample of all sensors are kept. Missing samples are
    filled by SLERP between the neighbouring quaternions and linear interpolation of vectors;
    samples present in the file are returned unchanged.

    """
    max_gap_s = float(max_gap_s)
    if not np.isfinite(max_gap_s) or max_gap_s < 0:
        raise GaitTwinInputError(f"max_gap_s: expected a finite value >= 0 s, found {max_gap_s}")
    if not streams:
        raise GaitTwinInputError("align_streams: expected at least one sensor stream, found none")
    names = tuple(streams[0].vectors)
    first_raw = int(streams[0].clock[0])
    indices = []
    for stream in streams:
        if tuple(stream.vectors) != names:
            raise GaitTwinInputError(
                f"{stream.path!r}: expected the fields {', '.join(names) or 'none'} like "
                f"{streams[0].path!r}, found {', '.join(stream.vectors) or 'none'}"
            )
        offset = (int(stream.clock[0]) - first_raw + wrap // 2) % wrap - wrap // 2
        ticks = unwrap_clock(
            stream.clock,
            lines=stream.lines,
            path=stream.path,
            label=stream.label,
            clock_name=clock_name,
            wrap=wrap,
        )
        position = (offset + ticks) / float(ticks_per_sample)
        index = np.rint(position).astype(np.int64)
        off_grid = np.flatnonzero(np.abs(position - index) > _GRID_TOLERANCE)
        if off_grid.size:
            i = int(off_grid[0])
            raise GaitTwinInputError(
                f"{stream.path!r}, line {stream.lines[i]}: expected {clock_name} on the "
                f"{sampling_rate_hz:g} Hz grid ({ticks_per_sample:g} ticks per sample), found "
                f"{stream.clock[i]}, {abs(position[i] - index[i]):.2f} samples off"
            )
        duplicate = np.flatnonzero(np.diff(index) == 0)
        if duplicate.size:
            i = int(duplicate[0])
            raise GaitTwinInputError(
                f"{stream.path!r}, line {stream.lines[i + 1]}: expected one sample per "
                f"{1.0 / sampling_rate_hz:.6f} s period, found a second sample in the period of "
                f"line {stream.lines[i]}"
            )
        indices.append(index)
    lo = max(int(index[0]) for index in indices)
    hi = min(int(index[-1]) for index in indices)
    if hi - lo < 1:
        spans = "; ".join(f"{s.label} {s.clock[0]}..{s.clock[-1]}" for s in streams)
        raise GaitTwinInputError(
            f"expected the sensors to overlap in time on {clock_name}, found spans {spans}"
        )
    grid = np.arange(lo, hi + 1)
    n = grid.size
    quats = np.empty((n, len(streams), 4))
    vectors = {name: np.empty((n, len(streams), 3)) for name in names}
    gaps: list[dict[str, Any]] = []
    trimmed: dict[str, tuple[int, int]] = {}
    for k, (stream, index) in enumerate(zip(streams, indices, strict=True)):
        first = max(int(np.searchsorted(index, lo, side="right")) - 1, 0)
        last = int(np.searchsorted(index, hi, side="left")) + 1
        trimmed[stream.label] = (
            int(np.sum(index < lo)),
            int(np.sum(index > hi)),
        )
        sub = index[first:last]
        steps = np.diff(sub)
        for i in np.flatnonzero(steps > 1):
            j = first + int(i)
            duration = float(steps[i]) / sampling_rate_hz
            gap = {
                "sensor": stream.label,
                "path": stream.path,
                "after_line": int(stream.lines[j]),
                "before_line": int(stream.lines[j + 1]),
                "clock_from": int(stream.clock[j]),
                "clock_to": int(stream.clock[j + 1]),
                "start_s": float((max(int(sub[i]) + 1, lo) - lo) / sampling_rate_hz),
                "n_missing": int(steps[i] - 1),
                "duration_s": duration,
            }
            if duration > max_gap_s + 1e-9:
                raise GaitTwinInputError(
                    f"{stream.path!r} ({stream.label}): expected gaps of at most "
                    f"{max_gap_s:g} s (max_gap_s), found {gap['n_missing']} missing samples "
                    f"({duration:.3f} s) between line {gap['after_line']} ({clock_name} "
                    f"{gap['clock_from']}, t = {(int(sub[i]) - lo) / sampling_rate_hz:.3f} s) "
                    f"and line {gap['before_line']} ({clock_name} {gap['clock_to']}, "
                    f"t = {(int(sub[i + 1]) - lo) / sampling_rate_hz:.3f} s)"
                )
            gaps.append(gap)
        inside = (sub >= lo) & (sub <= hi)
        present = sub[inside] - lo
        missing = np.setdiff1d(np.arange(n), present)
        quats[present, k] = stream.quaternions[first:last][inside]
        for name in names:
            vectors[name][present, k] = stream.vectors[name][first:last][inside]
        if missing.size:
            slerp = Slerp(sub.astype(float), Rotation.from_quat(stream.quaternions[first:last]))
            quats[missing, k] = slerp((missing + lo).astype(float)).as_quat()
            for name in names:
                values = stream.vectors[name][first:last]
                for axis in range(3):
                    vectors[name][missing, k, axis] = np.interp(missing + lo, sub, values[:, axis])
    metadata: dict[str, Any] = {
        "clock": clock_name,
        "clock_start": int((first_raw + round(lo * ticks_per_sample)) % wrap),
        "clock_stop": int((first_raw + round(hi * ticks_per_sample)) % wrap),
        "overlap_only": "only the time span covered by every sensor is kept",
        "trimmed_samples": trimmed,
        "max_gap_s": max_gap_s,
        "gaps": gaps,
    }
    return AlignedStreams(
        time_s=np.arange(n) / float(sampling_rate_hz),
        quaternions=quats,
        vectors=vectors,
        metadata=metadata,
    )
