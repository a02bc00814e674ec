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


# --- Perception Neuron (Axis Neuron) BVH: a synthetic walk in that naming, known joint angles ---

#: Axis Neuron's lower body (cm, Y up, facing +Z, left = +X) and a short spine; the feet have
#: no toe joint, their End Site is the toe.
_NEURON_JOINTS = [
    # name, parent, offset (cm)
    ("Hips", None, (0.0, 0.0, 0.0)),
    ("RightUpLeg", "Hips", (-9.0, 0.0, 0.0)),
    ("RightLeg", "RightUpLeg", (0.0, -45.0, 0.0)),
    ("RightFoot", "RightLeg", (0.0, -43.0, 0.0)),
    ("LeftUpLeg", "Hips", (9.0, 0.0, 0.0)),
    ("LeftLeg", "LeftUpLeg", (0.0, -45.0, 0.0)),
    ("LeftFoot", "LeftLeg", (0.0, -43.0, 0.0)),
    ("Spine", "Hips", (0.0, 10.0, 0.0)),
    ("Spine1", "Spine", (0.0, 15.0, 0.0)),
    ("Neck", "Spine1", (0.0, 25.0, 0.0)),
    ("Head", "Neck", (0.0, 10.0, 0.0)),
]
_NEURON_END_SITES = {
    "RightFoot": (0.0, -8.0, 15.0),
    "LeftFoot": (0.0, -8.0, 15.0),
    "Head": (0, 15, 0),
}
_NEURON_ROTATIONS = ("Yrotation", "Xrotation", "Zrotation")
_NEURON_POSITIONS = ("Xposition", "Yposition", "Zposition")


def _known_walk(n=240, rate_hz=60.0, cadence_hz=0.9, speed_m_s=1.2):
    """Sagittal joint angles (deg, ISB signs) and the hips' path (cm) of a synthetic walk."""
    phase = 2 * np.pi * cadence_hz * np.arange(n) / rate_hz
    angles = {}
    for side, shift in (("r", 0.0), ("l", np.pi)):
        angles[f"hip_flexion_{side}"] = 10 + 25 * np.sin(phase + shift)
        angles[f"knee_flexion_{side}"] = 30 + 28 * np.sin(phase + shift + 1.2)
        angles[f"ankle_dorsiflexion_{side}"] = 12 * np.sin(phase + shift - 0.6)
    path_cm = np.stack(
        [np.zeros(n), 92 + np.sin(2 * phase), speed_m_s * 100 * np.arange(n) / rate_hz], axis=1
    )
    return angles, path_cm, rate_hz


def _write_neuron_bvh(path, *, displacement=False):
    """Write the known walk as an Axis Neuron BVH (``displacement``: six channels per joint).

    A rotation about the joint's X axis (the left-pointing axis of the rest pose) by +a moves
    the distal bone backwards: hip flexion = -a, knee flexion = +a, ankle dorsiflexion = -a.
    """
    angles, path_cm, rate_hz = _known_walk()
    lines, columns = ["HIERARCHY"], []
    children = {}
    for name, parent, _ in _NEURON_JOINTS:
        children.setdefault(parent, []).append(name)
    offsets = {name: offset for name, _, offset in _NEURON_JOINTS}

    def joint(name, depth):
        pad = "  " * depth
        root = depth == 0
        lines.append(f"{pad}{'ROOT' if root else 'JOINT'} {name}")
        lines.append(f"{pad}{{")
        lines.append(f"{pad}  OFFSET {' '.join(f'{v:.6f}' for v in offsets[name])}")
        chans = (
            (*_NEURON_POSITIONS, *_NEURON_ROTATIONS) if root or displacement else _NEURON_ROTATIONS
        )
        lines.append(f"{pad}  CHANNELS {len(chans)} {' '.join(chans)}")
        columns.extend((name, c) for c in chans)
        for child in children.get(name, []):
            joint(child, depth + 1)
        if name in _NEURON_END_SITES:
            end = " ".join(f"{v:.6f}" for v in _NEURON_END_SITES[name])
            lines.extend([f"{pad}  End Site", f"{pad}  {{", f"{pad}    OFFSET {end}", f"{pad}  }}"])
        lines.append(f"{pad}}}")

    joint("Hips", 0)
    n = len(path_cm)
    lines += ["MOTION", f"Frames: {n}", f"Frame Time: {1 / rate_hz:.6f}"]
    x_rotation = {}
    for side, label in (("r", "Right"), ("l", "Left")):
        x_rotation[f"{label}UpLeg"] = -angles[f"hip_flexion_{side}"]
        x_rotation[f"{label}Leg"] = angles[f"knee_flexion_{side}"]
        x_rotation[f"{label}Foot"] = -angles[f"ankle_dorsiflexion_{side}"]
    for k in range(n):
        values = []
        for name, channel in columns:
            if channel in _NEURON_POSITIONS:
                axis = _NEURON_POSITIONS.index(channel)
                values.append(path_cm[k, axis] if name == "Hips" else offsets[name][axis])
            elif channel == "Xrotation":
                values.append(x_rotation.get(name, np.zeros(n))[k])
            else:
                values.append(0.0)
        lines.append(" ".join(f"{v:.6f}" for v in values))
    path.write_text("\n".join(lines) + "\n")
    return angles


@pytest.mark.parametrize("displacement", [False, True])
def test_perception_neuron_bvh_gives_the_known_walk(tmp_path, displacement):
    angles = _write_neuron_bvh(tmp_path / "neuron.bvh", displacement=displacement)
    take = gait.read_bvh(tmp_path / "neuron.bvh")
    assert gait.leg_bones_for(take.skeleton) is gait.PERCEPTION_NEURON_BONES
    motion = gait.motion_from_mocap(take, heading_cutoff_hz=None)
    for name, expected_deg in angles.items():
        found = np.rad2deg(motion.joint_angles[name])
        np.testing.assert_allclose(found, expected_deg, atol=1e-3, err_msg=name)
    for name in motion.joint_angles.names:
        if name not in angles:
            assert np.abs(np.rad2deg(motion.joint_angles[name])).max() < 1e-3, name
    path = motion.root_position_m
    speed = (path[-1, 0] - path[0, 0]) / motion.time_s[-1]
    assert speed == pytest.approx(1.2, rel=1e-4)  # walked along +Z in the file, +X here
    assert np.abs(path[:, 1]).max() < 1e-9
    np.testing.assert_allclose(
        path[:, 2], 0.92 + 0.01 * np.sin(4 * np.pi * 0.9 * motion.time_s), atol=1e-4
    )


def test_perception_neuron_bone_that_stretches_raises(tmp_path):
    _write_neuron_bvh(tmp_path / "neuron.bvh", displacement=True)
    text = (tmp_path / "neuron.bvh").read_text().splitlines()
    values = text[-1].split()
    values[13] = "-40"  # RightLeg Yposition: -45 cm in its OFFSET
    text[-1] = " ".join(values)
    (tmp_path / "neuron.bvh").write_text("\n".join(text) + "\n")
    with pytest.raises(
        GaitTwinInputError,
        match=rf"line {len(text)}, column 13: joint 'RightLeg': expected position channels equal "
        r"to its OFFSET .* found 0.05 m away",
    ):
        gait.read_bvh(tmp_path / "neuron.bvh")


def test_unknown_bone_names_raise_naming_both_conventions():
    take = gait.read_bvh(DATA / "walk_lowerbody.bvh")
    renamed = gait.Skeleton(
        tuple(j.replace("femur", "thigh") for j in take.skeleton.joints),
        take.skeleton.parents,
        take.skeleton.offsets_m,
        take.skeleton.rest_rotations,
        {"file": "renamed.bvh"},
    )
    with pytest.raises(
        GaitTwinInputError,
        match=r"skeleton 'renamed.bvh': expected the leg joints of a known naming.*CMU lacks "
        r"lfemur, rfemur; Perception Neuron lacks Hips",
    ):
        gait.leg_bones_for(renamed)


def test_toeless_foot_straight_above_its_end_site_raises(tmp_path):
    _write_neuron_bvh(tmp_path / "neuron.bvh")
    text = (tmp_path / "neuron.bvh").read_text()
    (tmp_path / "flat.bvh").write_text(
        text.replace("OFFSET 0.000000 -8.000000 15.000000", "OFFSET 0 -8 0")
    )
    take = gait.read_bvh(tmp_path / "flat.bvh")
    with pytest.raises(
        GaitTwinInputError,
        match=r"flat.bvh': joint 'LeftFoot_end': expected the toe in front of the ankle",
    ):
        gait.motion_from_mocap(take)
