"""Rollouts under any controller, clip tracking, and push tests with a bisection search.

A controller is any callable ``SimState -> action`` (a learned policy wrapped by the learn stage,
or :class:`ClipTracker`, PD tracking of a clip).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from gait import Motion
from imu import GaitTwinInputError, quaternion_yaw
from sim._model_spec import ModelSpec
from sim._simulation import Measurements, SimState, Simulation

Controller = Callable[[SimState], np.ndarray]

#: Push directions relative to the pelvis heading at the push (unit vectors in that frame).
PUSH_DIRECTIONS: dict[str, tuple[float, float]] = {
    "forward": (1.0, 0.0),
    "backward": (-1.0, 0.0),
    "left": (0.0, 1.0),
    "right": (0.0, -1.0),
}

#: Default push duration, s (the paper gives forces, not durations; 0.1 s is a common choice
#: in push-recovery studies and is what every figure in docs/sim.md uses).
PUSH_DURATION_S: float = 0.1


class ClipTracker:
    """PD tracking of a motion's joint angles: the action's targets are the clip one step ahead.

    Parameters
    ----------
    motion
        Clip to track (joint angles; the root is not controlled).
    spec
        Avatar model.
    dt
        Control period of the simulation, s.
    loop
        Repeat the clip when the state's time passes its end (otherwise hold the last frame).
    torque_scale
        Fraction of each joint's largest torque used as the action's torque limits.
    """

    def __init__(
        self,
        motion: Motion,
        spec: ModelSpec,
        *,
        dt: float,
        loop: bool = True,
        torque_scale: float = 1.0,
    ) -> None:
        self._positions = spec.joint_positions_from_angles(motion.joint_angles)
        self._time_s = motion.time_s - motion.time_s[0]
        self._dt = dt
        self._loop = loop
        self._limits = torque_scale * spec.max_torque_n_m

    def targets_at(self, time_s: float) -> np.ndarray:
        """Clip joint positions at ``time_s`` (linear interpolation), ``(n_dofs,)``, rad."""
        duration = self._time_s[-1]
        wrap = self._loop and time_s > duration + 1e-6  # not on rounding of the clock
        t = time_s % duration if wrap else min(time_s, duration)
        return np.array([np.interp(t, self._time_s, q) for q in self._positions.T])

    def __call__(self, state: SimState) -> np.ndarray:
        """Return the action for ``state``: targets at ``state.time_s + dt``, then the limits."""
        return np.concatenate([self.targets_at(state.time_s + self._dt), self._limits])


@dataclass(frozen=True)
class Rollout:
    """A simulated trajectory.

    Parameters
    ----------
    motion
        Root pose and joint angles at every control step (incl. the initial state).
    measurements
        :class:`Measurements` at every control step.
    actions
        ``(n - 1, action_size)`` actions applied.
    fell_at_s
        Time of the first fall (non-foot contact with the terrain), s, or ``None``.
    """

    motion: Motion
    measurements: list[Measurements]
    actions: np.ndarray
    fell_at_s: float | None


def rollout(
    world: Simulation,
    controller: Controller,
    n_steps: int,
    *,
    push_at_s: float | None = None,
    push_force_n: np.ndarray | None = None,
    push_duration_s: float = PUSH_DURATION_S,
    stop_on_fall: bool = True,
) -> Rollout:
    """Run ``controller`` from the world's current state for up to ``n_steps`` control steps.

    Parameters
    ----------
    world
        Simulation, already reset.
    controller
        ``SimState -> action``.
    n_steps
        Number of control steps.
    push_at_s, push_force_n, push_duration_s
        Optional push on the pelvis: start time (s, from the world's clock), world-frame force
        ``(3,)`` (N) and duration (s).
    stop_on_fall
        End the rollout at the first fall.

    Returns
    -------
    Rollout
    """
    spec = world.spec
    states = [world.state()]
    measurements = [world.measure()]
    actions = []
    fell_at = None
    pushed = push_at_s is None
    for _ in range(int(n_steps)):
        if not pushed and world.time_s + 1e-9 >= push_at_s:
            world.push(np.asarray(push_force_n, dtype=float), duration_s=push_duration_s)
            pushed = True
        action = np.asarray(controller(states[-1]), dtype=float)
        world.step(action)
        actions.append(action)
        states.append(world.state())
        measurements.append(world.measure())
        if measurements[-1].fallen:
            fell_at = world.time_s if fell_at is None else fell_at
            if stop_on_fall:
                break
    time_s = np.array([s.time_s for s in states])
    angles = spec.angles_from_joint_positions(
        np.array([s.joint_positions_rad for s in states]), time_s, sampling_rate_hz=1.0 / world.dt
    )
    motion = Motion(
        np.array([s.root_position_m for s in states]),
        np.array([s.root_quaternion for s in states]),
        angles,
        np.array([m.foot_contacts for m in measurements]),
        {"source": "simulation", "model": spec.name, "terrain": world.terrain},
    )
    return Rollout(motion, measurements, np.array(actions).reshape(-1, spec.action_size), fell_at)


@dataclass(frozen=True)
class PushResult:
    """Outcome of one push test.

    Parameters
    ----------
    force_n
        Push magnitude, N.
    direction
        A key of :data:`PUSH_DIRECTIONS`.
    duration_s
        Push duration, s.
    survived
        No fall until the end of the rollout.
    fell_before_push
        The avatar fell before the push started (the controller cannot stand unpushed).
    """

    force_n: float
    direction: str
    duration_s: float
    survived: bool
    fell_before_push: bool


def push_test(
    world: Simulation,
    controller: Controller,
    *,
    force_n: float,
    direction: str = "forward",
    duration_s: float = PUSH_DURATION_S,
    push_at_s: float = 1.0,
    horizon_s: float = 4.0,
    reset: Callable[[Simulation], object] = Simulation.reset,
) -> PushResult:
    """Reset, run ``controller`` and push the pelvis once; report whether the avatar stays up.

    Parameters
    ----------
    world
        The simulation (its terrain and model).
    controller
        ``SimState -> action``.
    force_n
        Push magnitude, N (>= 0).
    direction
        ``forward``, ``backward``, ``left`` or ``right`` of the pelvis heading at the push.
    duration_s
        Push duration, s.
    push_at_s
        When the push starts after the reset, s.
    horizon_s
        Length of the rollout, s (time to recover or fall after the push).
    reset
        Puts the world in its initial state (default :meth:`Simulation.reset`, standing).

    Returns
    -------
    PushResult
    """
    push_force(force_n, direction, 0.0)  # checks the arguments before the rollout
    reset(world)
    before = rollout(world, controller, round(push_at_s / world.dt))
    if before.fell_at_s is not None:
        return PushResult(float(force_n), direction, duration_s, False, True)
    yaw = float(quaternion_yaw(before.motion.root_quaternion[-1]))
    force = push_force(force_n, direction, yaw)
    after = rollout(
        world,
        controller,
        round((horizon_s - push_at_s) / world.dt),
        push_at_s=world.time_s,
        push_force_n=force,
        push_duration_s=duration_s,
    )
    return PushResult(float(force_n), direction, duration_s, after.fell_at_s is None, False)


def push_force(force_n: float, direction: str, yaw_rad: float) -> np.ndarray:
    """Return the world force of a horizontal push relative to a heading.

    Parameters
    ----------
    force_n
        Push magnitude, N (>= 0).
    direction
        A key of :data:`PUSH_DIRECTIONS` (relative to the heading).
    yaw_rad
        Heading of the pelvis, rad (0 = world +x).

    Returns
    -------
    numpy.ndarray
        ``(3,)`` force in the world frame, N.

    Raises
    ------
    GaitTwinInputError
        If the direction is unknown or the force negative.
    """
    if direction not in PUSH_DIRECTIONS:
        raise GaitTwinInputError(
            f"direction: expected one of {sorted(PUSH_DIRECTIONS)}, found {direction!r}"
        )
    if force_n < 0:
        raise GaitTwinInputError(f"force_n: expected >= 0 N, found {force_n}")
    ahead, left = PUSH_DIRECTIONS[direction]
    c, s = np.cos(yaw_rad), np.sin(yaw_rad)
    return force_n * np.array([ahead * c - left * s, ahead * s + left * c, 0.0])


def largest_survived_force(
    survives: Callable[[float], bool], *, high_n: float, tolerance_n: float
) -> float:
    """Find the largest push force for which ``survives(force_n)`` holds, by bisection.

    Parameters
    ----------
    survives
        Whether the avatar stays up after a push of the given force, N.
    high_n
        Upper end of the search, N; returned when even this push is survived.
    tolerance_n
        Stop when the bracket is narrower than this, N.

    Returns
    -------
    float
        Largest force survived, N (0 when the avatar falls even without a push).
    """
    if not survives(0.0):
        return 0.0
    if survives(high_n):
        return high_n
    low, high = 0.0, high_n
    while high - low > tolerance_n:
        middle = 0.5 * (low + high)
        low, high = (middle, high) if survives(middle) else (low, middle)
    return low


def max_push_force(
    world: Simulation,
    controller: Controller,
    *,
    direction: str = "forward",
    duration_s: float = PUSH_DURATION_S,
    high_n: float = 2000.0,
    tolerance_n: float = 10.0,
    **push_options: float,
) -> tuple[float, list[PushResult]]:
    """Find the largest push survived by bisection.

    Parameters
    ----------
    world, controller, direction, duration_s
        As for :func:`push_test`.
    high_n
        Upper end of the search, N; returned when even this push is survived.
    tolerance_n
        Stop when the bracket is narrower than this, N.
    **push_options
        ``push_at_s``, ``horizon_s`` for :func:`push_test`.

    Returns
    -------
    force_n : float
        Largest force survived, N (0 when the controller falls even without a push).
    trials : list of PushResult
        Every push tried, in order.
    """

    def survives(force: float) -> bool:
        result = push_test(
            world,
            controller,
            force_n=force,
            direction=direction,
            duration_s=duration_s,
            **push_options,
        )
        trials.append(result)
        return result.survived

    trials: list[PushResult] = []
    force = largest_survived_force(survives, high_n=high_n, tolerance_n=tolerance_n)
    return force, trials
