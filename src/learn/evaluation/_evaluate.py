"""Evaluation of a trained controller: rollouts at given goals -> table, figure, video."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from imu import GaitTwinInputError, atomic_path
from learn.env import ImitationEnv
from learn.runs import Controller
from sim import Camera, render_frame, write_video

#: Columns of the evaluation table (one row per goal).
EVALUATION_COLUMNS = (
    "target_speed_m_s",
    "speed_mean_m_s",
    "speed_p25_m_s",
    "speed_p75_m_s",
    "target_stride_length_m",
    "stride_mean_m",
    "stride_p25_m",
    "stride_p75_m",
    "joint_angle_error_deg",
    "com_error_cm",
    "feet_error_cm",
    "fall_rate",
    "mean_episode_s",
    "mean_reward",
)


def evaluate(
    controller: Controller,
    env_factory: Callable[[], ImitationEnv],
    goals: Sequence[tuple[float, float]],
    *,
    n_rollouts: int = 5,
    seed: int = 0,
    settle_s: float = 1.0,
    video_path: str | Path | None = None,
    camera: Camera = Camera(),  # noqa: B008 (frozen dataclass)
) -> pd.DataFrame:
    """Roll the controller out at each goal and measure it (the paper's Fig. 4c/4d figures).

    Parameters
    ----------
    controller
        The policy (:meth:`Controller.from_model`).
    env_factory
        Returns a new environment (e.g. ``functools.partial(learn.make_env, clips, settings)``).
    goals
        ``(speed_m_s, stride_length_m)`` targets.
    n_rollouts
        Episodes per goal (seeds ``seed, seed + 1, ...``: random start phases).
    seed
        First episode seed.
    settle_s
        Speed and stride samples from the first ``settle_s`` of each episode are left out, s.
    video_path
        Write the first rollout of the first goal as ``.mp4`` or ``.gif`` (sim's renderer).
    camera
        Camera of the video.

    Returns
    -------
    pandas.DataFrame
        One row per goal, :data:`EVALUATION_COLUMNS`. Speed and stride percentiles are over
        the per-step window values (1 s window mean speed; last-cycle stride, see
        :class:`learn.ImitationEnv`) pooled over rollouts. Errors are means over all steps:
        joint angle = mean absolute single-axis error over the DoFs; centre of mass and feet =
        distance to the reference relative to the root (feet: mean of both), cm. Fall rate =
        fraction of rollouts ended by a fall.

    Raises
    ------
    GaitTwinInputError
        If there are no goals or ``n_rollouts < 1``.
    """
    if not goals or n_rollouts < 1:
        raise GaitTwinInputError(
            f"goals and n_rollouts: expected at least one each, found {len(goals)} and {n_rollouts}"
        )
    env = env_factory()
    settle = round(settle_s / env.dt)
    rows = []
    frames: list[np.ndarray] = []
    for g, (speed, stride) in enumerate(goals):
        speeds, strides, joint, com, feet, rewards, falls, lengths = [], [], [], [], [], [], [], []
        for r in range(n_rollouts):
            observation, _ = env.reset(seed=seed + r, options={"goal": (speed, stride)})
            record = video_path is not None and g == 0 and r == 0
            steps = 0
            while True:
                action = controller.act(observation)
                observation, reward, terminated, truncated, info = env.step(action)
                steps += 1
                if record:
                    frames.append(render_frame(env.simulation, camera=camera))
                if steps > settle:
                    speeds.append(speed + info["speed_deviation_m_s"])
                    strides.append(stride + info["stride_deviation_m"])
                joint.append(info["joint_error_rad"])
                com.append(info["com_error_m"])
                feet.append(info["feet_error_m"])
                rewards.append(reward)
                if terminated or truncated:
                    falls.append(terminated)
                    lengths.append(steps * env.dt)
                    break
        speeds_a = np.array(speeds) if speeds else np.full(1, np.nan)
        strides_a = np.array(strides) if strides else np.full(1, np.nan)
        rows.append(
            {
                "target_speed_m_s": speed,
                "speed_mean_m_s": float(np.mean(speeds_a)),
                "speed_p25_m_s": float(np.percentile(speeds_a, 25)),
                "speed_p75_m_s": float(np.percentile(speeds_a, 75)),
                "target_stride_length_m": stride,
                "stride_mean_m": float(np.mean(strides_a)),
                "stride_p25_m": float(np.percentile(strides_a, 25)),
                "stride_p75_m": float(np.percentile(strides_a, 75)),
                "joint_angle_error_deg": float(np.rad2deg(np.mean(joint))),
                "com_error_cm": 100.0 * float(np.mean(com)),
                "feet_error_cm": 100.0 * float(np.mean(feet)),
                "fall_rate": float(np.mean(falls)),
                "mean_episode_s": float(np.mean(lengths)),
                "mean_reward": float(np.mean(rewards)),
            }
        )
    env.close()
    if video_path is not None:
        write_video(frames, video_path, fps=1.0 / env.dt)
    return pd.DataFrame(rows, columns=list(EVALUATION_COLUMNS))


def plot_evaluation(table: pd.DataFrame, path: str | Path) -> Path:
    """Plot achieved vs target speed and stride length (like the paper's Fig. 4c/4d).

    Parameters
    ----------
    table
        From :func:`evaluate`.
    path
        Output image (``.png``/``.pdf``/``.svg``), written atomically.

    Returns
    -------
    pathlib.Path
        The written file.
    """
    fig = Figure(figsize=(9.0, 4.0))  # no pyplot: the caller's backend stays as it is
    axes = fig.subplots(1, 2)
    panels = (
        ("target_speed_m_s", "speed", "m_s", "walking speed (m/s)"),
        ("target_stride_length_m", "stride", "m", "stride length (m)"),
    )
    for ax, (target, name, unit, label) in zip(axes, panels, strict=True):
        x = table[target].to_numpy(float)
        mean = table[f"{name}_mean_{unit}"].to_numpy(float)
        low = table[f"{name}_p25_{unit}"].to_numpy(float)
        high = table[f"{name}_p75_{unit}"].to_numpy(float)
        ax.vlines(x, low, high, lw=6, alpha=0.4, label="achieved 25-75th percentile")
        ax.plot(x, mean, "o", label="achieved mean")
        values = np.concatenate([x, mean, low, high])
        span = [0.9 * np.nanmin(values), 1.1 * np.nanmax(values)]
        ax.plot(span, span, "k--", lw=1, label="target")
        ax.set_xlabel(f"target {label}")
        ax.set_ylabel(f"achieved {label}")
        ax.legend(loc="upper left")
    mean = table.mean(numeric_only=True)
    fig.suptitle(
        f"fall rate {mean['fall_rate']:.0%}; errors: joint {mean['joint_angle_error_deg']:.1f} "
        f"deg, CoM {mean['com_error_cm']:.1f} cm, feet {mean['feet_error_cm']:.1f} cm"
    )
    fig.tight_layout()
    path = Path(path)
    with atomic_path(path) as tmp:
        fig.savefig(tmp)
    return path
