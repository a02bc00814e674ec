"""Spatio-temporal gait parameters per stride and per trial, from gait events."""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np
import pandas as pd

from gait._events import SIDES, GaitEvents
from imu import GaitTwinInputError, JointAngles, check_mask, check_shape

#: Per-stride quantities whose left/right symmetry index is reported.
SYMMETRY_COLUMNS: tuple[str, ...] = (
    "stride_time_s",
    "step_time_s",
    "step_length_m",
    "stance_percent",
)


@dataclass(frozen=True)
class GaitParameters:
    """Result of :func:`gait_parameters`.

    Parameters
    ----------
    strides
        One row per stride (heel strike to the next heel strike of the same foot), in time
        order. Columns: ``side`` (``l``/``r``), ``start_sample``, ``end_sample``, ``start_s``,
        ``end_s``, ``stride_time_s``, ``cadence_steps_per_min`` (``120 / stride_time_s``),
        ``toe_off_s``, ``stance_percent``, ``swing_percent``, ``step_time_s`` (from the
        preceding heel strike of the other foot to this stride's heel strike),
        ``stride_length_m``, ``step_length_m``, ``speed_m_s`` and, when angles were given, one
        ``<angle>_range_deg`` per angle of this side (e.g. ``knee_flexion_range_deg``). Missing
        quantities are NaN (no toe off inside the stride, no root path, first step).
    steps
        One row per step (heel strike of one foot to the next heel strike of the other foot),
        in time order; both feet striking on one sample (e.g. landing from a stumble) make no
        step. Columns: ``side`` (the foot that strikes at the end of the step),
        ``start_sample``, ``end_sample``, ``start_s``, ``end_s``, ``step_time_s``,
        ``step_length_m`` (horizontal root displacement over the step; NaN without a root path)
        and ``speed_m_s``.
    summary
        Per-trial values: the mean of every numeric stride column over both sides, the number
        of strides and steps per side (``n_strides_l``, ``n_steps_r``, ...) and for each of
        :data:`SYMMETRY_COLUMNS` a symmetry index ``symmetry_<column>_percent`` (NaN unless both
        sides have strides).

    """

    strides: pd.DataFrame
    steps: pd.DataFrame
    summary: dict[str, float]


def symmetry_index(left: float, right: float) -> float:
    """Return the symmetry index ``100 * |L - R| / ((L + R) / 2)``, percent (0 = symmetric).

    Parameters
    ----------
    left, right
        The same quantity on each side (e.g. mean step length, m).

    Returns
    -------
    float
        Percent; NaN when the mean is zero or a value is NaN.

    Notes
    -----
    Robinson et al. (1987), the most common definition in clinical gait analysis.

    """
    mean = 0.5 * (left + right)
    if not np.isfinite(mean) or mean == 0:
        return float("nan")
    return float(100.0 * abs(left - right) / abs(mean))


def gait_parameters(
    events: GaitEvents,
    *,
    root_position_m: np.ndarray | None = None,
    angles: JointAngles | None = None,
    include: np.ndarray | None = None,
) -> GaitParameters:
    """Compute stride, step and trial parameters from gait events.

    Parameters
    ----------
    events
        Heel strikes and toe offs of both feet.
    root_position_m
        Pelvis (root) positions in the world, ``(n, 3)``, m, Z up: gives stride and step
        lengths and speed (horizontal displacement of the root between heel strikes).
    angles
        Joint angles over the same ``n`` samples: gives the range of every angle of the
        stride's side (and the pelvis angles) per stride, deg.
    include
        Optional boolean mask ``(n,)``: only strides lying entirely where it is True are
        reported (e.g. the kept cycles of :func:`segment_cycles`, or not turning).

    Returns
    -------
    GaitParameters
        Per-stride table and per-trial summary.

    Raises
    ------
    GaitTwinInputError
        If an array's length differs from ``events.n_samples``.

    Notes
    -----
    Step length is the horizontal distance travelled by the root during the step (from the
    other foot's heel strike to this one's); for a steady gait it equals the distance between
    the feet at heel strike on average. Speed is stride length over stride time.

    """
    n = events.n_samples
    if root_position_m is not None:
        root_position_m = check_shape("root_position_m", root_position_m, (n, 3))
    if angles is not None and angles.time_s.size != n:
        raise GaitTwinInputError(
            f"angles: expected {n} samples like the events, found {angles.time_s.size}"
        )
    if include is not None:
        include = check_mask("include", include, n)
    rows = []
    for side, other in (("l", "r"), ("r", "l")):
        strikes = events.heel_strikes[side]
        for start, end in itertools.pairwise(strikes):
            if include is not None and not include[start:end].all():
                continue
            rows.append(_stride_row(events, side, other, start, end, root_position_m, angles))
    columns = [
        "side",
        "start_sample",
        "end_sample",
        "start_s",
        "end_s",
        "stride_time_s",
        "cadence_steps_per_min",
        "toe_off_s",
        "stance_percent",
        "swing_percent",
        "step_time_s",
        "stride_length_m",
        "step_length_m",
        "speed_m_s",
    ]
    table = pd.DataFrame(rows)
    extra = [c for c in table.columns if c not in columns]
    table = pd.DataFrame(rows, columns=columns + extra)
    table = table.sort_values("start_sample", kind="stable").reset_index(drop=True)
    summary: dict[str, float] = {}
    for column in table.columns[5:]:
        values = table[column].to_numpy(dtype=float)
        summary[column] = float(np.nanmean(values)) if np.isfinite(values).any() else np.nan
    steps = _step_table(events, root_position_m, include)
    for side in SIDES:
        summary[f"n_strides_{side}"] = float((table["side"] == side).sum())
        summary[f"n_steps_{side}"] = float((steps["side"] == side).sum())
    for column in SYMMETRY_COLUMNS:
        by_side = [table.loc[table["side"] == s, column].to_numpy(dtype=float) for s in SIDES]
        means = [float(np.nanmean(v)) if np.isfinite(v).any() else np.nan for v in by_side]
        summary[f"symmetry_{column}_percent"] = symmetry_index(*means)
    return GaitParameters(table, steps, summary)


def _step_table(
    events: GaitEvents, root: np.ndarray | None, include: np.ndarray | None
) -> pd.DataFrame:
    """Return the step table of :class:`GaitParameters`."""
    rate = events.sampling_rate_hz
    marks = sorted((int(sample), side) for side in SIDES for sample in events.heel_strikes[side])
    rows = []
    for (start, first), (end, side) in itertools.pairwise(marks):
        if first == side or end == start or (include is not None and not include[start:end].all()):
            continue
        length = (
            float(np.linalg.norm(root[end, :2] - root[start, :2])) if root is not None else np.nan
        )
        step_time = (end - start) / rate
        rows.append(
            (side, start, end, start / rate, end / rate, step_time, length, length / step_time)
        )
    columns = [
        "side",
        "start_sample",
        "end_sample",
        "start_s",
        "end_s",
        "step_time_s",
        "step_length_m",
        "speed_m_s",
    ]
    return pd.DataFrame(rows, columns=columns)


def _stride_row(
    events: GaitEvents,
    side: str,
    other: str,
    start: int,
    end: int,
    root: np.ndarray | None,
    angles: JointAngles | None,
) -> dict[str, float | int | str]:
    """Return one row of the stride table (see :class:`GaitParameters`)."""
    rate = events.sampling_rate_hz
    stride_time = (end - start) / rate
    offs = events.toe_offs[side]
    off = offs[(offs > start) & (offs < end)]
    stance = (off[0] - start) / (end - start) * 100.0 if off.size else np.nan
    previous = events.heel_strikes[other]
    previous = previous[(previous < start) & (previous > start - (end - start))]
    step_start = int(previous[-1]) if previous.size else None
    row: dict[str, float | int | str] = {
        "side": side,
        "start_sample": int(start),
        "end_sample": int(end),
        "start_s": start / rate,
        "end_s": end / rate,
        "stride_time_s": stride_time,
        "cadence_steps_per_min": 120.0 / stride_time,
        "toe_off_s": off[0] / rate if off.size else np.nan,
        "stance_percent": stance,
        "swing_percent": 100.0 - stance,
        "step_time_s": (start - step_start) / rate if step_start is not None else np.nan,
        "stride_length_m": np.nan,
        "step_length_m": np.nan,
        "speed_m_s": np.nan,
    }
    if root is not None:
        stride_length = float(np.linalg.norm(root[end, :2] - root[start, :2]))
        row["stride_length_m"] = stride_length
        row["speed_m_s"] = stride_length / stride_time
        if step_start is not None:
            row["step_length_m"] = float(np.linalg.norm(root[start, :2] - root[step_start, :2]))
    if angles is not None:
        for name in angles.names:
            if name.endswith(f"_{side}") or name.startswith("pelvis_"):
                values = np.rad2deg(angles[name][start : end + 1])
                short = name[: -len(side) - 1] if name.endswith(f"_{side}") else name
                row[f"{short}_range_deg"] = float(values.max() - values.min())
    return row
