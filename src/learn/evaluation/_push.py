"""Push tests of a learned controller: does it stay up after a pelvis push; the largest it does."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from imu import quaternion_yaw
from learn.env import ImitationEnv
from sim import (
    PUSH_DURATION_S,
    largest_survived_force,
    push_force,
)


def survives_push(
    env: ImitationEnv,
    controller: Callable[[np.ndarray], np.ndarray],
    *,
    force_n: float,
    direction: str,
    seed: int = 0,
    push_at_s: float = 1.0,
    horizon_s: float = 4.0,
    duration_s: float = PUSH_DURATION_S,
) -> bool:
    """Return whether the avatar stays up after one pelvis push.

    The push acts on the pelvis (:meth:`sim.Simulation.push`) at ``push_at_s`` after the reset,
    in ``direction`` (:data:`sim.PUSH_DIRECTIONS`) of the pelvis heading at that moment; the
    avatar must not fall until ``horizon_s``. A fall before the push counts as not surviving.

    Notes
    -----
    :func:`sim.max_push_force` drives the world with ``SimState -> action`` controllers; a
    learned controller needs the environment's observation, so the same protocol is run here
    through the environment's ``step``.
    """
    push_force(force_n, direction, 0.0)  # checks the arguments before the rollout
    observation, _ = env.reset(seed=seed)
    push_step = round(push_at_s / env.dt)
    for step in range(round(horizon_s / env.dt)):
        if step == push_step:
            yaw = float(quaternion_yaw(env.simulation.state().root_quaternion))
            env.simulation.push(push_force(force_n, direction, yaw), duration_s=duration_s)
        observation, _, terminated, truncated, _ = env.step(controller(observation))
        if terminated:
            return False
        if truncated:
            break
    return True


def max_survived_push_n(
    env: ImitationEnv,
    controller: Callable[[np.ndarray], np.ndarray],
    *,
    direction: str,
    high_n: float = 1000.0,
    tolerance_n: float = 20.0,
    seed: int = 0,
) -> float:
    """Largest push survived (:func:`survives_push`), found by bisection, N.

    0 when the controller falls without a push; ``high_n`` when it survives even that.
    """

    def survives(force: float) -> bool:
        return survives_push(env, controller, force_n=force, direction=direction, seed=seed)

    return largest_survived_force(survives, high_n=high_n, tolerance_n=tolerance_n)
