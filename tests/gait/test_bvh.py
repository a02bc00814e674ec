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


def _scale_lengths(text, factor):
    """Rewrite a BVH's OFFSETs and root positions (the first three values of a frame)."""
    out, in_motion = [], False
    for line in text.splitlines():
        words = line.split()
        if words[:1] == ["OFFSET"]:
            line = "OFFSET " + " ".join(str(float(w) * factor) for w in words[1:])
        elif in_motion and words and not line.startswith(("Frames:", "Frame Time:")):
            line = " ".join([*(str(float(w) * factor) for w in words[:3]), *words[3:]])
        in_motion = in_motion or words[:1] == ["MOTION"]
        out.append(line)
    return "\n".join(out) + "\n"


def test_length_unit_scales_positions(tmp_path):
    metres = gait.read_bvh(DATA / "walk_lowerbody.bvh")
    path = tmp_path / "millimetres.bvh"
    path.write_text(_scale_lengths((DATA / "walk_lowerbody.bvh").read_text(), 10.0))
    millimetres = gait.read_bvh(path, length_unit_m=0.001)
    np.testing.assert_allclose(
        millimetres.forward_kinematics()[0], metres.forward_kinematics()[0], atol=1e-9
    )
    assert 0.9 < metres.root_translation_m[0, 1] < 1.0  # hip height 97.4 cm


def test_wrong_length_unit_raises(tmp_path):
    with pytest.raises(
        GaitTwinInputError,
        match=r"line 40 \(OFFSET of 'lfoot'\): expected a bone length .* 2 m, found 43.9.*unit",
    ):
        gait.read_bvh(DATA / "walk_lowerbody.bvh", length_unit_m=1.0)
    with pytest.raises(
        GaitTwinInputError,
        match=r"line 40 \(OFFSET of 'lfoot'\): expected the longest bone .* 0.05 m, found 0.0004",
    ):
        gait.read_bvh(DATA / "walk_lowerbody.bvh", length_unit_m=1e-5)


def test_byte_order_mark_reads_the_same(tmp_path):
    path = tmp_path / "bom.bvh"
    path.write_bytes(b"\xef\xbb\xbf" + (DATA / "walk_lowerbody.bvh").read_bytes())
    plain, marked = gait.read_bvh(DATA / "walk_lowerbody.bvh"), gait.read_bvh(path)
    np.testing.assert_array_equal(marked.local_rotations, plain.local_rotations)
    np.testing.assert_array_equal(marked.root_translation_m, plain.root_translation_m)


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


def _first_frame(text, edit):
    """Apply ``edit`` to the first frame line's list of values."""
    head, rest = text.split("Frame Time:", 1)
    time_line, first, tail = rest.split("\n", 2)
    return f"{head}Frame Time:{time_line}\n{' '.join(edit(first.split()))}\n{tail}"


def _set_value(column, value):
    return lambda t: _first_frame(t, lambda v: [*v[:column], value, *v[column + 1 :]])


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda t: t.rsplit("\n", 2)[0] + "\n", r"line 527: expected 471 frame lines"),
        (lambda t: t.replace("Frames:\t471", "Frames: 100"), r"line 158: expected 100 frame lines"),
        (lambda t: t.replace("Frames:\t471", "Frames: 472"), r"line 528: expected 472 frame lines"),
        (
            lambda t: t.replace("Frames:\t471", "Frames: 2.5"),
            r"line 56: expected a positive whole number of frames after 'Frames:', found '2.5'",
        ),
        (lambda t: t.replace("Frames:\t471", "Frames: 0"), r"line 56: .*found '0'"),
        (lambda t: t.replace("Frames:\t471", "Frames:"), r"line 56: expected 'Frames:' and one"),
        (
            lambda t: t.replace("0.00833333", "0"),
            r"line 57: expected a frame time in \(0, 1\] s, found '0'",
        ),
        (lambda t: t.replace("0.00833333", "-0.01"), r"line 57: .*found '-0.01'"),
        (lambda t: t.replace("0.00833333", "2"), r"line 57: expected a frame time .* found '2'"),
        (
            lambda t: t.replace("0.00833333", "nan"),
            r"line 57: expected finite numbers for Frame Time, found 'nan'",
        ),
        (lambda t: t.replace("0.00833333", "inf"), r"line 57: expected finite numbers"),
        (
            lambda t: t.replace("-0.574318", "-0.574318 1", 1),
            r"line 58: expected 30 values \(one per channel\), found 31",
        ),
        (
            lambda t: t.replace("-0.574318", "nan?", 1),
            r"line 58: expected numbers for channel values, found 'nan\?'",
        ),
        (
            lambda t: t.replace("-0.574318", "nan", 1),
            r"line 58: expected finite numbers for channel values, found 'nan'",
        ),
        (
            _set_value(7, "1e300"),
            r"line 58, column 8: expected rotations of 'rfemur' Xrotation within ±360 deg, "
            r"found 1e\+300",
        ),
        (_set_value(4, "-400"), r"line 58, column 5: .*'root' Xrotation .* found -400 deg"),
        (_set_value(2, "1e300"), r"line 58: expected the root within 100 m .* \(frame 1\)"),
        (
            _set_value(0, "106.9"),
            r"line 59: expected a root speed below 15 m/s, found 120 m/s from frame 1 to frame 2",
        ),
        (
            lambda t: t.replace("Zrotation", "Wrotation", 1),
            r"line 5: unknown channel 'Wrotation'",
        ),
        (
            lambda t: t.replace("CHANNELS 3 Zrotation Xrotation", "CHANNELS 3 Zrotation Zrotation"),
            r"line 9: expected each channel once, found 'Zrotation Zrotation Yrotation'",
        ),
        (
            lambda t: t.replace("CHANNELS 3 Zrotation", "CHANNELS 3.0 Zrotation", 1),
            r"line 9: expected 'CHANNELS n' followed by n channel names",
        ),
        (
            lambda t: t.replace("JOINT ltibia", "JOINT rtibia"),
            r"line 34: joint 'rtibia' defined again \(first at line 10\)",
        ),
        (
            lambda t: t.replace("OFFSET 1.06314e-05 -40.2124 0", "OFFSET 0 -400 0"),
            r"line 12 \(OFFSET of 'rtibia'\): expected a bone length of at most 2 m, found 4 m",
        ),
        (
            lambda t: t.replace("OFFSET 0 -6.57307 0", "OFFSET 0 -6.57307 0\nCHANNELS 1 Xrotation"),
            r"line 25: expected one CHANNELS line per joint and none in an End Site",
        ),
        (
            lambda t: t.replace(
                "    CHANNELS 3 Zrotation Xrotation Yrotation\n    JOINT rtibia", "    JOINT rtibia"
            ),
            r"line 28: joint 'rfemur' closed without CHANNELS",
        ),
        (
            lambda t: t.replace(
                "CHANNELS 3 Zrotation Xrotation Yrotation\n    JOINT rtibia",
                "CHANNELS 6 Xposition Yposition Zposition Zrotation Xrotation "
                "Yrotation\n    JOINT rtibia",
            ),
            r"line 58: expected 33 values",
        ),
    ],
)
def test_broken_bvh_raises_naming_file_and_line(tmp_path, edit, message):
    path = tmp_path / "broken.bvh"
    path.write_text(edit((DATA / "walk_lowerbody.bvh").read_text()))
    with pytest.raises(GaitTwinInputError, match=rf"bvh file '.*broken.bvh', {message}"):
        gait.read_bvh(path)
