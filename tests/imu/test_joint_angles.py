"""JCS joint angles: signs from geometry, round trips, container behaviour."""

import numpy as np
import pandas as pd
import pytest
from scipy.spatial.transform import Rotation

import imu
from imu import GaitTwinInputError, JointAngles

IDENTITY = np.array([[0.0, 0.0, 0.0, 1.0]])


def angles_for(segment_rotations: dict[str, Rotation]) -> JointAngles:
    """Joint angles of one frame in which the named segments are rotated, the rest neutral."""
    q = np.stack(
        [
            (segment_rotations.get(s, Rotation.identity())).as_quat()
            for s in ("pelvis", "thigh_r", "shank_r", "foot_r", "thigh_l", "shank_l", "foot_l")
        ]
    )
    q = np.stack([q, q])  # two identical frames
    segments = ("pelvis", "thigh_r", "shank_r", "foot_r", "thigh_l", "shank_l", "foot_l")
    return imu.joint_angles_from_segments(
        q, segments, np.array([0.0, 0.01]), sampling_rate_hz=100.0, heading_cutoff_hz=None
    )


def rotation_moving(vector: np.ndarray, towards: np.ndarray, angle_deg: float = 20.0) -> Rotation:
    """Rotation that turns ``vector`` by ``angle_deg`` towards ``towards``."""
    axis = np.cross(vector, towards)
    return Rotation.from_rotvec(np.deg2rad(angle_deg) * axis / np.linalg.norm(axis))


FORWARD, LEFT, UP = np.eye(3)


@pytest.mark.parametrize("side", ["r", "l"])
def test_hip_flexion_moves_the_knee_forward(side):
    # the knee lies along -z of the thigh; moving it forward is hip flexion
    rot = rotation_moving(-UP, FORWARD)
    assert rot.apply(-UP)[0] > 0.3
    angles = angles_for({f"thigh_{side}": rot, f"shank_{side}": rot, f"foot_{side}": rot})
    assert angles[f"hip_flexion_{side}"][0] == pytest.approx(np.deg2rad(20.0))
    assert angles[f"knee_flexion_{side}"][0] == pytest.approx(0.0, abs=1e-12)


@pytest.mark.parametrize(("side", "medial"), [("r", LEFT), ("l", -LEFT)])
def test_hip_adduction_moves_the_knee_medially(side, medial):
    rot = rotation_moving(-UP, medial)
    angles = angles_for({f"thigh_{side}": rot, f"shank_{side}": rot, f"foot_{side}": rot})
    assert angles[f"hip_adduction_{side}"][0] == pytest.approx(np.deg2rad(20.0))
    assert abs(angles[f"hip_flexion_{side}"][0]) < 1e-12


@pytest.mark.parametrize(("side", "medial"), [("r", LEFT), ("l", -LEFT)])
def test_hip_internal_rotation_turns_the_front_medially(side, medial):
    rot = rotation_moving(FORWARD, medial)
    angles = angles_for({f"thigh_{side}": rot, f"shank_{side}": rot, f"foot_{side}": rot})
    assert angles[f"hip_rotation_{side}"][0] == pytest.approx(np.deg2rad(20.0))


@pytest.mark.parametrize("side", ["r", "l"])
def test_knee_flexion_moves_the_ankle_backward(side):
    rot = rotation_moving(-UP, -FORWARD, 45.0)
    angles = angles_for({f"shank_{side}": rot, f"foot_{side}": rot})
    assert angles[f"knee_flexion_{side}"][0] == pytest.approx(np.deg2rad(45.0))
    assert angles[f"hip_flexion_{side}"][0] == pytest.approx(0.0, abs=1e-12)
    assert angles[f"ankle_dorsiflexion_{side}"][0] == pytest.approx(0.0, abs=1e-12)


@pytest.mark.parametrize(("side", "medial"), [("r", LEFT), ("l", -LEFT)])
def test_ankle_dorsiflexion_lifts_the_toes_and_inversion_turns_the_sole_in(side, medial):
    lift = rotation_moving(FORWARD, UP)
    assert imu.angle_names(f"ankle_{side}")[0] == f"ankle_dorsiflexion_{side}"
    assert angles_for({f"foot_{side}": lift})[f"ankle_dorsiflexion_{side}"][0] == pytest.approx(
        np.deg2rad(20.0)
    )
    # inversion: the sole (-z) turns to face the midline
    invert = rotation_moving(-UP, medial)
    assert angles_for({f"foot_{side}": invert})[f"ankle_inversion_{side}"][0] == pytest.approx(
        np.deg2rad(20.0)
    )


def test_pelvis_angles_follow_their_stated_signs():
    tilt = angles_for({"pelvis": rotation_moving(UP, FORWARD, 10.0)})
    assert tilt["pelvis_tilt"][0] == pytest.approx(np.deg2rad(10.0))
    # the thighs stay vertical: an anterior pelvic tilt over a fixed femur is hip flexion
    assert tilt["hip_flexion_r"][0] == pytest.approx(np.deg2rad(10.0))
    left_up = angles_for({"pelvis": rotation_moving(LEFT, UP, 5.0)})
    assert left_up["pelvis_obliquity"][0] == pytest.approx(np.deg2rad(5.0))
    turn_left = angles_for({"pelvis": rotation_moving(FORWARD, LEFT, 15.0)})
    assert turn_left["pelvis_rotation"][0] == pytest.approx(np.deg2rad(15.0))


def test_segment_orientations_invert_joint_angles_over_large_random_angles():
    rng = np.random.default_rng(7)
    n = 500
    names = [name for joint in imu.JOINTS for name in imu.angle_names(joint)]
    values = rng.uniform(-np.deg2rad(60), np.deg2rad(60), (n, len(names)))
    values[:, 1::3] /= 3.0  # keep the floating-axis angle away from gimbal lock
    truth = JointAngles(np.arange(n) / 100.0, 100.0, tuple(names), values)
    pelvis = Rotation.random(n, random_state=3).as_quat()
    quats, segments = imu.segment_orientations(pelvis, truth)
    assert segments[0] == "pelvis"
    back = imu.joint_angles_from_segments(
        quats, segments, truth.time_s, sampling_rate_hz=100.0, heading_cutoff_hz=None
    )
    for name in names:
        np.testing.assert_allclose(back[name], truth[name], atol=1e-9)


def test_heading_is_removed_from_pelvis_rotation_but_not_from_tilt():
    n = 1000
    t = np.arange(n) / 100.0
    heading = 0.5 * t  # a slow turn, 0.5 rad/s
    wobble = np.deg2rad(5.0) * np.sin(2 * np.pi * 1.0 * t)  # pelvis rotation at stride frequency
    pelvis = Rotation.from_euler("ZY", np.column_stack((heading + wobble, np.full(n, 0.1))))
    angles = imu.joint_angles_from_segments(
        pelvis.as_quat()[:, None], ("pelvis",), t, sampling_rate_hz=100.0
    )
    middle = slice(200, 800)
    np.testing.assert_allclose(angles["pelvis_rotation"][middle], wobble[middle], atol=0.01)
    np.testing.assert_allclose(angles["pelvis_tilt"], 0.1, atol=1e-9)


def test_dataframe_round_trip_keeps_units_in_column_names():
    angles = angles_for({"thigh_r": rotation_moving(-UP, FORWARD)})
    table = angles.to_dataframe()
    assert "hip_flexion_r_deg" in table.columns
    assert table["hip_flexion_r_deg"].iloc[0] == pytest.approx(20.0)
    back = JointAngles.from_dataframe(table)
    np.testing.assert_allclose(back.values_rad, angles.values_rad)
    assert back.names == angles.names


def test_bad_input_is_named():
    with pytest.raises(GaitTwinInputError, match=r"values_rad: expected shape \(3, 2\)"):
        JointAngles(np.arange(3.0), 1.0, ("a", "b"), np.zeros((3, 3)))
    with pytest.raises(GaitTwinInputError, match="unknown joint angle 'hip_flexion_x'"):
        angles_for({})["hip_flexion_x"]
    with pytest.raises(GaitTwinInputError, match="column 'knee': expected a name ending"):
        JointAngles.from_dataframe(pd.DataFrame({"knee": [1.0, 2.0]}, index=[0.0, 0.1]))
    with pytest.raises(GaitTwinInputError, match="unknown segment 'arm'"):
        imu.ImuRecording(np.arange(3.0), 1.0, ("arm",), np.tile(IDENTITY, (3, 1, 1)))
