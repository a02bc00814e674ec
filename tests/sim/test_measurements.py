import numpy as np
import pytest

import sim


def test_standing_avatar_measurements():
    with sim.Simulation() as world:
        world.reset()
        for _ in range(30):
            world.step(world.spec.default_action())
        m = world.measure()
        leg = world.body.leg_length_m
    assert m.foot_contacts.tolist() == [True, True]
    assert not m.fallen
    assert m.pelvis_height_m == pytest.approx(leg, abs=0.01)
    assert 0.0 < m.com_m[2] - leg < 0.25  # CoM a little above the hips (de Leva: ~0.55 H)
    np.testing.assert_allclose(m.feet_m[:, 2], 0.0, atol=0.005)
    assert m.feet_m[0, 1] > 0 > m.feet_m[1, 1]  # left foot on +y
    assert abs(m.trunk_lateral_sway_rad) < 0.01
    # standing statically the motors carry the trunk: torques are finite and small
    assert np.abs(m.joint_torques_n_m).max() < 50.0


def test_trunk_sway_and_pelvis_obliquity_signs():
    spec = sim.DEFAULT_MODEL
    with sim.Simulation(spec, fixed_root=True) as world:
        q = np.zeros(spec.n_dofs)
        q[spec.dof_names.index("lumbar_x")] = 0.2  # + about anterior x: trunk leans right
        tilt = 0.1  # pelvis rolled about x by +0.1 rad: left side up
        world.reset_pose([0, 0, 1.5], [np.sin(tilt / 2), 0, 0, np.cos(tilt / 2)], q)
        m = world.measure()
    assert m.pelvis_obliquity_rad == pytest.approx(0.1, abs=1e-6)
    assert m.trunk_lateral_sway_rad == pytest.approx(-0.3, abs=1e-6)


def test_lying_avatar_has_fallen():
    with sim.Simulation() as world:
        lying = [np.sin(np.pi / 4), 0.0, 0.0, np.cos(np.pi / 4)]  # rolled 90 deg onto its side
        world.reset_pose([0.0, 0.0, 0.15], lying, np.zeros(world.spec.n_dofs))
        for _ in range(10):
            world.step(world.spec.default_action())
        assert world.measure().fallen


@pytest.mark.parametrize("fixed_root", [True, False])
def test_root_is_the_hip_joint_centre_midpoint(fixed_root):
    with sim.Simulation(fixed_root=fixed_root) as world:
        angle = 0.4
        quat = [0.0, 0.0, np.sin(angle / 2), np.cos(angle / 2)]  # turned 0.4 rad to the left
        world.reset_pose([0.3, 0.2, 1.5], quat, np.zeros(world.spec.n_dofs))
        poses = world.link_poses()
        state = world.state()
        half = 0.5 * world.body.hip_joint_separation_m
    np.testing.assert_allclose(state.root_position_m, [0.3, 0.2, 1.5], atol=1e-6)
    np.testing.assert_allclose(state.root_quaternion, quat, atol=1e-6)
    midpoint = 0.5 * (poses["thigh_r"][0] + poses["thigh_l"][0])
    np.testing.assert_allclose(midpoint, [0.3, 0.2, 1.5], atol=1e-6)
    left = np.array([-np.sin(angle), np.cos(angle), 0.0])
    np.testing.assert_allclose(poses["thigh_l"][0] - midpoint, half * left, atol=1e-6)


def test_kinematics_reads_what_the_separate_queries_read():
    """One query of every link gives state, centre of mass and soles to the last bit."""
    with sim.Simulation(sim.ANKLE_MODEL) as world:
        rng = np.random.default_rng(0)
        action = world.spec.default_action()
        for _ in range(10):  # a moving body: velocities and torques are not zero
            action[: world.spec.n_dofs] = rng.normal(0.0, 0.3, world.spec.n_dofs)
            world.step(action)
        body = world.kinematics()
        state = world.state()
        np.testing.assert_array_equal(body.state.to_vector(), state.to_vector())
        np.testing.assert_array_equal(body.com_m, world.centre_of_mass())
        np.testing.assert_array_equal(body.feet_m, world.sole_points())
        poses = world.link_poses()
        np.testing.assert_array_equal(body.link_quaternions, [poses[n][1] for n in sim.LINKS[1:]])
        assert np.abs(body.link_linear_velocities_m_s).max() > 0.01
        assert body.link_angular_velocities_rad_s.shape == (len(sim.LINKS) - 1, 3)
