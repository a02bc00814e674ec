"""Throughput of the sim stage: physics steps/s and 30 Hz control steps/s on one core.

Our 9-DoF avatar (and the ankle variant) standing under PD control on flat ground and on the
steepest stairs, next to pybullet_data's ``humanoid/humanoid.urdf`` (DeepMimic's humanoid,
spherical joints) stepped with the same physics settings in the same run.

Run: ``python benchmarks/sim_throughput.py [--seconds 3]``.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import pybullet
import pybullet_data
from pybullet_utils import bullet_client

import sim


def _time_avatar(spec: sim.ModelSpec, terrain: sim.Terrain, seconds: float) -> tuple[float, float]:
    """Return (physics steps/s, control steps/s incl. reading the state) for one world."""
    with sim.Simulation(spec, terrain=terrain) as world:
        world.reset(seed=0)
        rng = np.random.default_rng(0)
        targets = rng.normal(0.0, 0.05, size=(64, spec.n_dofs))
        n = 0
        start = time.perf_counter()
        while time.perf_counter() - start < seconds:
            world.step(spec.default_action(targets[n % 64]))
            world.state()
            n += 1
        control = n / (time.perf_counter() - start)
        n = 0
        start = time.perf_counter()
        while time.perf_counter() - start < seconds:
            for _ in range(100):
                world.client.stepSimulation()
            n += 100
        physics = n / (time.perf_counter() - start)
    return physics, control


def _time_walk_episodes(seconds: float) -> float:
    """Control steps/s of RL-like episodes: a free avatar PD-tracks a walk until it falls.

    Each episode starts standing, tracks a sinusoidal stepping pattern with the default model,
    measures every step (contacts, falls) and resets on a fall or after 150 steps.
    """
    spec = sim.DEFAULT_MODEL
    with sim.Simulation(spec) as world:
        phase = np.linspace(0.0, 2.0 * np.pi, 32, endpoint=False)
        targets = np.zeros((32, spec.n_dofs))
        targets[:, 0] = -0.4 * np.sin(phase)  # hip flexion right
        targets[:, 4] = 0.4 * np.sin(phase)  # hip flexion left (opposite)
        targets[:, 3] = 0.6 * np.clip(np.sin(phase), 0.0, None)  # knee right
        targets[:, 7] = 0.6 * np.clip(-np.sin(phase), 0.0, None)  # knee left
        n = 0
        k = 0
        start = time.perf_counter()
        while time.perf_counter() - start < seconds:
            world.step(spec.default_action(targets[k % 32]))
            world.state()
            k += 1
            n += 1
            if world.measure().fallen or k == 150:
                world.reset()
                k = 0
        return n / (time.perf_counter() - start)


def _time_humanoid(
    seconds: float, physics_timestep_s: float, n_substeps: int
) -> tuple[float, float]:
    """Return the same two figures for pybullet_data's humanoid, joints PD-held in place."""
    client = bullet_client.BulletClient(connection_mode=pybullet.DIRECT)
    client.setGravity(0, 0, -9.81)
    client.setPhysicsEngineParameter(
        fixedTimeStep=physics_timestep_s, numSubSteps=1, numSolverIterations=20
    )
    client.loadURDF(f"{pybullet_data.getDataPath()}/plane.urdf")
    upright = pybullet.getQuaternionFromEuler([np.pi / 2, 0, 0])  # the humanoid is Y-up
    body = client.loadURDF(
        f"{pybullet_data.getDataPath()}/humanoid/humanoid.urdf", [0, 0, 0.9], upright
    )
    joints, targets = [], []
    for j in range(client.getNumJoints(body)):
        kind = client.getJointInfo(body, j)[2]
        if kind == pybullet.JOINT_SPHERICAL:
            joints.append(j)
            targets.append([0.0, 0.0, 0.0, 1.0])
        elif kind == pybullet.JOINT_REVOLUTE:
            joints.append(j)
            targets.append([0.0])
    forces = [[200.0, 200.0, 200.0] if len(t) == 4 else [200.0] for t in targets]
    n = 0
    start = time.perf_counter()
    while time.perf_counter() - start < seconds:
        client.setJointMotorControlMultiDofArray(
            body, joints, pybullet.POSITION_CONTROL, targetPositions=targets, forces=forces
        )
        for _ in range(n_substeps):
            client.stepSimulation()
        client.getJointStatesMultiDof(body, joints)
        n += 1
    control = n / (time.perf_counter() - start)
    n = 0
    start = time.perf_counter()
    while time.perf_counter() - start < seconds:
        for _ in range(100):
            client.stepSimulation()
        n += 100
    physics = n / (time.perf_counter() - start)
    client.disconnect()
    return physics, control


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=3.0, help="time per measurement, s")
    args = parser.parse_args()
    probe = sim.Simulation()
    h, n_sub = probe.physics_timestep_s, probe.n_substeps
    probe.close()
    print(
        f"physics step {h * 1000:.2f} ms, {n_sub} substeps -> control at {1 / (h * n_sub):.0f} Hz"
    )
    print(f"{'model':<28}{'terrain':<12}{'physics steps/s':>17}{'control steps/s':>17}")
    rows = [
        (sim.DEFAULT_MODEL, sim.Terrain("flat")),
        (sim.DEFAULT_MODEL, sim.Terrain("stairs", 4)),
        (sim.ANKLE_MODEL, sim.Terrain("flat")),
    ]
    for spec, terrain in rows:
        physics, control = _time_avatar(spec, terrain, args.seconds)
        label = "flat" if terrain.is_flat else f"{terrain.kind} {terrain.level}"
        print(f"{'gaittwin ' + spec.name:<28}{label:<12}{physics:>17,.0f}{control:>17,.0f}")
    control = _time_walk_episodes(args.seconds)
    label = "walk episodes (a)"
    print(f"{'gaittwin legs9':<28}{label:<12}{'':>17}{control:>17,.0f}")
    physics, control = _time_humanoid(args.seconds, h, n_sub)
    print(f"{'pybullet_data humanoid':<28}{'flat':<12}{physics:>17,.0f}{control:>17,.0f}")
    print(
        "(a) flat ground; PD tracking of a stepping pattern with state() and measure() every "
        "step, reset on falls"
    )


if __name__ == "__main__":
    main()
