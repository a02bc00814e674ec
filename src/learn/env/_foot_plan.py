"""Where each foot of a reference cycle is supported: touchdowns, lift-offs, swing progress.

The plan of :class:`learn.env.TerrainReference` (its module notes, step 2): for every row of a
cycle's grid, the sole x a foot stands on or left and the one it will land on, how far its
swing is, and the supports the root's height blends between; and the height a sole rests at
on a terrain (:func:`surface_support`, the notes' step 1). Units: m.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from imu import quaternion_yaw
from learn.env._reference import ReferenceMotion
from sim import Terrain

#: Step of the one-sided differences that give the surface grade under a foot, m.
GRADE_STEP_M = 0.05
#: Where the sole's heel, centre and toe are along the foot, in half foot lengths.
_HEEL_CENTRE_TOE = np.array([-1.0, 0.0, 1.0])


@dataclass(frozen=True)
class FootPlan:
    """Where each foot of a cycle is supported, on the cycle's grid (rows as the reference's).

    X positions are world x of the first cycle (the root advance ``D * phase`` included); a
    later cycle adds ``D`` per cycle. Row ``n`` is row 0 of the next cycle.

    Parameters
    ----------
    root_x_m
        ``(n + 1,)`` root x, m.
    previous_x_m, next_x_m
        ``(n + 1, 2)`` ``[left, right]`` sole x at the touchdown of the support the foot
        stands on or left (previous) and of the one it stands on or will land on (next), m;
        equal in stance.
    swing_progress
        ``(n + 1, 2)`` progress ``s`` in [0, 1] of the swing under way (0 in stance).
    swinging
        ``(n + 1, 2)`` whether the foot is in the air.
    root_from_x_m, root_to_x_m, root_progress
        ``(n + 1,)`` the support positions the root's height blends between (m) and the
        blend's progress.
    root_from_foot, root_to_foot
        ``(n + 1,)`` which foot (0 left, 1 right) stands on each of those supports.
    """

    root_x_m: np.ndarray
    previous_x_m: np.ndarray
    next_x_m: np.ndarray
    swing_progress: np.ndarray
    swinging: np.ndarray
    root_from_x_m: np.ndarray
    root_to_x_m: np.ndarray
    root_progress: np.ndarray
    root_from_foot: np.ndarray
    root_to_foot: np.ndarray

    @classmethod
    def from_reference(cls, reference: ReferenceMotion) -> FootPlan:
        """Find each foot's touchdowns, lift-offs and supports on the cycle's grid.

        A foot that never touches down (or never lifts off) over the cycle is supported where
        it is.
        """
        n, stride = reference.n_grid, reference.stride_length_m
        advance = stride * np.arange(n + 1) / n
        root_x = reference.root_position_m[:, 0] + advance
        yaw = quaternion_yaw(reference.root_quaternion)
        feet = reference.feet_m
        sole_x = root_x[:, None] + np.cos(yaw)[:, None] * feet[..., 0]
        sole_x -= np.sin(yaw)[:, None] * feet[..., 1]
        contact = reference.foot_contacts[:n]
        previous = np.empty((n + 1, 2))
        following = np.empty((n + 1, 2))
        progress = np.zeros((n + 1, 2))
        lift_in = np.zeros((n, 2), dtype=int)  # rows to the foot's next lift-off
        for foot in range(2):
            c = contact[:, foot]
            downs = np.flatnonzero(c & ~np.roll(c, 1))
            ups = np.flatnonzero(~c & np.roll(c, 1))
            if downs.size == 0 or ups.size == 0:
                previous[:n, foot] = following[:n, foot] = sole_x[:n, foot]
                lift_in[:, foot] = n
                continue
            for i in range(n):
                # touchdowns at or before row i (cyclic), as unwrapped row numbers
                last_down = _last_at_or_before(downs, i, n)
                last_up = _last_at_or_before(ups, i, n)
                next_up = _first_after(ups, i, n)
                lift_in[i, foot] = next_up - i
                if c[i]:
                    previous[i, foot] = following[i, foot] = _x_at(
                        sole_x, last_down, foot, n, stride
                    )
                    continue
                start = last_up - 1  # the last stance row
                end = _first_after(downs, i, n)
                progress[i, foot] = (i - start) / (end - start)
                support = _last_at_or_before(downs, start, n)
                previous[i, foot] = _x_at(sole_x, support, foot, n, stride)
                following[i, foot] = _x_at(sole_x, end, foot, n, stride)
        swinging = np.vstack([~contact, ~contact[:1]])
        for values in (previous, following):
            values[n] = values[0] + stride
        progress[n] = progress[0]
        root_from = np.empty(n + 1)
        root_to = np.empty(n + 1)
        root_progress = np.zeros(n + 1)
        from_foot = np.empty(n + 1, dtype=int)
        to_foot = np.empty(n + 1, dtype=int)
        for i in range(n):
            air = np.flatnonzero(swinging[i])
            if air.size == 0:  # double support: the support of the foot that lifts off next
                foot = int(np.argmin(lift_in[i]))
                root_from[i] = root_to[i] = previous[i, foot]
                from_foot[i] = to_foot[i] = foot
                continue
            swing = int(air[np.argmax(progress[i, air])])
            root_from[i] = previous[i, swing]
            root_to[i] = following[i, 1 - swing]
            from_foot[i], to_foot[i] = swing, 1 - swing
            root_progress[i] = progress[i, swing]
        root_from[n], root_to[n] = root_from[0] + stride, root_to[0] + stride
        root_progress[n] = root_progress[0]
        from_foot[n], to_foot[n] = from_foot[0], to_foot[0]
        return cls(
            root_x_m=root_x,
            previous_x_m=previous,
            next_x_m=following,
            swing_progress=progress,
            swinging=swinging,
            root_from_x_m=root_from,
            root_to_x_m=root_to,
            root_progress=root_progress,
            root_from_foot=from_foot,
            root_to_foot=to_foot,
        )


def _last_at_or_before(rows: np.ndarray, i: int, n: int) -> int:
    """Return the last of the cyclic ``rows`` at or before ``i``, unwrapped (may be < 0)."""
    before = rows[rows <= i]
    return int(before[-1]) if before.size else int(rows[-1]) - n


def _first_after(rows: np.ndarray, i: int, n: int) -> int:
    """Return the first of the cyclic ``rows`` after ``i``, unwrapped (may be >= ``n``)."""
    after = rows[rows > i]
    return int(after[0]) if after.size else int(rows[0]) + n


def _x_at(sole_x: np.ndarray, row: int, foot: int, n: int, stride: float) -> float:
    """Return the sole x of ``foot`` at an unwrapped grid ``row`` (a stride per cycle), m."""
    cycles, index = divmod(row, n)
    return float(sole_x[index, foot] + cycles * stride)


def surface_support(
    x_m: np.ndarray, terrain: Terrain, *, foot_length_m: float, graded: bool
) -> tuple[np.ndarray, np.ndarray]:
    """Return the support height ``S`` and grade ``g`` of a sole centred at each ``x_m``.

    :class:`learn.env.TerrainReference`'s module notes, step 1: the lowest height at which the
    sole (``foot_length_m`` long, tilted by ``g``) touches no terrain, over its heel, centre
    and toe; ``g`` the one-sided difference of smaller magnitude over :data:`GRADE_STEP_M`
    under the centre (0 where they differ in sign), or 0 when not ``graded`` (feet fixed to
    the shanks). Both have the shape of ``x_m``; m and m/m.
    """
    half = 0.5 * foot_length_m
    offsets = np.concatenate([half * _HEEL_CENTRE_TOE, [-GRADE_STEP_M, GRADE_STEP_M]])
    heights = terrain.height_at(x_m[..., None] + offsets)
    centre = heights[..., 1]
    grade = np.zeros_like(centre)
    if graded:
        back = (centre - heights[..., 3]) / GRADE_STEP_M
        ahead = (heights[..., 4] - centre) / GRADE_STEP_M
        grade = np.where(
            back * ahead > 0.0, np.where(np.abs(back) < np.abs(ahead), back, ahead), 0.0
        )
    support = (heights[..., :3] - grade[..., None] * half * _HEEL_CENTRE_TOE).max(axis=-1)
    return support, grade
