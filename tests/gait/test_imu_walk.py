"""analyse_imu_walk on the bundled Xsens walk: cycles, parameters and the steady clip."""

from dataclasses import replace

import numpy as np
import pytest
from scipy.spatial.transform import Rotation

import gait
from imu import GaitTwinInputError


@pytest.fixture(scope="module")
def walk(xsens_walk):
    return gait.analyse_imu_walk(xsens_walk, height_m=1.75)


@pytest.fixture(scope="module")
def winter(data_dir):
    return gait.read_winter_normative(data_dir / "normative" / "Winter_normal.csv")


def test_hip_and_knee_cycles_follow_winter_curves(walk, winter):
    """Signs and shapes on real data: the IMU hip and knee cycles look like Winter's."""
    strides = walk.parameters.strides
    angles = walk.motion.joint_angles
    for joint in ("hip_flexion", "knee_flexion"):
        curves = []
        for side in gait.SIDES:
            rows = strides[strides["side"] == side]
            bounds = list(zip(rows["start_sample"], rows["end_sample"], strict=True))
            curves.append(gait.cycle_curves(np.rad2deg(angles[f"{joint}_{side}"]), bounds))
        mean = np.concatenate(curves).mean(axis=0)[::2]
        assert np.corrcoef(mean, winter[f"{joint}_deg"])[0, 1] > 0.9, joint


def test_standing_and_turns_are_not_steady(walk):
    fs = walk.motion.sampling_rate_hz
    assert not walk.steady[: round(4.0 * fs)].any()
    assert not walk.steady[walk.turning].any()
    assert 0.1 < walk.steady.mean() < 0.6


def test_steady_clip_walks_along_x_from_the_origin(walk):
    clip = walk.steady_clip()
    assert isinstance(clip, gait.Motion)
    np.testing.assert_allclose(clip.root_position_m[0, :2], 0.0, atol=1e-12)
    assert clip.time_s[0] == 0.0
    travel = clip.root_position_m[-1] - clip.root_position_m[0]
    assert travel[0] > 1.0 and abs(travel[1]) < 0.3 * travel[0]
    assert 0.7 < np.median(clip.root_position_m[:, 2]) < 1.0  # pelvis height of a 1.75 m person
    heading = Rotation.from_quat(clip.root_quaternion).as_euler("ZYX")[:, 0]
    assert np.abs(np.rad2deg(heading)).max() < 20.0
    assert clip.metadata["n_steps"] >= 2
    assert 0.6 < clip.metadata["speed_m_s"] < 1.6
    assert clip.foot_contacts.any(axis=1).mean() > 0.95  # walking: a foot is (almost) always down


def test_no_steady_walking_is_an_error(walk):
    still = replace(walk, steady=np.zeros_like(walk.steady))
    with pytest.raises(GaitTwinInputError, match="expected steady straight walking, found none"):
        still.steady_clip()


def test_the_clip_round_trips_through_a_file(walk, tmp_path):
    clip = walk.steady_clip()
    back = gait.Motion.load(clip.save(tmp_path / "clip.npz"))
    np.testing.assert_allclose(back.root_position_m, clip.root_position_m)
    assert back.joint_angles.names == clip.joint_angles.names
