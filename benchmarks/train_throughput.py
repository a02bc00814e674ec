"""Throughput of the learn stage: environment steps/s and PPO training steps/s, before and after.

Every figure is measured twice in the same run, alternately: **before**, with the environment
step as it was before issue 18's throughput work (the reference implementation below, patched
over ``learn.ImitationEnv``, ``learn.env.ReferenceMotion`` and ``sim.Simulation`` by
:func:`before_env_step`), and **after**, with the code as it is. Both compute the same
observations, rewards and infos to the last bit (``tests/benchmarks/test_throughput.py``).

Figures: (1) bare physics, ``Simulation.step`` only (the floor of an environment step); (2)
``ImitationEnv`` steps/s on one core with small random actions (physics, observation, reward,
resets after falls) for the default 9-DoF avatar and for the settings of the shipped atlas
(ankles, reference-state block), each also as CPU time per step (robust to other jobs on the
machine); (3) 8 environments per core stepped by ``learn.algorithms.BatchedSubprocVecEnv``
(learn's default; stable-baselines3's ``SubprocVecEnv``, one process per environment, as a
further reference); (4) PPO training steps/s (``learn.train_atlas``, 8 environments per core,
the paper's 3x256 / 2x128 networks) between its first and last logged update, and the CPU time
of all its processes per 1,000 steps. Issue 18's goal: 3,000 training steps/s on 2 cores.

Run: ``python benchmarks/train_throughput.py [--seconds 3] [--rounds 3] [--train-steps 16384]``.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import os
import resource
import tempfile
import time
from collections import deque
from collections.abc import Callable, Iterator
from pathlib import Path
from unittest import mock

import numpy as np
import pybullet
from scipy.spatial.transform import Rotation
from stable_baselines3.common.vec_env import SubprocVecEnv, VecEnv

import gait
import learn
import sim
from imu import (
    GaitTwinInputError,
    heading_quaternion,
    quaternion_angle,
    quaternion_conjugate,
    quaternion_multiply,
    quaternion_positive_w,
    quaternion_yaw,
    quaternion_z_axis,
    rotate_vector,
    to_heading_frame,
)
from learn.env import (
    GoalErrors,
    ImitationErrors,
    ReferenceFrame,
    goal_reward,
    imitation_reward,
    physics_penalty,
    total_reward,
)

ROOT = Path(__file__).resolve().parents[1]
CMU = ROOT / "tests" / "data" / "cmu"
ATLAS = ROOT / "models" / "atlas"

# --- before: the environment step before issue 18's throughput work -------------------------
# Copied from the sources as they were (commit abd84d8); only the names changed. Each control
# step queried the base, the joints and the links three times, rotated every vector into the
# heading frame on its own, sampled the reference field by field (and the next frame twice),
# converted scipy Rotations, and rebuilt the spec's arrays on every Simulation.step.

_LINK_PARENTS = {
    "trunk": "pelvis",
    "thigh_r": "pelvis",
    "shank_r": "thigh_r",
    "foot_r": "shank_r",
    "thigh_l": "pelvis",
    "shank_l": "thigh_l",
    "foot_l": "shank_l",
}
_PARENT_ROWS = np.array([("pelvis", *_LINK_PARENTS).index(p) for p in _LINK_PARENTS.values()])


def _before_simulation_step(self: sim.Simulation, action: np.ndarray) -> None:
    action = np.asarray(action, dtype=float)
    if action.shape != (self.spec.action_size,):
        raise GaitTwinInputError(f"action: expected shape ({self.spec.action_size},)")
    if not np.all(np.isfinite(action)):
        raise GaitTwinInputError("action: expected finite values, found NaN or inf")
    n = self.spec.n_dofs
    targets = np.clip(action[:n], self.spec.lower_rad, self.spec.upper_rad)
    limits = np.clip(action[n:], 0.0, self.spec.max_torque_n_m)
    self.client.setJointMotorControlArray(
        self._avatar,
        self.dof_index.tolist(),
        pybullet.POSITION_CONTROL,
        targetPositions=targets.tolist(),
        targetVelocities=[0.0] * n,
        forces=np.repeat(limits, self._dofs_per_joint).tolist(),
        positionGains=self._position_gains.tolist(),
        velocityGains=self._velocity_gains.tolist(),
    )
    for _ in range(self.n_substeps):
        if self._push_steps_left > 0:
            com = self.client.getBasePositionAndOrientation(self._avatar)[0]
            self.client.applyExternalForce(
                self._avatar, -1, self._push_force_n.tolist(), com, pybullet.WORLD_FRAME
            )
            self._push_steps_left -= 1
        if self._held_wrench is not None:
            com = self.client.getBasePositionAndOrientation(self._avatar)[0]
            force, torque = self._held_wrench
            self.client.applyExternalForce(self._avatar, -1, force, com, pybullet.WORLD_FRAME)
            self.client.applyExternalTorque(self._avatar, -1, torque, pybullet.WORLD_FRAME)
        self.client.stepSimulation()
    self._held_wrench = None
    self.time_s += self.dt


def _before_state(self: sim.Simulation) -> sim.SimState:
    c = self.client
    com, quat = c.getBasePositionAndOrientation(self._avatar)
    quat = np.array(quat)
    lin, ang = c.getBaseVelocity(self._avatar)
    joint_states = c.getJointStates(self._avatar, self.dof_index.tolist())
    return sim.SimState(
        time_s=self.time_s,
        root_position_m=np.array(com) - rotate_vector(quat, self._base_com),
        root_quaternion=quat,
        root_linear_velocity_m_s=np.array(lin),
        root_angular_velocity_rad_s=np.array(ang),
        joint_positions_rad=np.array([s[0] for s in joint_states]),
        joint_velocities_rad_s=np.array([s[1] for s in joint_states]),
        joint_torques_n_m=np.array([s[3] for s in joint_states]),
    )


def _before_centre_of_mass(self: sim.Simulation) -> np.ndarray:
    c = self.client
    positions = [c.getBasePositionAndOrientation(self._avatar)[0]]
    positions += [s[0] for s in c.getLinkStates(self._avatar, self._all_links[1:])]
    return self._masses @ np.array(positions) / self._masses.sum()


def _before_sole_points(self: sim.Simulation) -> np.ndarray:
    states = self.client.getLinkStates(self._avatar, list(self._foot_links))
    return np.array(
        [
            self.client.multiplyTransforms(s[4], s[5], self._sole_centre, (0, 0, 0, 1))[0]
            for s in states
        ]
    )


def _before_probe_rays(client, origin_m: np.ndarray, *, heading_rad: float) -> np.ndarray:
    angles = sim.RAY_ANGLES_RAD
    origin = np.asarray(origin_m, dtype=float)
    forward = np.array([np.cos(heading_rad), np.sin(heading_rad), 0.0])
    directions = np.sin(angles)[:, None] * forward - np.cos(angles)[:, None] * [0, 0, 1]
    start = np.tile(origin, (len(angles), 1))
    end = start + 3.0 * directions
    results = client.rayTestBatch(start.tolist(), end.tolist(), collisionFilterMask=1)  # terrain
    fraction = np.array([r[2] if r[0] >= 0 else 1.0 for r in results])
    np.array([r[3] if r[0] >= 0 else e for r, e in zip(results, end, strict=True)])  # hits
    return fraction * 3.0


def _before_read_body(simulation: sim.Simulation) -> dict:
    client = simulation.client
    avatar = simulation.bodies["avatar"]
    state = simulation.state()
    links = [simulation.link_index[name] for name in _LINK_PARENTS]
    link_states = client.getLinkStates(avatar, links, computeLinkVelocity=1)
    yaw = float(quaternion_yaw(state.root_quaternion))
    feet, fallen = simulation.contacts()
    root = state.root_position_m
    return {
        "root_position_m": root,
        "root_quaternion": state.root_quaternion,
        "root_linear_velocity_m_s": state.root_linear_velocity_m_s,
        "root_angular_velocity_rad_s": state.root_angular_velocity_rad_s,
        "yaw_rad": yaw,
        "joint_positions_rad": state.joint_positions_rad,
        "joint_velocities_rad_s": state.joint_velocities_rad_s,
        "link_quaternions": np.array([s[5] for s in link_states]),
        "link_linear_velocities_m_s": np.array([s[6] for s in link_states]),
        "link_angular_velocities_rad_s": np.array([s[7] for s in link_states]),
        "com_m": simulation.centre_of_mass(),
        "feet_m": simulation.sole_points(),
        "foot_contacts": feet,
        "fallen": bool(fallen),
        "hip_height_m": float(root[2] - simulation.terrain.height_at(root[0])),
        "rays_m": _before_probe_rays(client, root, heading_rad=yaw),
    }


def _before_posture_features(r: dict) -> np.ndarray:
    yaw = r["yaw_rad"]
    root = r["root_quaternion"]
    world = np.vstack([root, r["link_quaternions"]])
    parents = world[_PARENT_ROWS]
    local = quaternion_positive_w(quaternion_multiply(quaternion_conjugate(parents), world[1:]))
    root_local = quaternion_positive_w(quaternion_multiply(heading_quaternion(-yaw), root))
    links = np.hstack(
        [
            local,
            to_heading_frame(yaw, r["link_linear_velocities_m_s"]),
            to_heading_frame(yaw, r["link_angular_velocities_rad_s"]),
        ]
    )
    return np.concatenate(
        [
            [r["root_position_m"][2]],
            root_local,
            to_heading_frame(yaw, r["root_linear_velocity_m_s"]),
            to_heading_frame(yaw, r["root_angular_velocity_rad_s"]),
            links.ravel(),
            to_heading_frame(yaw, r["com_m"] - r["root_position_m"]),
            to_heading_frame(yaw, r["feet_m"] - r["root_position_m"]).ravel(),
        ]
    )


def _before_rotation_error(target: np.ndarray, actual: np.ndarray) -> np.ndarray:
    return Rotation.from_quat(quaternion_multiply(target, quaternion_conjugate(actual))).as_rotvec()


def _before_reference_features(r: dict, target: ReferenceFrame) -> np.ndarray:
    yaw = r["yaw_rad"]
    root = r["root_position_m"]
    return np.concatenate(
        [
            target.joint_positions_rad - r["joint_positions_rad"],
            to_heading_frame(
                yaw, _before_rotation_error(target.root_quaternion, r["root_quaternion"])
            ),
            [target.root_position_m[2] - root[2]],
            target.com_m - to_heading_frame(yaw, r["com_m"] - root),
            (target.feet_m - to_heading_frame(yaw, r["feet_m"] - root)).ravel(),
        ]
    )


def _before_sample(self: learn.env.ReferenceMotion, time_s: float) -> ReferenceFrame:
    cycles, phase = divmod(time_s / self.cycle_duration_s, 1.0)
    x = phase * self.n_grid
    i = min(int(x), self.n_grid - 1)
    w = x - i

    def lerp(a: np.ndarray) -> np.ndarray:
        return (1.0 - w) * a[i] + w * a[i + 1]

    quat = lerp(self.root_quaternion)
    if self.root_quaternion[i] @ self.root_quaternion[i + 1] < 0.0:
        quat = (1.0 - w) * self.root_quaternion[i] - w * self.root_quaternion[i + 1]
    root = lerp(self.root_position_m)
    root[0] += (cycles + phase) * self.stride_length_m
    return ReferenceFrame(
        phase=float(phase),
        root_position_m=root,
        root_quaternion=quat / np.linalg.norm(quat),
        root_linear_velocity_m_s=lerp(self.root_linear_velocity_m_s),
        root_angular_velocity_rad_s=lerp(self.root_angular_velocity_rad_s),
        joint_positions_rad=lerp(self.joint_positions_rad),
        joint_velocities_rad_s=lerp(self.joint_velocities_rad_s),
        com_m=lerp(self.com_m),
        feet_m=lerp(self.feet_m),
        foot_contacts=self.foot_contacts[i if w < 0.5 else i + 1],
    )


def _before_nearest_clip(self: learn.ImitationEnv, speed_m_s: float, stride_m: float) -> int:
    row = gait.nearest_clip(self._library(), speed_m_s=speed_m_s, step_length_m=0.5 * stride_m)
    return int(row["clip_index"])


def _before_reset(self: learn.ImitationEnv, *, seed=None, options=None):
    super(learn.ImitationEnv, self).reset(seed=seed)
    options = dict(options or {})
    self._apply_pending()
    rng = self.np_random
    goal = options.get("goal", self.goal)
    if goal is None:
        goal = self.draw_goal()
    self.goal_now = (float(goal[0]), float(goal[1]))
    clip = self.nearest_clip(*self.goal_now)
    self.reference = self.clip_reference(clip).resampled(*self.goal_now)
    phase = options.get("phase", rng.uniform() if self.random_start else 0.0)
    self._t0 = float(phase) * self.reference.cycle_duration_s
    self._step = 0
    frame = self.reference.sample(self._t0)
    self.simulation.client.restoreState(self._saved_state)
    self.simulation.reset_pose(
        frame.root_position_m,
        frame.root_quaternion,
        frame.joint_positions_rad,
        root_linear_velocity_m_s=frame.root_linear_velocity_m_s,
        root_angular_velocity_rad_s=frame.root_angular_velocity_rad_s,
        joint_velocities_rad_s=frame.joint_velocities_rad_s,
    )
    self.simulation.client.performCollisionDetection()
    self._limits = np.full(len(self.model.joints), 0.5)
    reading = _before_read_body(self.simulation)
    self._positions = deque([reading["root_position_m"]], maxlen=self._window)
    self._root_errors = deque(maxlen=self._window)
    cycle_steps = max(2, int(np.ceil(self.reference.cycle_duration_s / self.dt)))
    self._separations = deque(maxlen=cycle_steps)
    for j in range(cycle_steps - 1, 0, -1):
        feet = self.reference.sample(self._t0 + (cycle_steps - j) * self.dt).feet_m
        self._separations.append(float(feet[0, 0] - feet[1, 0]))
    speed_dev, stride_dev = _before_goal_deviations(self, reading)
    first = _before_frame(self, reading, frame, speed_dev, stride_dev)
    self._frames.clear()
    self._frames.extend([first, first, first])
    info = {
        "clip": self.reference.name,
        "goal_speed_m_s": self.goal_now[0],
        "goal_stride_length_m": self.goal_now[1],
        "phase": float(phase),
    }
    return np.concatenate(self._frames).astype(np.float32), info


def _before_step(self: learn.ImitationEnv, action: np.ndarray):
    a = np.clip(np.asarray(action, dtype=float), -1.0, 1.0)
    n = self.model.n_dofs
    self._step += 1
    frame = self.reference.sample(self._t0 + self._step * self.dt)
    if self.action_mode == "offset":
        targets = frame.joint_positions_rad + self.offset_scale_rad * a[:n]
    else:
        targets = self._mid + self._half * a[:n]
    self._limits = 0.5 * (1.0 + a[n:])
    if self.root_assist > 0.0:
        self._hold_root_assist(frame)
    self.simulation.step(np.concatenate([targets, self._max_torque * self._limits]))
    reading = _before_read_body(self.simulation)
    reward, info = _before_reward(self, reading, frame)
    info["stair_cue"] = 0.0
    if self.stair_cue is not None:
        info["stair_cue"] = self.stair_cue.shaping_from_soles(
            reading["feet_m"], foot_length_m=self.simulation.body.segments["foot"].length_m
        )
        reward += info["stair_cue"]
    speed_dev, stride_dev = info["speed_deviation_m_s"], info["stride_deviation_m"]
    self._frames.append(_before_frame(self, reading, frame, speed_dev, stride_dev))
    terminated = bool(reading["fallen"])
    truncated = bool(self._step >= self.max_steps and not terminated)
    return np.concatenate(self._frames).astype(np.float32), reward, terminated, truncated, info


def _before_goal_deviations(self: learn.ImitationEnv, r: dict) -> tuple[float, float]:
    elapsed = (len(self._positions) - 1) * self.dt
    if elapsed > 0.0:
        speed = (self._positions[-1][0] - self._positions[0][0]) / elapsed
    else:
        speed = float(r["root_linear_velocity_m_s"][0])
    separations = np.array(self._separations) if self._separations else np.zeros(1)
    stride = float(max(separations.max(), 0.0) + max(-separations.min(), 0.0))
    return speed - self.goal_now[0], stride - self.goal_now[1]


def _before_reward(self: learn.ImitationEnv, r: dict, frame: ReferenceFrame) -> tuple:
    feet_apart = r["feet_m"][0] - r["feet_m"][1]
    separation = to_heading_frame(r["yaw_rad"], feet_apart)[0]
    self._separations.append(float(separation))
    self._positions.append(r["root_position_m"])
    z_sim = quaternion_z_axis(r["root_quaternion"])
    z_ref = quaternion_z_axis(frame.root_quaternion)
    tilt = float(np.arccos(np.clip(z_sim @ z_ref, -1.0, 1.0)))
    height = r["hip_height_m"] - float(frame.root_position_m[2])
    self._root_errors.append((tilt**2, height**2))
    speed_dev, stride_dev = _before_goal_deviations(self, r)
    displacement = self._positions[-1][:2] - self._positions[0][:2]
    if np.hypot(*displacement) > 0.01:
        heading = float(np.arctan2(displacement[1], displacement[0]))
    else:
        heading = r["yaw_rad"]
    root_errors = np.mean(self._root_errors, axis=0)
    goal = goal_reward(
        GoalErrors(
            speed_dev if self.speed_goal else 0.0,
            stride_dev,
            heading,
            float(root_errors[0]),
            float(root_errors[1]),
        )
    )
    yaw = r["yaw_rad"]
    feet_rel = to_heading_frame(yaw, r["feet_m"] - r["root_position_m"])
    com_rel = to_heading_frame(yaw, r["com_m"] - r["root_position_m"])
    root_angle = float(quaternion_angle(r["root_quaternion"], frame.root_quaternion))
    imitation = imitation_reward(
        ImitationErrors(
            pose_rad2=float(
                np.sum((r["joint_positions_rad"] - frame.joint_positions_rad) ** 2) + root_angle**2
            ),
            velocity_rad2_s2=float(
                np.sum((r["joint_velocities_rad_s"] - frame.joint_velocities_rad_s) ** 2)
            ),
            feet_m2=float(np.sum((feet_rel - frame.feet_m) ** 2)),
            com_m2=float(np.sum((com_rel - frame.com_m) ** 2)),
        )
    )
    names = tuple(_LINK_PARENTS)
    feet_velocity = r["link_linear_velocities_m_s"][[names.index("foot_l"), names.index("foot_r")]]
    sliding = float(np.sum(np.linalg.norm(feet_velocity[:, :2], axis=1) * r["foot_contacts"]))
    penalty = physics_penalty(sliding, floating=not r["foot_contacts"].any())
    reward = total_reward(goal["goal"], imitation["imitation"], penalty)
    info = {
        **goal,
        **imitation,
        "physics": penalty,
        "speed_deviation_m_s": speed_dev,
        "stride_deviation_m": stride_dev,
        "joint_error_rad": float(
            np.mean(np.abs(r["joint_positions_rad"] - frame.joint_positions_rad))
        ),
        "com_error_m": float(np.linalg.norm(com_rel - frame.com_m)),
        "feet_error_m": float(np.mean(np.linalg.norm(feet_rel - frame.feet_m, axis=1))),
        "root_position_m": r["root_position_m"].copy(),
        "fallen": r["fallen"],
    }
    return float(reward), info


def _before_frame(self: learn.ImitationEnv, r: dict, frame, speed_dev, stride_dev) -> np.ndarray:
    parts = [
        [frame.phase, self.goal_now[0], self.goal_now[1], speed_dev, stride_dev],
        self._limits,
        _before_posture_features(r),
        r["foot_contacts"].astype(float),
        [r["hip_height_m"]],
        r["rays_m"],
    ]
    if self.reference_state:
        target = self.reference.sample(self._t0 + (self._step + 1) * self.dt)
        parts.append(_before_reference_features(r, target))
    return np.concatenate(parts)


def _before_step_together(envs: list, actions: np.ndarray) -> list[tuple]:
    return [env.step(action) for env, action in zip(envs, actions, strict=True)]


@contextlib.contextmanager
def before_env_step() -> Iterator[None]:
    """Run the environment step as it was before issue 18 while the context is open.

    Environments (and worker processes forked) inside the context use the reference
    implementation above, one environment at a time (workers stepped them so); the
    environment's constructor, goals, assist and terrain are shared.
    """
    patches = [
        mock.patch.multiple(
            learn.ImitationEnv,
            reset=_before_reset,
            step=_before_step,
            step_together=staticmethod(_before_step_together),
            nearest_clip=_before_nearest_clip,
        ),
        mock.patch.object(learn.env.ReferenceMotion, "sample", _before_sample),
        mock.patch.multiple(
            sim.Simulation,
            step=_before_simulation_step,
            state=_before_state,
            centre_of_mass=_before_centre_of_mass,
            sole_points=_before_sole_points,
        ),
    ]
    with contextlib.ExitStack() as stack:
        for patch in patches:
            stack.enter_context(patch)
        yield


# --- measurements ------------------------------------------------------------------------------


def walk_clip() -> gait.Motion:
    """Return CMU 07_01, the clip of the learn tests."""
    return learn.cmu_walks(CMU, trials=["07_01"])[0]


def atlas_env(clip: gait.Motion) -> learn.ImitationEnv:
    """Return an environment with the shipped atlas's settings (ankles, reference state)."""
    return learn.make_env([clip], learn.run_env_settings(ATLAS))


def physics_steps_per_s(seconds: float) -> float:
    """Control steps/s of ``Simulation.step`` alone (PD targets held)."""
    with sim.Simulation() as world:
        world.reset(seed=0)
        action = world.spec.default_action()
        n, start = 0, time.perf_counter()
        while time.perf_counter() - start < seconds:
            world.step(action)
            n += 1
        return n / (time.perf_counter() - start)


def env_rate(factory: Callable[[], learn.ImitationEnv], seconds: float) -> tuple[float, float]:
    """Return (steps/s, CPU us/step) of one environment with small random actions."""
    env = factory()
    rng = np.random.default_rng(0)
    env.reset(seed=0)
    n, start, cpu = 0, time.perf_counter(), time.process_time()
    while time.perf_counter() - start < seconds:
        *_, terminated, truncated, _ = env.step(rng.normal(0.0, 0.1, env.action_space.shape))
        n += 1
        if terminated or truncated:
            env.reset()
    rate, cpu_us = n / (time.perf_counter() - start), 1e6 * (time.process_time() - cpu) / n
    env.close()
    return rate, cpu_us


def parallel_steps_per_s(venv: VecEnv, seconds: float) -> float:
    """Environment steps/s of ``venv`` with small random actions; closes it."""
    rng = np.random.default_rng(0)
    venv.seed(0)
    venv.reset()
    n, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        venv.step(rng.normal(0.0, 0.1, (venv.num_envs, *venv.action_space.shape)))
        n += venv.num_envs
    rate = n / (time.perf_counter() - start)
    venv.close()
    return rate


def cpu_s() -> float:
    """CPU time of this process and its finished children, s."""
    own, children = (
        resource.getrusage(resource.RUSAGE_SELF),
        resource.getrusage(resource.RUSAGE_CHILDREN),
    )
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def training_rate(clip: gait.Motion, steps: int, n_envs: int) -> tuple[float, float]:
    """Return (steps/s between the first and last logged update, CPU s per 1,000 steps)."""
    with tempfile.TemporaryDirectory() as folder:
        cpu = cpu_s()
        learn.train_atlas(
            [clip],
            folder,
            total_timesteps=steps,
            n_envs=n_envs,
            checkpoint_every_steps=10 * steps,
            progress_bar=False,
        )
        cpu = cpu_s() - cpu
        progress = learn.read_progress(folder)
    done = progress["time/total_timesteps"].to_numpy(float)
    elapsed = progress["time/time_elapsed"].to_numpy(float)
    return (done[-1] - done[0]) / max(elapsed[-1] - elapsed[0], 1e-9), 1000.0 * cpu / steps


def before_and_after(measure: Callable[[], tuple], rounds: int) -> tuple[tuple, tuple]:
    """Best (largest first value) of ``rounds`` alternate measurements: (before, after)."""
    before, after = [], []
    for _ in range(rounds):
        with before_env_step():
            before.append(measure())
        after.append(measure())
    return max(before), max(after)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=3.0, help="timing per env figure, s")
    parser.add_argument("--rounds", type=int, default=3, help="alternate rounds per figure")
    parser.add_argument("--train-steps", type=int, default=16384, help="PPO steps to time")
    args = parser.parse_args()
    clip = walk_clip()
    cores = os.cpu_count() or 1
    n_envs = 8 * cores
    physics = physics_steps_per_s(args.seconds)
    single = {
        "9-DoF avatar": functools.partial(learn.ImitationEnv, [clip]),
        "atlas settings": functools.partial(atlas_env, clip),
    }
    envs = {
        name: before_and_after(lambda f=factory: env_rate(f, args.seconds), args.rounds)
        for name, factory in single.items()
    }
    factory = single["9-DoF avatar"]
    workers = learn.algorithms.BatchedSubprocVecEnv
    stepping = before_and_after(
        lambda: (parallel_steps_per_s(workers([factory] * n_envs), args.seconds),), args.rounds
    )
    one_per_env = parallel_steps_per_s(
        SubprocVecEnv([factory] * n_envs, start_method="fork"), args.seconds
    )
    training = before_and_after(
        lambda: training_rate(clip, args.train_steps, n_envs), max(1, args.rounds - 1)
    )
    print(f"cores: {cores}, load average: {os.getloadavg()[0]:.2f} (other jobs slow every figure)")
    print(f"physics only (Simulation.step, 1 core): {physics:.0f} control steps/s")
    print("before -> after (after / before), best of alternate rounds:")
    for name, (before, after) in envs.items():
        print(
            f"  ImitationEnv, {name}, 1 core: {before[0]:.0f} -> {after[0]:.0f} steps/s "
            f"(x{after[0] / before[0]:.2f}); CPU time {before[1]:.0f} -> {after[1]:.0f} us/step"
        )
    before, after = stepping
    print(
        f"  {n_envs} envs, BatchedSubprocVecEnv ({cores} workers): {before[0]:.0f} -> "
        f"{after[0]:.0f} steps/s (x{after[0] / before[0]:.2f}); SubprocVecEnv (one process "
        f"each) after: {one_per_env:.0f} steps/s"
    )
    before, after = training
    print(
        f"  PPO training, {n_envs} environments: {before[0]:.0f} -> {after[0]:.0f} steps/s "
        f"(x{after[0] / before[0]:.2f}; goal >= 3000); CPU time of all processes "
        f"{before[1]:.2f} -> {after[1]:.2f} s per 1,000 steps"
    )


if __name__ == "__main__":
    main()
