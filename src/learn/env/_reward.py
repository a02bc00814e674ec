"""Reward of the imitation environment: r = 0.5 r_goal + 0.5 r_imitation - p_physics.

Every term is a DeepMimic-style kernel ``exp(-k * e)`` of a squared error ``e`` (Peng et al.
2018), so each lies in (0, 1] and equals 1 at zero error; the scales ``k`` below set the error at
which a term falls to ``1/e``: ``sqrt(1/k)``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

#: Weights of the goal and imitation rewards (the paper's w1 = w2 = 0.5).
GOAL_WEIGHT = 0.5
IMITATION_WEIGHT = 0.5

#: Imitation scales: joint positions (sum over DoFs plus the squared root-orientation angle),
#: 1/rad^2; joint velocities (sum over DoFs), 1/(rad/s)^2; feet (sum over both feet of the
#: squared distance of the sole centre relative to the root), 1/m^2; centre of mass relative to
#: the root, 1/m^2.
POSE_SCALE = 2.0
VELOCITY_SCALE = 0.1
FEET_SCALE = 40.0
COM_SCALE = 100.0
#: Imitation weights (DeepMimic's pose, velocity, end-effector, centre-of-mass weights).
IMITATION_WEIGHTS = {"pose": 0.65, "velocity": 0.1, "feet": 0.15, "com": 0.1}

#: Goal scales: speed 1/(m/s)^2, stride length 1/m^2, heading 1/rad^2, root tilt 1/rad^2,
#: root height 1/m^2.
SPEED_SCALE = 10.0
STRIDE_SCALE = 10.0
HEADING_SCALE = 5.0
TILT_SCALE = 5.0
HEIGHT_SCALE = 50.0
#: Goal weights.
GOAL_WEIGHTS = {"speed": 0.4, "stride": 0.2, "heading": 0.2, "root": 0.2}

#: Penalty per m/s of horizontal sole speed while a foot is in contact (capped at 1 m/s), and
#: per control step with neither foot on the ground.
SLIDING_PENALTY_PER_M_S = 0.2
FLOATING_PENALTY = 0.1

#: Per-step terms an :class:`learn.ImitationEnv` reports in ``info``: the weighted sums ``goal``
#: and ``imitation`` with their kernels, the physics penalty and the stair cue's shaping term.
REWARD_TERMS: tuple[str, ...] = (
    "goal",
    *GOAL_WEIGHTS,
    "imitation",
    *IMITATION_WEIGHTS,
    "physics",
    "stair_cue",
)


def kernel(squared_error: float | np.ndarray, scale: float) -> float | np.ndarray:
    """Return ``exp(-scale * squared_error)`` (of each error of an array)."""
    return np.exp(-scale * squared_error)


def squared(value: float | np.ndarray) -> float | np.ndarray:
    """Return ``value**2`` as Python squares a float, for a float or each value of an array.

    Python and numpy scalars square with C's ``pow``, which differs from the product
    ``x * x`` (what numpy's ``**2`` computes for an array) in the last bit for about one value
    in a thousand: the terms of several environments at once stay those of each on its own.
    """
    if np.ndim(value) == 0:
        return value**2
    return np.array([v**2 for v in np.asarray(value).tolist()])


@dataclass(frozen=True)
class ImitationErrors:
    """Squared tracking errors of one control step (see the module constants for units).

    Each field is a float, or an array of one value per environment.

    Parameters
    ----------
    pose_rad2
        Sum over DoFs of squared position errors plus the squared angle between the simulated
        and reference root orientations, rad^2.
    velocity_rad2_s2
        Sum over DoFs of squared velocity errors, (rad/s)^2.
    feet_m2
        Sum over both feet of the squared error of the sole centre relative to the root, m^2.
    com_m2
        Squared error of the centre of mass relative to the root, m^2.
    """

    pose_rad2: float | np.ndarray
    velocity_rad2_s2: float | np.ndarray
    feet_m2: float | np.ndarray
    com_m2: float | np.ndarray


@dataclass(frozen=True)
class GoalErrors:
    """Goal errors measured over the running window (see :class:`learn.ImitationEnv`).

    Each field is a float, or an array of one value per environment.

    Parameters
    ----------
    speed_m_s
        Window mean forward speed minus the target, m/s.
    stride_m
        Last measured stride length minus the target, m.
    heading_rad
        Direction of the window's horizontal root displacement from the target heading, rad.
    tilt_rad2
        Window mean of the squared angle between the simulated and reference pelvis long axes,
        rad^2.
    height_m2
        Window mean of the squared root-height error, m^2.
    """

    speed_m_s: float | np.ndarray
    stride_m: float | np.ndarray
    heading_rad: float | np.ndarray
    tilt_rad2: float | np.ndarray
    height_m2: float | np.ndarray


def imitation_reward(errors: ImitationErrors) -> dict[str, float | np.ndarray]:
    """Return the imitation terms and their weighted sum ``"imitation"`` (shaped as the errors).

    Notes
    -----
    ``r_imitation = 0.65 exp(-2 e_pose) + 0.1 exp(-0.1 e_vel) + 0.15 exp(-40 e_feet)
    + 0.1 exp(-100 e_com)``.
    """
    terms = {
        "pose": kernel(errors.pose_rad2, POSE_SCALE),
        "velocity": kernel(errors.velocity_rad2_s2, VELOCITY_SCALE),
        "feet": kernel(errors.feet_m2, FEET_SCALE),
        "com": kernel(errors.com_m2, COM_SCALE),
    }
    terms["imitation"] = sum(IMITATION_WEIGHTS[k] * terms[k] for k in IMITATION_WEIGHTS)
    return terms


def goal_reward(errors: GoalErrors) -> dict[str, float | np.ndarray]:
    """Return the goal terms and their weighted sum ``"goal"`` (shaped as the errors).

    Notes
    -----
    ``r_goal = 0.4 exp(-10 e_v^2) + 0.2 exp(-10 e_L^2) + 0.2 exp(-5 e_h^2)
    + 0.2 exp(-5 e_tilt - 50 e_height)``.
    """
    terms = {
        "speed": kernel(squared(errors.speed_m_s), SPEED_SCALE),
        "stride": kernel(squared(errors.stride_m), STRIDE_SCALE),
        "heading": kernel(squared(errors.heading_rad), HEADING_SCALE),
        "root": np.exp(-TILT_SCALE * errors.tilt_rad2 - HEIGHT_SCALE * errors.height_m2),
    }
    terms["goal"] = sum(GOAL_WEIGHTS[k] * terms[k] for k in GOAL_WEIGHTS)
    return terms


def physics_penalty(
    sliding_speed_m_s: float | np.ndarray, *, floating: bool | np.ndarray
) -> float | np.ndarray:
    """Return ``p_physics = 0.2 min(v_slide, 1) + 0.1 [floating]`` (elementwise for arrays).

    Parameters
    ----------
    sliding_speed_m_s
        Sum over the feet in contact of their horizontal speed, m/s.
    floating
        Whether neither foot touches the ground.
    """
    return (
        SLIDING_PENALTY_PER_M_S * np.minimum(sliding_speed_m_s, 1.0) + FLOATING_PENALTY * floating
    )


def total_reward(
    goal: float | np.ndarray, imitation: float | np.ndarray, penalty: float | np.ndarray
) -> float | np.ndarray:
    """Return ``0.5 r_goal + 0.5 r_imitation - p_physics`` (the paper's reward)."""
    return GOAL_WEIGHT * goal + IMITATION_WEIGHT * imitation - penalty
