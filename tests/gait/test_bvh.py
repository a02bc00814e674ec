from pathlib import Path

import numpy as np
import pytest

import gait
from imu import GaitTwinInputError

DATA = Path(__file__).parents[1] / "data" / "cmu" / "16_15"
LANDMARKS = [f"{side}{bone}" for side in "lr" for bone in ("femur", "tibia", "foot", "toes")]


@pytest.fixture(scope="module")
def amc():
    return gait.read_amc(DATA / "16_15.amc", gait.read_asf(DATA / "16.asf"))


@pytest.fixture(scope="module")
def bvh():
    return gait.read_bvh(DATA / "16_15.bvh")


def _positions(take, joints):
    positions, _ = take.forward_kinematics()
    return positions[:, [take.skeleton.index(j) for j in joints]]


def test_bvh_header(bvh):
    assert bvh.n_frames == 471
    assert bvh.sampling_rate_hz == pytest.approx(120.0, rel=1e-5)
    assert bvh.skeleton.joints[0] == "root"
    assert len([j for j in bvh.skeleton.joints if not j.endswith("_end")]) == 29


def test_asf_amc_and_bvh_agree_on_joint_positions(amc, bvh):
    joints = ["root", *LANDMARKS, "ltoes_end", "rtoes_end"]
    error = np.linalg.norm(_positions(amc, joints) - _positions(bvh, joints), axis=2)
    # MotionBuilder kept every 4th AMC frame as a key and interpolated the frames between
    # (e.g. rtibia 19.77 deg in AMC frame 2, 20.04 deg in the BVH); the keys agree exactly.
    assert error[::4].max() < 1e-3
    assert np.sqrt(np.mean(error**2, axis=0)).max() < 0.01
    assert np.median(error) < 0.005


def test_asf_amc_and_bvh_give_the_same_motion(amc, bvh):
    a, b = gait.motion_from_mocap(amc), gait.motion_from_mocap(bvh)
    assert a.joint_angles.names == b.joint_angles.names
    difference = np.rad2deg(np.abs(a.joint_angles.values_rad - b.joint_angles.values_rad))
    assert difference[::4].max() < 0.1
    assert np.abs(a.root_position_m - b.root_position_m)[::4].max() < 1e-3
    assert (a.foot_contacts != b.foot_contacts).mean() < 0.02


def test_lower_body_bvh_matches_full_bvh(bvh):
    legs = gait.read_bvh(DATA / "walk_lowerbody.bvh")
    joints = [*LANDMARKS, "ltoes_end", "rtoes_end"]
    np.testing.assert_allclose(_positions(legs, joints), _positions(bvh, joints), atol=1e-9)
    assert "head" not in legs.skeleton.joints


def test_length_unit_scales_positions(tmp_path):
    metres = gait.read_bvh(DATA / "walk_lowerbody.bvh")
    centimetres = gait.read_bvh(DATA / "walk_lowerbody.bvh", length_unit_m=1.0)
    np.testing.assert_allclose(
        centimetres.forward_kinematics()[0] * 0.01, metres.forward_kinematics()[0], atol=1e-12
    )
    assert 0.9 < metres.root_translation_m[0, 1] < 1.0  # hip height 97.4 cm


def _write_bvh(path, root_channels, joint_channels, values):
    path.write_text(
        "HIERARCHY\nROOT hips\n{\n  OFFSET 0 0 0\n"
        f"  CHANNELS {len(root_channels)} {' '.join(root_channels)}\n"
        "  JOINT leg\n  {\n    OFFSET 0 0 10\n"
        f"    CHANNELS {len(joint_channels)} {' '.join(joint_channels)}\n"
        "    End Site\n    {\n      OFFSET 0 0 10\n    }\n  }\n}\n"
        f"MOTION\nFrames: 1\nFrame Time: 0.01\n{' '.join(map(str, values))}\n"
    )
    return path


@pytest.mark.parametrize(
    ("order", "tip_cm"),
    [
        # intrinsic: R = Rz(90) Rx(90) takes z to x; R = Rx(90) Rz(90) takes z to -y
        (("Zrotation", "Xrotation"), [10.0, 0.0, 10.0]),
        (("Xrotation", "Zrotation"), [0.0, -10.0, 10.0]),
    ],
)
def test_channel_order_is_read_per_joint(tmp_path, order, tip_cm):
    root = ("Xposition", "Yposition", "Zposition", "Yrotation", "Xrotation", "Zrotation")
    path = _write_bvh(tmp_path / "chain.bvh", root, order, [0, 0, 0, 0, 0, 0, 90, 90])
    take = gait.read_bvh(path)
    positions, _ = take.forward_kinematics()
    assert positions[0, take.skeleton.index("leg_end")] == pytest.approx(
        np.array(tip_cm) * 0.01, abs=1e-12
    )


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda t: t.rsplit("\n", 2)[0] + "\n", r"line \d+: expected 471 frame lines"),
        (
            lambda t: t.replace("-0.574318", "-0.574318 1", 1),
            r"line 58: expected 30 values \(one per channel\), found 31",
        ),
        (
            lambda t: t.replace("-0.574318", "nan?", 1),
            r"line 58: expected numbers for channel values, found 'nan\?'",
        ),
        (
            lambda t: t.replace("Zrotation", "Wrotation", 1),
            r"line 5: unknown channel 'Wrotation'",
        ),
        (
            lambda t: t.replace("CHANNELS 3 Zrotation", "CHANNELS 4 Xposition Zrotation", 1),
            r"line 9: position channel 'Xposition' on joint 'rfemur'",
        ),
    ],
)
def test_broken_bvh_raises_naming_file_and_line(tmp_path, edit, message):
    path = tmp_path / "broken.bvh"
    path.write_text(edit((DATA / "walk_lowerbody.bvh").read_text()))
    with pytest.raises(GaitTwinInputError, match=rf"bvh file '.*broken.bvh', {message}"):
        gait.read_bvh(path)
