"""Axis Neuron .calc export variants: round trips, declared units and frames, defaults, errors."""

import re

import numpy as np
import pytest
from scipy.spatial.transform import Rotation

import gait
import imu

#: A Y-up, centimetre, body-part-named export with FrameTime (the issue's example).
Y_UP_CM = imu.CalcLayout(
    header=("Zd", "BoneNumber", "FrameTime", "FrameCount", "Units", "World"),
    column_names="body_part",
    length_unit="cm",
    world_frame="Y-up",
)

VARIANTS = {
    "default": imu.CalcLayout(),
    "frame_time": imu.CalcLayout(header=("Zd", "BoneNumber", "FrameTime", "FrameCount")),
    "both_rates": imu.CalcLayout(header=("FrameRate", "FrameTime", "StartTime")),
    "only_the_rate": imu.CalcLayout(header=("FrameRate",)),
    "reordered": imu.CalcLayout(
        header=("World", "Units", "FrameRate", "Zd", "StartTime", "BoneNumber", "FrameCount"),
        length_unit="mm",
        world_frame="Z-up",
    ),
    "body_part": imu.CalcLayout(column_names="body_part"),
    "fingers": imu.CalcLayout(fingers=True),
    "body_part_fingers_contacts_at_end": imu.CalcLayout(
        column_names="body_part", fingers=True, contacts="at_end"
    ),
    "no_contacts": imu.CalcLayout(contacts="none"),
    "y_up_cm": Y_UP_CM,
    "every_unit": imu.CalcLayout(
        header=("FrameRate", "Units"),
        length_unit="mm",
        acceleration_unit="g",
        angular_velocity_unit="deg/s",
    ),
    "three_axis_world": imu.CalcLayout(
        header=("FrameRate", "World"), world_frame="X-backward Y-left Z-down"
    ),
}


@pytest.fixture(scope="module")
def full_walk(xsens_walk):
    """300 frames of the real walk plus known positions, velocities, rates and contacts."""
    part = xsens_walk.slice_frames(0, 300)
    n, s = part.n_frames, len(part.segments)
    rng = np.random.default_rng(16)
    return imu.ImuRecording(
        time_s=part.time_s + 2.5,
        sampling_rate_hz=part.sampling_rate_hz,
        segments=part.segments,
        quaternions=part.quaternions,
        acceleration_m_s2=part.acceleration_m_s2,
        angular_velocity_rad_s=rng.normal(scale=3.0, size=(n, s, 3)),
        position_m=rng.normal(scale=1.0, size=(n, s, 3)),
        velocity_m_s=rng.normal(scale=2.0, size=(n, s, 3)),
        foot_contacts=rng.random((n, 2)) < 0.5,
        metadata={"initial_direction": np.array([0.6, 0.8, 0.0])},
    )


def lines_of(path):
    return path.read_text().split("\n")


@pytest.mark.parametrize("name", sorted(VARIANTS))
def test_every_variant_round_trips(name, full_walk, tmp_path):
    layout = VARIANTS[name]
    path = imu.write_calc(full_walk, tmp_path / f"{name}.calc", layout=layout)
    back = imu.read_calc(path)
    assert back.metadata["calc_layout"] == layout
    assert back.segments == full_walk.segments
    assert back.sampling_rate_hz == pytest.approx(full_walk.sampling_rate_hz, rel=1e-10)
    start = 2.5 if "StartTime" in layout.header else 0.0
    np.testing.assert_allclose(back.time_s, full_walk.time_s - 2.5 + start, atol=1e-9)
    dots = np.abs(np.sum(back.quaternions * full_walk.quaternions, axis=-1))
    assert np.max(np.abs(dots - 1.0)) < 1e-7
    for field in ("position_m", "velocity_m_s", "acceleration_m_s2", "angular_velocity_rad_s"):
        np.testing.assert_allclose(getattr(back, field), getattr(full_walk, field), atol=1e-6)
    if layout.contacts == "none":
        assert back.foot_contacts is None
    else:
        np.testing.assert_array_equal(back.foot_contacts, full_walk.foot_contacts)
    if "Zd" in layout.header:
        np.testing.assert_allclose(back.metadata["initial_direction"], [0.6, 0.8, 0.0])
    else:
        assert back.metadata["initial_direction"] is None
    n_values = 16 * layout.n_bones + len(layout.contact_columns)
    assert len(lines_of(path)[len(layout.header) + 1].split("\t")) == n_values


def test_the_issue_example_is_written_as_stated(full_walk, tmp_path):
    path = imu.write_calc(full_walk.slice_frames(0, 10), tmp_path / "y_up.calc", layout=Y_UP_CM)
    lines = lines_of(path)
    assert lines[2:6] == ["FrameTime\t0.01", "FrameCount\t10", "Units\tcm", "World\tY-up"]
    columns = lines[6].split("\t")
    assert columns[:4] == [
        "Hips-Joint-Posi-x",
        "Hips-Joint-Posi-y",
        "Hips-Joint-Posi-z",
        "Hips-Joint-Velo-x",
    ]
    assert columns[6:10] == [f"Hips-Joint-Quat-{axis}" for axis in "wxyz"]
    assert columns[336:338] == ["LeftFootContact", "RightFootContact"]
    # Y up in the file: the pelvis height (gaittwin z, m) is the file's y, in cm
    hips_y_cm = float(lines[7].split("\t")[1])
    assert hips_y_cm == pytest.approx(100 * full_walk.position_m[0, 0, 2], rel=1e-8)


def test_undeclared_values_are_named_with_their_defaults(full_walk, tmp_path):
    plain = imu.read_calc(imu.write_calc(full_walk, tmp_path / "plain.calc"))
    assert plain.metadata["assumed_defaults"] == {
        "world_frame": "Z-down (X-forward Y-right Z-down)",
        "length_unit": "m",
        "acceleration_unit": "m/s^2",
        "angular_velocity_unit": "rad/s",
    }
    bare_layout = imu.CalcLayout(header=("FrameTime",))
    bare = imu.read_calc(imu.write_calc(full_walk, tmp_path / "bare.calc", layout=bare_layout))
    assert bare.metadata["assumed_defaults"]["start_time_s"] == 0.0
    assert bare.metadata["assumed_defaults"]["bone_count"] == 21
    declared = imu.read_calc(imu.write_calc(full_walk, tmp_path / "cm.calc", layout=Y_UP_CM))
    assert declared.metadata["assumed_defaults"] == {
        "start_time_s": 0.0,
        "acceleration_unit": "cm/s^2",
        "angular_velocity_unit": "rad/s",
    }
    assert declared.metadata["units"]["length"] == "cm"
    assert "X-forward Y-up Z-right" in declared.metadata["earth_frame"]


@pytest.fixture(scope="module")
def cmu_walk(data_dir):
    """CMU 16_15 through virtual Perception Neuron sensors (90 Hz, with a standing start)."""
    folder = data_dir / "cmu" / "16_15"
    take = gait.read_amc(folder / "16_15.amc", gait.read_asf(folder / "16.asf"))
    virtual, truth = gait.virtual_imu_from_motion(
        gait.motion_from_mocap(take), rng=np.random.default_rng(16)
    )
    return virtual.recording, truth


def angles_of(recording):
    return imu.joint_angles(recording, calibration=imu.calibrate(recording))


def test_a_y_up_centimetre_file_gives_the_angles_of_the_default_layout(cmu_walk, tmp_path):
    recording, truth = cmu_walk
    plain = angles_of(imu.read_calc(imu.write_calc(recording, tmp_path / "plain.calc")))
    y_up_path = imu.write_calc(recording, tmp_path / "y_up.calc", layout=Y_UP_CM)
    y_up = angles_of(imu.read_calc(y_up_path))
    assert plain.names == y_up.names
    for name in plain.names:
        difference_deg = np.rad2deg(np.abs(plain[name] - y_up[name]))
        assert np.max(difference_deg) < 0.1, name
    walking = plain.time_s > 3.0
    error_deg = np.rad2deg(plain["hip_adduction_r"][walking] - truth["hip_adduction_r"][walking])
    assert np.sqrt(np.mean(error_deg**2)) < 3.0
    # the same file with its World line removed is read in the default Z-down frame: the
    # issue's silent error, which the declared frame prevents
    lines = [line for line in lines_of(y_up_path) if not line.startswith("World\t")]
    y_up_path.write_text("\n".join(lines))
    misread = angles_of(imu.read_calc(y_up_path))
    wrong_deg = np.rad2deg(misread["hip_adduction_r"] - plain["hip_adduction_r"])
    assert np.sqrt(np.mean(wrong_deg**2)) > 5.0


# --- malformed headers and columns: a named error each -------------------------------------


def edited(tmp_path, recording, layout, edit):
    path = imu.write_calc(recording, tmp_path / "bad.calc", layout=layout)
    path.write_text("\n".join(edit(lines_of(path))))
    return path


def replace_line(index, text):
    def edit(lines):
        lines[index] = text
        return lines

    return edit


def insert_line(index, text):
    def edit(lines):
        lines.insert(index, text)
        return lines

    return edit


MALFORMED = {
    "first_line_not_numbers": (
        imu.CalcLayout(),
        replace_line(0, "Zd\t1\t0\tabc"),
        r"line 1: expected the initial direction 'Zd<TAB>x<TAB>y<TAB>z' \(3 numbers\), "
        r"found 'Zd\\t1\\t0\\tabc'",
    ),
    "first_line_two_numbers": (
        imu.CalcLayout(),
        replace_line(0, "Zd\t1\t0"),
        r"line 1: expected the initial direction",
    ),
    "unknown_length_unit": (
        Y_UP_CM,
        replace_line(4, "Units\tinch"),
        r"line 5, header 'Units': expected units among m, cm, mm, .*found 'inch' "
        r"\(a unit we cannot interpret\)",
    ),
    "two_length_units": (
        Y_UP_CM,
        replace_line(4, "Units\tcm\tmm"),
        r"line 5, header 'Units': expected one length unit, found 'cm' and 'mm'",
    ),
    "unknown_world_frame": (
        Y_UP_CM,
        replace_line(5, "World\tY-sideways"),
        r"line 6, header 'World': expected a world frame 'Z-down', 'Z-up', 'Y-up' or three "
        r"axis words .*found 'Y-sideways'",
    ),
    "left_handed_world_frame": (
        Y_UP_CM,
        replace_line(5, "World\tX-forward Y-left Z-down"),
        r"line 6, header 'World': expected a right-handed world frame .*"
        r"found 'X-forward Y-left Z-down'",
    ),
    "two_axes_on_one_line": (
        Y_UP_CM,
        replace_line(5, "World\tX-forward Y-backward Z-up"),
        r"line 6, header 'World': expected three axes along three different lines",
    ),
    "unknown_header_key": (
        imu.CalcLayout(),
        insert_line(2, "FrameRat\t90"),
        r"line 3: expected a header key among Zd, BoneNumber, .*found 'FrameRat' "
        r"\(unknown header line\)",
    ),
    "repeated_header_key": (
        imu.CalcLayout(),
        insert_line(2, "FrameRate\t90"),
        r"line 4: expected each header key once, found 'FrameRate' again \(first on line 3\)",
    ),
    "blank_header_line": (
        imu.CalcLayout(),
        insert_line(1, ""),
        r"line 2: expected a header line 'Key<TAB>value' or the column-header line, found ''",
    ),
    "rates_disagree": (
        VARIANTS["both_rates"],
        replace_line(1, "FrameTime\t0.02"),
        r"lines 1 and 2: expected FrameTime = 1 / FrameRate \(0.01 s\), found 0.02 s",
    ),
    "negative_frame_time": (
        VARIANTS["frame_time"],
        replace_line(2, "FrameTime\t-0.01"),
        r"line 3, header 'FrameTime': expected a positive number, found '-0.01'",
    ),
    "fractional_frame_count": (
        imu.CalcLayout(),
        replace_line(3, "FrameCount\t299.5"),
        r"line 4, header 'FrameCount': expected a whole number of frames, found '299.5'",
    ),
    "misspelt_body_part_column": (
        Y_UP_CM,
        replace_line(6, "\t".join(["Hips-Joint-Pos-x", *Y_UP_CM.columns()[1:]])),
        r"line 7, column 1: expected 'Hips-Joint-Posi-x', found 'Hips-Joint-Pos-x'",
    ),
    "unknown_column_style": (
        imu.CalcLayout(),
        replace_line(5, "\t".join(["Hips_x", *imu.CalcLayout().columns()[1:]])),
        r"line 6, column 1: expected '01-X-x' \(numbered columns\) or 'Hips-Joint-Posi-x' "
        r"\(body-part columns\), found 'Hips_x'",
    ),
    "bone_count_against_columns": (
        imu.CalcLayout(),
        replace_line(1, "BoneNumber\t59"),
        r"line 6: expected 946 column names for 59 bones, found 338",
    ),
    "no_column_header": (
        imu.CalcLayout(),
        lambda lines: lines[:5],
        r"expected a column-header line .* found none in the first 5 lines",
    ),
}


@pytest.mark.parametrize("name", sorted(MALFORMED))
def test_a_malformed_header_gives_a_named_error(name, full_walk, tmp_path):
    layout, edit, message = MALFORMED[name]
    path = edited(tmp_path, full_walk.slice_frames(0, 300), layout, edit)
    with pytest.raises(imu.GaitTwinInputError, match=rf"calc file '{re.escape(str(path))}'.*"):
        imu.read_calc(path)
    with pytest.raises(imu.GaitTwinInputError, match=message):
        imu.read_calc(path)


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"column_names": "numbers"}, r"CalcLayout.column_names: expected one of .*'numbers'"),
        ({"contacts": "before"}, r"CalcLayout.contacts: expected one of .*found 'before'"),
        ({"length_unit": "cm"}, r"expected a 'Units' header line to declare units"),
        ({"world_frame": "Y-up"}, r"expected a 'World' header line to declare a world frame"),
        ({"header": ("FrameCount",)}, r"CalcLayout.header: expected 'FrameRate' or 'FrameTime'"),
        ({"header": ("FrameRate", "Frames")}, r"CalcLayout.header: expected distinct keys"),
    ],
)
def test_a_layout_that_cannot_be_written_is_refused(fields, message):
    with pytest.raises(imu.GaitTwinInputError, match=message):
        imu.CalcLayout(**fields)


def test_world_frames_turn_file_vectors_into_gaittwin_vectors():
    y_up = imu.CalcLayout(header=("FrameRate", "World"), world_frame="Y-up").rotation_to_world
    np.testing.assert_allclose(y_up.apply([0.0, 1.0, 0.0]), [0.0, 0.0, 1.0], atol=1e-12)
    np.testing.assert_allclose(y_up.apply([0.0, 0.0, 1.0]), [0.0, -1.0, 0.0], atol=1e-12)
    z_down = imu.CalcLayout().rotation_to_world
    assert (z_down * Rotation.from_euler("x", 180, degrees=True)).magnitude() < 1e-12
