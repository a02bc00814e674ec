import numpy as np
import pytest

import sim
from conftest import winter_joint_angles


@pytest.mark.parametrize("spec", [sim.DEFAULT_MODEL, sim.ANKLE_MODEL], ids=lambda s: s.name)
def test_pd_tracks_walking_clip_with_root_held(spec):
    angles, _ = winter_joint_angles(n_cycles=2.0, sampling_rate_hz=30.0, ankles=spec.has_ankles)
    reference = spec.joint_positions_from_angles(angles)
    errors = []
    with sim.Simulation(spec, fixed_root=True) as world:
        assert world.dt == pytest.approx(1.0 / 30.0)
        world.reset_pose([0.0, 0.0, 1.5], [0, 0, 0, 1], reference[0])
        for target in reference[1:]:
            world.step(spec.default_action(target))
            errors.append(world.state().joint_positions_rad - target)
    rmse_deg = np.rad2deg(np.sqrt(np.mean(np.square(errors), axis=0)))
    assert rmse_deg.max() < 2.0
    # the clip really moves: hip flexion spans more than 30 deg
    assert np.rad2deg(np.ptp(reference[:, 0])) > 30.0


def test_torque_limit_zero_leaves_joints_limp():
    spec = sim.DEFAULT_MODEL
    with sim.Simulation(spec, fixed_root=True) as world:
        world.reset_pose([0.0, 0.0, 1.5], [0, 0, 0, 1], np.zeros(spec.n_dofs))
        target = np.zeros(spec.n_dofs)
        target[0] = -1.0  # flex the right hip by 1 rad
        limp = np.concatenate([target, np.zeros(len(spec.joints))])
        world.step(limp)
        assert abs(world.state().joint_positions_rad[0]) < 0.05
        for _ in range(20):
            world.step(spec.default_action(target))
        assert world.state().joint_positions_rad[0] == pytest.approx(-1.0, abs=0.02)
