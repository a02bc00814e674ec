import numpy as np
import pytest
from winter_clips import winter_joint_angles

import sim
from gait import Motion
from imu import GaitTwinInputError


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


def test_free_avatar_tracking_a_walk_on_stairs_stays_physical():
    """No explosion at the chosen time step: a falling, kicking avatar keeps bounded speeds."""
    spec = sim.DEFAULT_MODEL
    angles, contacts = winter_joint_angles(n_cycles=1.0, sampling_rate_hz=30.0)
    n = angles.time_s.size
    clip = Motion(np.zeros((n, 3)), np.tile([0, 0, 0, 1.0], (n, 1)), angles, contacts)
    with sim.Simulation(spec, terrain=sim.Terrain("stairs", 4)) as world:
        world.reset()
        result = sim.rollout(
            world, sim.ClipTracker(clip, spec, dt=world.dt), 90, stop_on_fall=False
        )
        final = world.state()
    assert np.all(np.isfinite(final.to_vector()))
    speeds = np.linalg.norm(np.diff(result.motion.root_position_m, axis=0), axis=1) / world.dt
    assert speeds.max() < 5.0
    assert np.all(result.motion.root_position_m[:, 2] > -0.05)  # never through the ground
    # untrained, it falls within a second, and the fall is the first non-foot contact
    assert result.fell_at_s is not None and result.fell_at_s < 1.0
    first = next(k for k, m in enumerate(result.measurements) if m.fallen)
    assert result.fell_at_s == pytest.approx(first * world.dt)


def _hip_step_response(spec, steps):
    """Right-hip position after ``steps`` control steps towards a 0.05 rad flexion, root held."""
    target = np.zeros(spec.n_dofs)
    target[0] = -0.05
    with sim.Simulation(spec, fixed_root=True) as world:
        world.reset_pose([0.0, 0.0, 1.5], [0, 0, 0, 1], np.zeros(spec.n_dofs))
        for _ in range(steps):
            world.step(spec.default_action(target))
        return world.state().joint_positions_rad[0]


def test_softer_pd_servos_reach_a_target_later_but_still_reach_it():
    stiff = sim.DEFAULT_MODEL
    soft = stiff.with_pd_frequency(20.0)
    assert all(j.natural_frequency_rad_s == 20.0 for j in soft.joints)
    assert stiff.joints[0].natural_frequency_rad_s == sim.PD_NATURAL_FREQUENCY_RAD_S
    # after one control step (1/30 s) the 90 rad/s servo is most of the way, the 20 rad/s one
    # a fifth; after 0.5 s both have arrived
    assert _hip_step_response(stiff, 1) < -0.035
    assert -0.015 < _hip_step_response(soft, 1) < -0.005
    assert _hip_step_response(soft, 15) == pytest.approx(-0.05, abs=0.003)
    with pytest.raises(GaitTwinInputError, match=r"expected a PD natural frequency in \(0"):
        stiff.with_pd_frequency(200.0)


def _dof(spec, angle_name):
    return next(d for d in spec.dofs if d.angle_name == angle_name)


def test_angle_limits_narrow_a_patients_range_in_the_clinical_sign():
    stiff = sim.ANKLE_MODEL.with_angle_limits(
        {"knee_flexion_l": (-5.0, 35.0), "hip_flexion_l": (-10.0, 60.0)}
    )
    knee = _dof(stiff, "knee_flexion_l")
    assert np.rad2deg([knee.lower_rad, knee.upper_rad]) == pytest.approx([-5.0, 35.0])
    hip = _dof(stiff, "hip_flexion_l")  # position = -1 x clinical flexion
    assert hip.sign == -1.0
    assert np.rad2deg([hip.lower_rad, hip.upper_rad]) == pytest.approx([-60.0, 10.0])
    assert _dof(stiff, "knee_flexion_r") == _dof(sim.ANKLE_MODEL, "knee_flexion_r")
    assert stiff.name == sim.ANKLE_MODEL.name
    assert sim.ANKLE_MODEL.with_angle_limits({}) == sim.ANKLE_MODEL


@pytest.mark.parametrize(
    ("limits", "message"),
    [
        ({"knee_flexion": (0.0, 30.0)}, r"expected angles of the 'legs13_ankles' model \("),
        ({"knee_flexion_l": (30.0, 10.0)}, r"expected low < high inside .* found \(30, 10\)"),
        ({"knee_flexion_l": (-20.0, 30.0)}, r"model's range \[-5, 140\] deg"),
    ],
)
def test_angle_limits_refuse_unknown_angles_and_ranges_they_cannot_narrow(limits, message):
    with pytest.raises(GaitTwinInputError, match=message):
        sim.ANKLE_MODEL.with_angle_limits(limits)


def test_the_physics_stops_a_limited_knee_at_its_range():
    """A PD target of 90 deg: the limited left knee stops at 35 deg, the right one gets there."""
    spec = sim.ANKLE_MODEL.with_angle_limits({"knee_flexion_l": (-5.0, 35.0)})
    target = np.zeros(spec.n_dofs)
    for side in "lr":
        target[spec.dofs.index(_dof(spec, f"knee_flexion_{side}"))] = np.deg2rad(90.0)
    with sim.Simulation(spec, fixed_root=True) as world:
        world.reset_pose([0.0, 0.0, 1.5], [0, 0, 0, 1], np.zeros(spec.n_dofs))
        for _ in range(30):
            world.step(spec.default_action(target))
        positions = np.rad2deg(world.state().joint_positions_rad)
    assert positions[spec.dofs.index(_dof(spec, "knee_flexion_l"))] == pytest.approx(35.0, abs=1.0)
    assert positions[spec.dofs.index(_dof(spec, "knee_flexion_r"))] == pytest.approx(90.0, abs=2.0)
