from pathlib import Path

import numpy as np
import pytest
from scipy.spatial.transform import Rotation

import gait
from imu import GaitTwinInputError

DATA = Path(__file__).parents[1] / "data" / "cmu"

#: Frame counts and speeds from ``tests/data/cmu/PROVENANCE.md`` (an independent reader).
TAKES = [
    ("02_01/02.asf", "02_01/02_01.amc", 343, 1.18),
    ("16_15/16.asf", "16_15/16_15.amc", 471, 1.09),
    ("07/07.asf", "07/07_01.amc", 316, 1.36),
    ("07/07.asf", "07/07_02.amc", 329, 1.32),
    ("07/07.asf", "07/07_03.amc", 415, 1.02),
    ("07/07.asf", "07/07_04.amc", 449, 0.93),
    ("07/07.asf", "07/07_05.amc", 517, 0.97),
    ("07/07.asf", "07/07_06.amc", 417, 1.23),
    ("07/07.asf", "07/07_07.amc", 379, 1.33),
    ("07/07.asf", "07/07_08.amc", 362, 1.37),
    ("07/07.asf", "07/07_09.amc", 306, 1.51),
    ("07/07.asf", "07/07_10.amc", 301, 1.61),
    ("07/07.asf", "07/07_11.amc", 315, 1.66),
]


@pytest.fixture(scope="module")
def skeleton16():
    return gait.read_asf(DATA / "16_15" / "16.asf")


@pytest.fixture(scope="module")
def motion16(skeleton16):
    return gait.motion_from_mocap(gait.read_amc(DATA / "16_15" / "16_15.amc", skeleton16))


def test_asf_length_unit_is_inch_over_045(skeleton16):
    metres = 0.0254 / 0.45
    assert skeleton16.metadata["length_unit_m"] == pytest.approx(metres)
    # lfemur: length 7.03469 ASF units -> offset of ltibia from lfemur
    offset = skeleton16.offsets_m[skeleton16.index("ltibia")]
    assert np.linalg.norm(offset) == pytest.approx(7.03469 * metres, rel=1e-6)
    assert skeleton16.parents[skeleton16.index("lfemur")] == skeleton16.index("lhipjoint")
    assert "ltoes_end" in skeleton16.joints


@pytest.mark.parametrize(("asf", "amc", "frames", "speed_m_s"), TAKES)
def test_takes_give_listed_frames_and_speed(asf, amc, frames, speed_m_s):
    take = gait.read_amc(DATA / amc, gait.read_asf(DATA / asf))
    motion = gait.motion_from_mocap(take)
    assert motion.n_frames == frames
    assert motion.sampling_rate_hz == 120.0
    path = motion.root_position_m
    speed = np.hypot(*(path[-1, :2] - path[0, :2])) / (motion.time_s[-1] - motion.time_s[0])
    assert speed == pytest.approx(speed_m_s, rel=0.02)
    # walking along +X from the origin, Z up at hip height
    assert path[0, :2] == pytest.approx([0.0, 0.0], abs=1e-9)
    assert path[-1, 1] == pytest.approx(0.0, abs=1e-6)
    assert path[-1, 0] > 2.0
    assert 0.7 < np.median(path[:, 2]) < 1.1
    assert motion.metadata["trial"] == Path(amc).stem
    assert motion.metadata["subject"] == Path(asf).stem


def _rest_take(skeleton, channels=None):
    """Three frames of the ASF rest pose; ``channels`` maps bone -> rotation matrix."""
    n = 3
    local = np.broadcast_to(np.eye(3), (n, len(skeleton.joints), 3, 3)).copy()
    for bone, matrix in (channels or {}).items():
        local[:, skeleton.index(bone)] = matrix
    return gait.MocapTake(skeleton, 120.0, np.tile([0.0, 0.95, 0.0], (n, 1)), local)


def _angles_deg(skeleton, channels=None):
    motion = gait.motion_from_mocap(
        _rest_take(skeleton, channels), heading_cutoff_hz=None, min_walk_m=1.0
    )
    return dict(
        zip(motion.joint_angles.names, np.rad2deg(motion.joint_angles.values_rad[0]), strict=True)
    )


def _femur_tilt_deg(skeleton, side):
    """Frontal-plane angle of the femur from vertical in the rest pose (CMU: X lateral)."""
    positions, _ = _rest_take(skeleton).forward_kinematics()
    d = positions[0, skeleton.index(f"{side}tibia")] - positions[0, skeleton.index(f"{side}femur")]
    return np.rad2deg(np.arctan2(d[0], -d[1]))


@pytest.mark.parametrize("asf", ["16_15/16.asf", "07/07.asf", "02_01/02.asf"])
def test_rest_pose_gives_zero_angles_except_the_spread_hips(asf):
    skeleton = gait.read_asf(DATA / asf)
    angles = _angles_deg(skeleton)
    spread = {"l": _femur_tilt_deg(skeleton, "l"), "r": -_femur_tilt_deg(skeleton, "r")}
    assert spread["l"] > 10 and spread["r"] > 10  # CMU rest pose: legs apart
    for name, value in angles.items():
        side = name[-1]
        expected = -spread[side] if name.startswith("hip_adduction") else 0.0
        assert value == pytest.approx(expected, abs=1.0), name


@pytest.mark.parametrize("asf", ["16_15/16.asf", "07/07.asf", "02_01/02.asf"])
def test_neutral_standing_gives_all_angles_zero(asf):
    skeleton = gait.read_asf(DATA / asf)
    # bring both femurs vertical by rotating about their (forward) z axis
    channels = {
        f"{side}femur": Rotation.from_euler(
            "z", -_femur_tilt_deg(skeleton, side), degrees=True
        ).as_matrix()
        for side in "lr"
    }
    for name, value in _angles_deg(skeleton, channels).items():
        assert value == pytest.approx(0.0, abs=1.0), name


def test_walking_angles_in_healthy_ranges(motion16):
    deg = {n: np.rad2deg(motion16.joint_angles[n]) for n in motion16.joint_angles.names}
    for side in "lr":
        knee = deg[f"knee_flexion_{side}"]
        assert 55 < knee.max() < 80 and knee.min() < 20
        hip = deg[f"hip_flexion_{side}"]
        assert 20 < hip.max() < 45 and -25 < hip.min() < -5
        assert np.ptp(deg[f"ankle_dorsiflexion_{side}"]) > 20
    contacts = motion16.foot_contacts
    assert 0.4 < contacts.mean() < 0.8 and contacts.any(axis=1).mean() > 0.9


def test_crlf_and_lf_read_the_same(tmp_path, skeleton16):
    for name in ("16.asf", "16_15.amc"):
        raw = (DATA / "16_15" / name).read_bytes()
        assert b"\r\n" in raw
        (tmp_path / name).write_bytes(raw.replace(b"\r\n", b"\n"))
    lf = gait.read_amc(tmp_path / "16_15.amc", gait.read_asf(tmp_path / "16.asf"))
    crlf = gait.read_amc(DATA / "16_15" / "16_15.amc", skeleton16)
    np.testing.assert_array_equal(lf.local_rotations, crlf.local_rotations)
    np.testing.assert_array_equal(lf.root_translation_m, crlf.root_translation_m)


def _broken_amc(tmp_path, edit):
    lines = (DATA / "16_15" / "16_15.amc").read_text().splitlines()
    path = tmp_path / "broken.amc"
    path.write_text("\n".join(edit(lines)) + "\n")
    return path


def _replace_first(prefix, new):
    def edit(lines):
        i = next(k for k, line in enumerate(lines) if line.startswith(prefix))
        lines[i] = new(lines[i])
        return lines

    return edit


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda lines: lines[:-5], r"line \d+: frame 471 .* incomplete: .* missing .*ltibia"),
        (
            _replace_first("rtibia", lambda s: s.replace("rtibia", "rshin")),
            r"line 27: unknown bone 'rshin'; expected an ASF bone",
        ),
        (
            _replace_first("rfemur", lambda s: s.rsplit(" ", 1)[0]),
            r"line 26: bone 'rfemur' expected 3 values \(rx ry rz\), found 2",
        ),
        (
            _replace_first("lfoot", lambda s: "lfoot -9.8 abc"),
            r"line 32: expected numbers for bone 'lfoot', found 'abc'",
        ),
        (
            lambda lines: [line for line in lines if line != "35"],
            r"line \d+: bone 'root' appears twice in frame 34",
        ),
    ],
)
def test_broken_amc_raises_naming_file_and_line(tmp_path, skeleton16, edit, message):
    path = _broken_amc(tmp_path, edit)
    with pytest.raises(GaitTwinInputError, match=rf"amc file '.*broken.amc', {message}"):
        gait.read_amc(path, skeleton16)


def test_asf_without_units_raises(tmp_path):
    text = (DATA / "16_15" / "16.asf").read_text()
    start = text.index(":units")
    end = text.index(":documentation")
    path = tmp_path / "nounits.asf"
    path.write_text(text[:start] + text[end:])
    with pytest.raises(
        GaitTwinInputError, match=r"asf file '.*nounits.asf': expected a ':units' section"
    ):
        gait.read_asf(path)


def test_asf_hierarchy_with_unknown_bone_raises(tmp_path):
    text = (DATA / "16_15" / "16.asf").read_text().replace("lfemur ltibia", "lfemur lshin")
    path = tmp_path / "bad.asf"
    path.write_text(text)
    with pytest.raises(GaitTwinInputError, match=r"line \d+: hierarchy names unknown bone 'lshin'"):
        gait.read_asf(path)


def _broken_asf(tmp_path, old, new):
    text = (DATA / "16_15" / "16.asf").read_text()
    assert old in text
    path = tmp_path / "broken.asf"
    path.write_text(text.replace(old, new, 1))
    return path


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        (
            "length 7.03469",
            "length -0.45",
            r"bone block at line 25 \('lfemur'\): expected a positive length, found -0.45",
        ),
        ("length 7.03469", "length nan", r"\('lfemur'\): expected finite numbers for length"),
        (
            "length 7.03469",
            "length 70",
            r"\('lfemur'\): expected a bone length of at most 2 m, found 3.95111 m",
        ),
        (
            "axis 0 0 20  XYZ",
            "axis 0 0 20  XYQ",
            r"\('lfemur'\): expected an axis order made of X, Y and Z once each .* found 'XYQ'",
        ),
        ("axis 0 0 20  XYZ", "axis 0 0 1e300  XYZ", r"\('lfemur'\): expected rotations of axis"),
        (
            "direction 0.34202 -0.939693 0  ",
            "direction 0.34202 -0.939693 0.5  ",
            r"\('lfemur'\): expected a unit direction vector, found norm 1.1",
        ),
        ("  length 0.45", "  length 0", r":units: expected a positive length, found '0'"),
        (
            "  length 0.45",
            "  length 1e5",
            r"\('ltibia'\): expected the longest bone .* 0.05 m, found 1.97669e-06 m .*length unit",
        ),
        (
            "    lfemur ltibia\n",
            "    lfemur ltibia\n    ltibia lhipjoint\n",
            r"line 317: bone 'lhipjoint' given parent 'ltibia', but it already has parent 'root' "
            r"\(line 314\)",
        ),
        (
            "    root lhipjoint rhipjoint lowerback",
            "    root rhipjoint lowerback\n    ltibia lhipjoint",
            r"line 312: bones not connected to root \(a loop or a missing hierarchy line\): "
            r"lhipjoint, lfemur, ltibia, lfoot, ltoes",
        ),
        (
            "name lfemur",
            "name ltibia",
            r"line 44: bone 'ltibia' defined again \(first at line 25\)",
        ),
        ("order TX TY TZ RX RY RZ", "order TX TY TZ RX RY RX", r":root: expected 'order' with"),
    ],
)
def test_broken_asf_raises_naming_file_and_place(tmp_path, old, new, message):
    path = _broken_asf(tmp_path, old, new)
    with pytest.raises(GaitTwinInputError, match=rf"asf file '.*broken.asf'.*{message}"):
        gait.read_asf(path)


def test_byte_order_mark_reads_the_same(tmp_path, skeleton16):
    for name in ("16.asf", "16_15.amc"):
        (tmp_path / name).write_bytes(b"\xef\xbb\xbf" + (DATA / "16_15" / name).read_bytes())
    marked = gait.read_amc(tmp_path / "16_15.amc", gait.read_asf(tmp_path / "16.asf"))
    plain = gait.read_amc(DATA / "16_15" / "16_15.amc", skeleton16)
    np.testing.assert_array_equal(marked.local_rotations, plain.local_rotations)
    np.testing.assert_array_equal(marked.root_translation_m, plain.root_translation_m)


def _replace_value(prefix, index, value):
    def edit(lines):
        i = next(k for k, line in enumerate(lines) if line.startswith(prefix))
        words = lines[i].split()
        words[index] = value
        lines[i] = " ".join(words)
        return lines

    return edit


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (
            _replace_value("rfemur", 1, "1e300"),
            r"line 26: expected rotations of bone 'rfemur' within ±360 deg, found 1e\+300 deg",
        ),
        (_replace_value("rfemur", 2, "-361"), r"line 26: .*'rfemur' .* found -361 deg"),
        (_replace_value("rfemur", 3, "inf"), r"line 26: expected finite numbers .* found 'inf'"),
        # float() reads other scripts' digits ('١٢' is 12); the format is ASCII
        (_replace_value("rfemur", 3, "١٢"), r"line 26: expected numbers .* found '١٢'"),
        (_replace_value("root", 5, "400"), r"line 5: expected rotations of bone 'root'"),
        (
            _replace_value("root", 1, "1e300"),
            r"line 5: expected the root within 100 m of the origin, found .* \(frame 1\)",
        ),
        (
            _replace_value("root", 3, "-10"),
            r"line 35: expected a root speed below 15 m/s, found 113 m/s from frame 1 to frame 2",
        ),
        (lambda lines: [":FOO", *lines], r"line 1: expected :FULLY-SPECIFIED, :DEGREES or"),
    ],
)
def test_implausible_amc_values_raise(tmp_path, skeleton16, edit, message):
    path = _broken_amc(tmp_path, edit)
    with pytest.raises(GaitTwinInputError, match=rf"amc file '.*broken.amc', {message}"):
        gait.read_amc(path, skeleton16)


def test_amc_sampling_rate_must_be_plausible(skeleton16):
    with pytest.raises(GaitTwinInputError, match=r"sampling_rate_hz: expected at least 1 Hz"):
        gait.read_amc(DATA / "16_15" / "16_15.amc", skeleton16, sampling_rate_hz=0.0)
