import numpy as np
import pytest

import sim
from imu import GaitTwinInputError, JointAngles, joint_angles_from_segments


def test_default_model_has_nine_dofs_in_five_joints_and_fourteen_actions():
    spec = sim.DEFAULT_MODEL
    assert [j.name for j in spec.joints] == ["hip_r", "knee_r", "hip_l", "knee_l", "lumbar"]
    assert spec.n_dofs == 9
    assert spec.action_size == 14
    assert not spec.has_ankles


def test_ankle_model_adds_two_dof_ankles():
    spec = sim.ANKLE_MODEL
    assert spec.n_dofs == 13
    assert spec.action_size == 20
    assert spec.has_ankles
    names = {d.angle_name for d in spec.dofs}
    assert {"ankle_dorsiflexion_r", "ankle_inversion_l"} <= names


def test_hip_flexion_is_negative_rotation_about_pelvis_y():
    hip = {d.angle_name: d for d in sim.DEFAULT_MODEL.dofs}
    assert hip["hip_flexion_r"].axis == "y" and hip["hip_flexion_r"].sign == -1.0
    assert hip["knee_flexion_l"].axis == "y" and hip["knee_flexion_l"].sign == 1.0
    assert hip["hip_adduction_l"].axis == "x" and hip["hip_adduction_l"].sign == -1.0


def _random_angles(spec: sim.ModelSpec, n: int, seed: int) -> JointAngles:
    rng = np.random.default_rng(seed)
    dofs = [d for d in spec.dofs if d.angle_name]
    low = np.array([min(d.sign * d.lower_rad, d.sign * d.upper_rad) for d in dofs])
    high = np.array([max(d.sign * d.lower_rad, d.sign * d.upper_rad) for d in dofs])
    values = low + (high - low) * rng.uniform(0.1, 0.9, size=(n, len(dofs)))
    return JointAngles(np.arange(n) / 30.0, 30.0, tuple(d.angle_name for d in dofs), values)


@pytest.mark.parametrize("spec", [sim.DEFAULT_MODEL, sim.ANKLE_MODEL], ids=lambda s: s.name)
def test_avatar_pose_reads_back_as_the_same_jcs_angles(spec):
    angles = _random_angles(spec, 12, seed=3)
    positions = spec.joint_positions_from_angles(angles)
    rng = np.random.default_rng(4)
    quats = []
    with sim.Simulation(spec, fixed_root=True) as world:
        for row in positions:
            root_q = rng.normal(size=4)
            world.reset_pose([0.0, 0.0, 1.0], root_q / np.linalg.norm(root_q), row)
            segment_quats, segments = world.segment_quaternions()
            quats.append(segment_quats)
    measured = joint_angles_from_segments(
        np.array(quats), segments, angles.time_s, sampling_rate_hz=30.0, heading_cutoff_hz=None
    )
    for name in angles.names:
        error = np.rad2deg(np.abs(measured[name] - angles[name]))
        assert error.max() < 0.1, name
    # the knees (and, without ankles, the feet) are 1-DoF hinges: no adduction or rotation
    for name in ("knee_adduction_r", "knee_rotation_l"):
        assert np.rad2deg(np.abs(measured[name])).max() < 0.1
    if not spec.has_ankles:
        assert np.rad2deg(np.abs(measured["ankle_dorsiflexion_r"])).max() < 0.1


def test_positions_round_trip_to_angles():
    spec = sim.ANKLE_MODEL
    angles = _random_angles(spec, 5, seed=1)
    back = spec.angles_from_joint_positions(
        spec.joint_positions_from_angles(angles), angles.time_s, sampling_rate_hz=30.0
    )
    for name in angles.names:
        np.testing.assert_allclose(back[name], angles[name])


def test_missing_angle_column_raises():
    angles = JointAngles(np.arange(3.0), 1.0, ("hip_flexion_r",), np.zeros((3, 1)))
    with pytest.raises(
        GaitTwinInputError, match=r"model 'legs9': expected columns \['hip_adduction_r'"
    ):
        sim.DEFAULT_MODEL.joint_positions_from_angles(angles)


def test_bad_action_shape_raises():
    with sim.Simulation() as world:
        with pytest.raises(
            GaitTwinInputError, match=r"action: expected shape \(14,\), found \(9,\)"
        ):
            world.step(np.zeros(9))
