"""The paper's terrain cue for stair climbing: reward a raised foot when a step edge is just ahead.

Methods, "Task II - Stair Climbing": "if a step is detected within 5 cm ahead of the foot, a
leg-raise action receives reward 1 (otherwise 0; if no step is ahead, reward 1). The cue only
facilitates initial learning and is disabled once mastery is achieved".
"""

from __future__ import annotations

import numpy as np

from imu import GaitTwinInputError, check_shape
from sim import Terrain


def edge_distances_m(toe_x_m: np.ndarray, edges_x_m: np.ndarray) -> np.ndarray:
    """Distance from each toe forward to the nearest step edge ahead of it, m.

    Parameters
    ----------
    toe_x_m
        X of the front of each foot (toe), ``(n_feet,)``, m.
    edges_x_m
        X of every riser (:attr:`sim.Terrain.step_edges_x_m`), ``(n_edges,)``, m.

    Returns
    -------
    numpy.ndarray
        ``(n_feet,)``, m; ``inf`` where no edge is at or ahead of the toe.
    """
    toe = np.asarray(toe_x_m, dtype=float)
    edges = np.asarray(edges_x_m, dtype=float)
    ahead = edges[None, :] - toe[:, None]
    ahead = np.where(ahead >= 0.0, ahead, np.inf)
    return ahead.min(axis=1, initial=np.inf)


def stair_cue_reward(
    toe_x_m: np.ndarray,
    sole_height_m: np.ndarray,
    terrain: Terrain,
    *,
    lookahead_m: float = 0.05,
    clearance_m: float = 0.01,
) -> float:
    """Return the paper's cue: 1 unless a foot with a step edge just ahead is not raised, then 0.

    Parameters
    ----------
    toe_x_m
        X of the front (toe) of the ``[left, right]`` feet, ``(2,)``, m.
    sole_height_m
        Height of the ``[left, right]`` sole centres, ``(2,)``, m.
    terrain
        The stairs (a ramp or flat ground has no edges: the cue is always 1).
    lookahead_m
        A step is "ahead" of a foot when its riser is at most this far in front of the toe
        (the paper's 5 cm).
    clearance_m
        A foot is raised when its sole is at least this far above the top of that step.

    Returns
    -------
    float
        0.0 or 1.0.

    Notes
    -----
    *Leg-raise action*: we judge the outcome of the action, not its PD targets: a foot
    counts as raised when its sole centre is at least ``clearance_m`` above the tread behind
    the edge ahead of it, i.e. the foot could move over the riser. This does not depend on the
    action parametrisation (offsets from the reference vs absolute targets) and covers hip
    flexion, knee flexion and pelvic hike alike. Each foot is checked on its own, stance or
    swing: a foot standing against a riser is not raised, so standing or shuffling at the edge
    (the failure the paper reports without the cue) scores 0. The reward is 1 when no foot has
    an edge within ``lookahead_m`` ahead, or every such foot is raised; otherwise 0. Feet are
    assumed to point along +x, the direction of the stairs.
    """
    toe = check_shape("toe_x_m", toe_x_m, (2,))
    sole = check_shape("sole_height_m", sole_height_m, (2,))
    edges = terrain.step_edges_x_m
    if edges.size == 0:
        return 1.0
    distance = edge_distances_m(toe, edges)
    near = distance <= lookahead_m
    if not near.any():
        return 1.0
    tread_top = terrain.height_at(toe[near] + distance[near] + 0.5 * terrain.tread_m)
    return float(np.all(sole[near] >= tread_top + clearance_m))


class StairCue:
    """The stair cue of one environment: geometry, ablation switch and mastery switch-off.

    Parameters
    ----------
    terrain
        The stairs the environment uses.
    enabled
        False for the ablation without the cue (the cue is then never on).
    weight
        Scale of the shaping term added to the environment's reward.
    lookahead_m, clearance_m
        See :func:`stair_cue_reward`.

    Notes
    -----
    The term added to the reward is ``weight * (c - 1)`` with ``c`` the paper's 0/1 cue
    (:meth:`shaping`): 0 where the paper gives 1, ``-weight`` where it gives 0. Adding the
    paper's ``c`` itself would add ``weight`` per step almost everywhere, a survival bonus
    under early termination (the same issue as GAIL's ``-log(1 - D)``, see
    :func:`learn.algorithms.intrinsic_reward`); the difference ``c - 1`` ranks the actions of a
    state exactly as ``c`` does. ``active`` is switched by :class:`learn.tasks.CurriculumCallback`
    (through the environment's ``set_stair_cue``): on while the level is not mastered, off
    after.
    """

    def __init__(
        self,
        terrain: Terrain,
        *,
        enabled: bool = True,
        weight: float = 0.1,
        lookahead_m: float = 0.05,
        clearance_m: float = 0.01,
    ) -> None:
        if weight < 0.0 or lookahead_m < 0.0 or clearance_m < 0.0:
            raise GaitTwinInputError(
                "weight, lookahead_m, clearance_m: expected >= 0, "
                f"found {weight}, {lookahead_m}, {clearance_m}"
            )
        self.terrain = terrain
        self.enabled = bool(enabled)
        self.weight = float(weight)
        self.lookahead_m = float(lookahead_m)
        self.clearance_m = float(clearance_m)
        self._active = self.enabled

    @property
    def active(self) -> bool:
        """Whether the cue currently shapes the reward (never when disabled)."""
        return self._active

    def set_active(self, active: bool) -> None:
        """Switch the cue on or off (stays off when ``enabled`` is False)."""
        self._active = self.enabled and bool(active)

    def cue(self, toe_x_m: np.ndarray, sole_height_m: np.ndarray) -> float:
        """Return the paper's 0/1 cue for the current feet (see :func:`stair_cue_reward`)."""
        return stair_cue_reward(
            toe_x_m,
            sole_height_m,
            self.terrain,
            lookahead_m=self.lookahead_m,
            clearance_m=self.clearance_m,
        )

    def shaping(self, toe_x_m: np.ndarray, sole_height_m: np.ndarray) -> float:
        """Term to add to the reward: ``weight * (cue - 1)`` while active, else 0."""
        if not self._active:
            return 0.0
        return self.weight * (self.cue(toe_x_m, sole_height_m) - 1.0)

    def shaping_from_soles(self, sole_centres_m: np.ndarray, *, foot_length_m: float) -> float:
        """:meth:`shaping` from sole centres (``sim.Measurements.feet_m``).

        Parameters
        ----------
        sole_centres_m
            ``[left, right]`` sole centres, ``(2, 3)``, m.
        foot_length_m
            Heel-to-toe length of the foot box, m; the toe is half of it ahead of the
            sole centre.
        """
        soles = check_shape("sole_centres_m", sole_centres_m, (2, 3))
        return self.shaping(soles[:, 0] + 0.5 * foot_length_m, soles[:, 2])
