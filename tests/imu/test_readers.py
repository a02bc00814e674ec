"""Readers: real-data facts, round trips, and one contract for malformed files (every reader)."""

import re
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy.spatial.transform import Rotation

import imu

MTW_FILES = ("MT_012005D6_009-001_00B42279.txt", "MT_012005D6_009-001_00B4227C.txt")
DOT_FILES = ("Pelvis_20210820_202113_836.csv", "RFemur_20210820_202113_840.csv")


def angle_deg(q1, q2):
    """Angle between two orientation series, deg (sign of the quaternions ignored)."""
    return np.rad2deg((Rotation.from_quat(q1).inv() * Rotation.from_quat(q2)).magnitude())


# --- real data -------------------------------------------------------------------------------


def test_mtw_walk_has_eight_aligned_sensors(xsens_walk, data_dir):
    raw = {
        path.name[-12:-4]: pd.read_csv(path, sep="\t", skiprows=5)
        for path in sorted((data_dir / "xsens_mtw_walk").glob("*.txt"))
    }
    assert len(raw) == 8
    assert set(xsens_walk.segments) == set(imu.SEGMENTS)
    assert xsens_walk.sampling_rate_hz == 100.0
    assert 24.0 <= xsens_walk.duration_s <= 25.0
    first = max(table["PacketCounter"].iloc[0] for table in raw.values())
    last = min(table["PacketCounter"].iloc[-1] for table in raw.values())
    assert (xsens_walk.metadata["clock_start"], xsens_walk.metadata["clock_stop"]) == (first, last)
    assert xsens_walk.n_frames == last - first + 1
    assert xsens_walk.metadata["gaps"] == []
    assert xsens_walk.metadata["sensor_ids"] == {
        segment: sensor for sensor, segment in imu.MTW_SENSOR_SEGMENTS.items()
    }


def test_mtw_quaternions_are_the_column_by_column_matrices(xsens_walk, data_dir):
    sensor = "00B4227D"
    table = pd.read_csv(
        data_dir / f"xsens_mtw_walk/MT_012005D6_009-001_{sensor}.txt", sep="\t", skiprows=5
    )
    k = xsens_walk.index(imu.MTW_SENSOR_SEGMENTS[sensor])
    for row in (0, 1234, xsens_walk.n_frames - 1):
        matrix = np.array(
            [[table[f"Mat[{i}][{j}]"].iloc[row] for j in (1, 2, 3)] for i in (1, 2, 3)]
        )
        got = Rotation.from_quat(xsens_walk.quaternions[row, k]).as_matrix()
        np.testing.assert_allclose(got, matrix, atol=2e-6)


def test_mtw_standing_specific_force_points_up_in_the_earth_frame(xsens_walk):
    first_second = slice(0, int(xsens_walk.sampling_rate_hz))
    for k, segment in enumerate(xsens_walk.segments):
        rotation = Rotation.from_quat(xsens_walk.quaternions[first_second, k])
        world = rotation.apply(np.array(xsens_walk.acceleration_m_s2[first_second, k]))
        mean = world.mean(axis=0)
        assert 9.5 < mean[2] < 10.1, segment
        assert np.hypot(mean[0], mean[1]) < 0.3, segment


def test_mtw_sensor_map_remaps_sensor_ids(data_dir):
    files = [data_dir / "xsens_mtw_walk" / name for name in MTW_FILES]
    recording = imu.read_xsens_mtw(files, sensor_map={"00B42279": "torso", "00B4227C": "thigh_l"})
    assert recording.segments == ("thigh_l", "torso")


def test_mtw_reads_a_single_file(data_dir):
    recording = imu.read_xsens_mtw(data_dir / "xsens_mtw_walk" / MTW_FILES[1])
    assert recording.segments == ("thigh_r",)
    assert recording.metadata["trimmed_samples"] == {"00B4227C (thigh_r)": (0, 0)}


@pytest.fixture(scope="module")
def dot(data_dir):
    return imu.read_xsens_dot(data_dir / "xsens_dot_nonwalk")


def test_dot_has_five_sensors_at_60_hz_and_only_the_left_thigh_has_gaps(dot, data_dir):
    assert dot.segments == ("pelvis", "thigh_r", "shank_r", "thigh_l", "shank_l")
    assert dot.sampling_rate_hz == 60.0
    assert {gap["sensor"] for gap in dot.metadata["gaps"]} == {"LFemur (thigh_l)"}
    raw = pd.read_csv(next((data_dir / "xsens_dot_nonwalk").glob("LFemur_*.csv")), skiprows=11)
    steps = np.rint(np.diff(raw["SampleTimeFine"].to_numpy()) / (1e6 / 60)).astype(int)
    assert len(dot.metadata["gaps"]) == np.count_nonzero(steps > 1)
    assert sum(g["n_missing"] for g in dot.metadata["gaps"]) == np.sum(steps[steps > 1] - 1)
    longest = max(g["duration_s"] for g in dot.metadata["gaps"])
    assert longest == pytest.approx(steps.max() / 60)
    assert longest <= imu.DEFAULT_MAX_GAP_S


def test_dot_gaps_are_filled_between_their_neighbours(dot):
    k = dot.index("thigh_l")
    fs = dot.sampling_rate_hz
    for gap in dot.metadata["gaps"]:
        before = round(gap["start_s"] * fs) - 1
        after = before + gap["n_missing"] + 1
        if before < 0 or after >= dot.n_frames:
            continue
        span = angle_deg(dot.quaternions[before, k], dot.quaternions[after, k])
        for i in range(before + 1, after):
            assert angle_deg(dot.quaternions[before, k], dot.quaternions[i, k]) <= span + 1e-9
            assert angle_deg(dot.quaternions[i, k], dot.quaternions[after, k]) <= span + 1e-9


def test_dot_quaternions_are_converted_from_scalar_first(dot, data_dir):
    raw = pd.read_csv(next((data_dir / "xsens_dot_nonwalk").glob("RTibia_*.csv")), skiprows=11)
    k = dot.index("shank_r")
    start = dot.metadata["clock_start"]
    row = int(np.flatnonzero(raw["SampleTimeFine"].to_numpy() == start)[0]) + 100
    wxyz = raw[["Quat_W", "Quat_X", "Quat_Y", "Quat_Z"]].to_numpy()[row]
    expected = wxyz[[1, 2, 3, 0]] / np.linalg.norm(wxyz)
    np.testing.assert_allclose(dot.quaternions[100, k], expected, atol=1e-12)


def test_dot_free_acceleration_is_kept_as_exported_beside_the_specific_force(dot):
    free = dot.metadata["free_acceleration_m_s2"]
    assert free.shape == dot.acceleration_m_s2.shape == (dot.n_frames, 5, 3)
    assert "gravity removed" in dot.metadata["free_acceleration_note"]
    assert np.abs(np.median(free[..., 2])) < 1.0


# --- round trips -----------------------------------------------------------------------------


def test_calc_round_trip_of_the_real_walk(xsens_walk, tmp_path):
    path = imu.write_calc(xsens_walk, tmp_path / "walk.calc")
    back = imu.read_calc(path)
    assert back.segments == xsens_walk.segments
    np.testing.assert_array_equal(back.time_s, xsens_walk.time_s)
    assert back.sampling_rate_hz == xsens_walk.sampling_rate_hz
    dots = np.abs(np.sum(back.quaternions * xsens_walk.quaternions, axis=-1))
    assert np.max(np.abs(dots - 1.0)) < 1e-6
    np.testing.assert_allclose(back.acceleration_m_s2, xsens_walk.acceleration_m_s2, atol=1e-6)
    assert back.metadata["absent_body_parts"] == []


def test_calc_files_are_z_down_and_read_back_z_up(tmp_path):
    n = 5
    position = np.tile([0.1, 0.2, 0.9], (n, 1, 1))
    recording = imu.ImuRecording(
        time_s=np.arange(n) / 90.0,
        sampling_rate_hz=90.0,
        segments=("pelvis",),
        quaternions=np.tile([0.0, 0.0, 0.0, 1.0], (n, 1, 1)),
        position_m=position,
        foot_contacts=np.tile([True, False], (n, 1)),
    )
    path = imu.write_calc(recording, tmp_path / "pelvis.calc")
    lines = path.read_text().splitlines()
    hips = [float(v) for v in lines[6].split("\t")[:10]]
    assert hips[:3] == pytest.approx([0.1, -0.2, -0.9])
    assert abs(hips[7]) == pytest.approx(1.0)
    back = imu.read_calc(path)
    assert back.segments == ("pelvis",)
    np.testing.assert_allclose(back.position_m, position)
    np.testing.assert_array_equal(back.foot_contacts, recording.foot_contacts)
    assert set(back.metadata["absent_body_parts"]) == set(imu.CALC_SEGMENTS) - {"Hips"}
    assert back.metadata["earth_frame"].startswith("gaittwin world: Z up")


def test_imu_csv_round_trip_keeps_every_field(xsens_walk, tmp_path):
    part = xsens_walk.slice_frames(100, 400)
    n, s = part.n_frames, len(part.segments)
    rng = np.random.default_rng(7)
    full = imu.ImuRecording(
        time_s=part.time_s,
        sampling_rate_hz=part.sampling_rate_hz,
        segments=part.segments,
        quaternions=part.quaternions,
        acceleration_m_s2=part.acceleration_m_s2,
        angular_velocity_rad_s=rng.normal(size=(n, s, 3)),
        magnetic_field=rng.normal(size=(n, s, 3)),
        position_m=rng.normal(size=(n, s, 3)),
        velocity_m_s=rng.normal(size=(n, s, 3)),
        foot_contacts=rng.random((n, 2)) < 0.5,
        metadata={"earth_frame": part.metadata["earth_frame"]},
    )
    back = imu.read_imu_csv(imu.write_imu_csv(full, tmp_path / "walk.csv"))
    assert back.segments == full.segments
    assert back.sampling_rate_hz == full.sampling_rate_hz
    assert back.metadata["earth_frame"] == full.metadata["earth_frame"]
    np.testing.assert_allclose(back.time_s, full.time_s, rtol=1e-11)
    for name in ("quaternions", *imu.IMU_CSV_FIELDS):
        np.testing.assert_allclose(getattr(back, name), getattr(full, name), atol=1e-10)
    np.testing.assert_array_equal(back.foot_contacts, full.foot_contacts)


def test_imu_csv_needs_an_earth_frame_to_write(xsens_walk, tmp_path):
    bare = imu.ImuRecording(
        xsens_walk.time_s, xsens_walk.sampling_rate_hz, xsens_walk.segments, xsens_walk.quaternions
    )
    with pytest.raises(
        imu.GaitTwinInputError, match=r"expected recording.metadata\['earth_frame'\]"
    ):
        imu.write_imu_csv(bare, tmp_path / "x.csv")


def test_write_calc_rejects_a_non_uniform_time_base(xsens_walk, tmp_path):
    time_s = np.array(xsens_walk.time_s)
    time_s[10:] += 0.004
    shifted = imu.ImuRecording(time_s, 100.0, xsens_walk.segments, xsens_walk.quaternions)
    with pytest.raises(
        imu.GaitTwinInputError, match=r"expected time_s sampled uniformly at 100 Hz"
    ):
        imu.write_calc(shifted, tmp_path / "x.calc")


# --- the contract for malformed files --------------------------------------------------------


@dataclass
class Case:
    """A valid file of one format made in tmp_path, and where to break it."""

    name: str
    make: Callable  # (tmp_path, xsens_walk, data_dir) -> (file to break, what to read)
    read: Callable  # (what to read) -> ImuRecording
    sep: str
    first_data_line: int
    value_column: str
    clock_column: str | None
    rate_line: int
    rate_field: str
    orientation_column: str
    unknown: Callable  # (file) -> (what to read, regex of the message)


def copy_files(folder: Path, names, target: Path) -> Path:
    target.mkdir()
    for name in names:
        shutil.copy(folder / name, target / name)
    return target


def make_mtw(tmp_path, walk, data_dir):
    folder = copy_files(data_dir / "xsens_mtw_walk", MTW_FILES, tmp_path / "mtw")
    return folder / MTW_FILES[0], folder


def make_dot(tmp_path, walk, data_dir):
    folder = copy_files(data_dir / "xsens_dot_nonwalk", DOT_FILES, tmp_path / "dot")
    return folder / DOT_FILES[0], folder


def make_calc(tmp_path, walk, data_dir):
    path = imu.write_calc(walk.slice_frames(0, 300), tmp_path / "walk.calc")
    return path, path


#: A Y-up, centimetre export with body-part column names, fingers and contacts at the end.
CALC_VARIANT = imu.CalcLayout(
    header=("Zd", "BoneNumber", "FrameRate", "FrameCount", "Units", "World"),
    column_names="body_part",
    contacts="at_end",
    fingers=True,
    length_unit="cm",
    world_frame="Y-up",
)


def make_calc_variant(tmp_path, walk, data_dir):
    path = imu.write_calc(walk.slice_frames(0, 300), tmp_path / "walk.calc", layout=CALC_VARIANT)
    return path, path


def make_csv(tmp_path, walk, data_dir):
    path = imu.write_imu_csv(walk.slice_frames(0, 300), tmp_path / "walk.csv")
    return path, path


def rename_to(path: Path, name: str) -> Path:
    path.rename(path.with_name(name))
    return path.parent


def edit_header(path: Path, line: int, old: str, new: str) -> Path:
    lines = read_lines(path)
    assert old in lines[line - 1]
    lines[line - 1] = lines[line - 1].replace(old, new)
    write_lines(path, lines)
    return path


CASES = [
    Case(
        "xsens_mtw",
        make_mtw,
        imu.read_xsens_mtw,
        "\t",
        7,
        "Acc_X",
        "PacketCounter",
        2,
        "Update Rate",
        "Mat[1][1]",
        lambda p: (
            rename_to(p, "MT_012005D6_009-001_00B4FFFF.txt"),
            r"unknown sensor id '00B4FFFF'",
        ),
    ),
    Case(
        "xsens_dot",
        make_dot,
        imu.read_xsens_dot,
        ",",
        13,
        "Quat_X",
        "SampleTimeFine",
        6,
        "OutputRate",
        "Quat_X",
        lambda p: (rename_to(p, "LHumerus_1.csv"), r"unknown body part 'LHumerus'"),
    ),
    Case(
        "calc",
        make_calc,
        imu.read_calc,
        "\t",
        7,
        "01-Q-x",
        None,
        3,
        "FrameRate",
        "01-Q-x",
        lambda p: (
            edit_header(p, 6, "01-X-x", "01-Z-x"),
            r"line 6, column 1: expected '01-X-x', found '01-Z-x' \(unknown body part or channel\)",
        ),
    ),
    Case(
        "calc_variant",
        make_calc_variant,
        imu.read_calc,
        "\t",
        8,
        "Hips-Joint-Posi-y",
        None,
        3,
        "FrameRate",
        "Hips-Joint-Quat-x",
        lambda p: (
            edit_header(p, 7, "Hips-Joint-Posi-x", "Hips-Joint-Posx-x"),
            r"line 7, column 1: expected 'Hips-Joint-Posi-x', found 'Hips-Joint-Posx-x' "
            r"\(unknown body part or channel\)",
        ),
    ),
    Case(
        "imu_csv",
        make_csv,
        imu.read_imu_csv,
        ",",
        5,
        "pelvis_qx",
        "time_s",
        2,
        "sampling_rate_hz",
        "pelvis_qx",
        lambda p: (
            edit_header(p, 4, "pelvis_qx", "pelvis_quat_x"),
            r"column 2 'pelvis_quat_x': unknown column",
        ),
    ),
]
ALL = [pytest.param(case, id=case.name) for case in CASES]
WITH_CLOCK = [pytest.param(case, id=case.name) for case in CASES if case.clock_column]
MULTI_SENSOR = [pytest.param(case, id=case.name) for case in CASES if case.name.startswith("xsens")]


def read_lines(path: Path) -> list[str]:
    """Lines without their endings (CRLF files keep their '\\r' through write_lines)."""
    return path.read_bytes().decode("utf-8").split("\n")


def write_lines(path: Path, lines: list[str]) -> None:
    path.write_bytes("\n".join(lines).encode("utf-8"))


def columns_of(path: Path, case: Case) -> list[str]:
    return read_lines(path)[case.first_data_line - 2].rstrip("\r \t").split(case.sep)


def set_value(path: Path, case: Case, line: int, column: str, text: str) -> None:
    lines = read_lines(path)
    index = columns_of(path, case).index(column)
    ending = "\r" if lines[line - 1].endswith("\r") else ""
    fields = lines[line - 1].rstrip("\r").split(case.sep)
    fields[index] = text
    lines[line - 1] = case.sep.join(fields) + ending
    write_lines(path, lines)


@pytest.fixture
def prepared(request, tmp_path, xsens_walk, data_dir):
    case = request.param
    path, target = case.make(tmp_path, xsens_walk, data_dir)
    return case, path, target


@pytest.mark.parametrize("prepared", ALL, indirect=True)
def test_valid_copies_read(prepared):
    case, _, target = prepared
    assert case.read(target).n_frames > 100


@pytest.mark.parametrize("prepared", ALL, indirect=True)
def test_a_truncated_last_row_is_rejected(prepared):
    case, path, target = prepared
    lines = read_lines(path)
    last = len(lines) - (1 if lines[-1] == "" else 0)
    ending = "\r" if lines[last - 1].endswith("\r") else ""
    n = len(columns_of(path, case))
    lines[last - 1] = case.sep.join(lines[last - 1].rstrip("\r").split(case.sep)[: n // 2]) + ending
    write_lines(path, lines)
    with pytest.raises(
        imu.GaitTwinInputError,
        match=rf"'{re.escape(str(path))}', line {last}: expected {n} values .*found {n // 2}",
    ):
        case.read(target)


@pytest.mark.parametrize("prepared", ALL, indirect=True)
def test_a_row_with_an_extra_value_is_rejected(prepared):
    case, path, target = prepared
    line = case.first_data_line + 20
    lines = read_lines(path)
    lines[line - 1] = lines[line - 1].replace(case.sep, case.sep + "0" + case.sep, 1)
    write_lines(path, lines)
    n = len(columns_of(path, case))
    with pytest.raises(
        imu.GaitTwinInputError, match=rf"line {line}: expected {n} values .*found {n + 1}"
    ):
        case.read(target)


@pytest.mark.parametrize("prepared", ALL, indirect=True)
def test_a_non_numeric_value_is_rejected(prepared):
    case, path, target = prepared
    line = case.first_data_line + 30
    set_value(path, case, line, case.value_column, "abc")
    with pytest.raises(
        imu.GaitTwinInputError,
        match=rf"line {line}, column '{re.escape(case.value_column)}': expected a number, "
        r"found 'abc'",
    ):
        case.read(target)


@pytest.mark.parametrize("prepared", ALL, indirect=True)
def test_a_nan_is_rejected(prepared):
    case, path, target = prepared
    line = case.first_data_line + 40
    set_value(path, case, line, case.value_column, "nan")
    with pytest.raises(
        imu.GaitTwinInputError,
        match=rf"line {line}, column '{re.escape(case.value_column)}': expected a finite "
        r"number, found 'nan'",
    ):
        case.read(target)


@pytest.mark.parametrize("prepared", ALL, indirect=True)
def test_an_empty_value_is_rejected(prepared):
    case, path, target = prepared
    line = case.first_data_line + 50
    set_value(path, case, line, case.value_column, "")
    with pytest.raises(
        imu.GaitTwinInputError, match=rf"line {line}, column .*found an empty field"
    ):
        case.read(target)


@pytest.mark.parametrize("prepared", ALL, indirect=True)
def test_an_unknown_sensor_body_part_or_column_is_rejected(prepared):
    case, path, _ = prepared
    target, message = case.unknown(path)
    with pytest.raises(imu.GaitTwinInputError, match=message):
        case.read(target)


@pytest.mark.parametrize("prepared", WITH_CLOCK, indirect=True)
def test_a_clock_that_goes_back_is_rejected(prepared):
    case, path, target = prepared
    line = case.first_data_line + 60
    index = columns_of(path, case).index(case.clock_column)
    earlier = read_lines(path)[line - 3].rstrip("\r").split(case.sep)[index]
    set_value(path, case, line, case.clock_column, earlier)
    with pytest.raises(
        imu.GaitTwinInputError,
        match=rf"line {line}(, column '{case.clock_column}')?: expected {case.clock_column} to "
        r"increase",
    ):
        case.read(target)


@pytest.mark.parametrize("prepared", ALL, indirect=True)
def test_a_missing_rate_is_rejected(prepared):
    case, path, target = prepared
    lines = read_lines(path)
    assert case.rate_field in lines[case.rate_line - 1]
    lines[case.rate_line - 1] = lines[case.rate_line - 1].replace(case.rate_field, "Comment")
    write_lines(path, lines)
    with pytest.raises(
        imu.GaitTwinInputError,
        match=rf"'{re.escape(str(path))}', lines? .*expected a header line '(// |# )?"
        rf"{case.rate_field}",
    ):
        case.read(target)


@pytest.mark.parametrize("prepared", ALL, indirect=True)
def test_a_missing_file_is_rejected(prepared, tmp_path):
    case, _, _ = prepared
    with pytest.raises(imu.GaitTwinInputError, match=r"expected .*found no"):
        case.read(tmp_path / "does_not_exist")


@pytest.mark.parametrize("prepared", MULTI_SENSOR, indirect=True)
def test_a_gap_longer_than_the_limit_is_rejected(prepared):
    case, path, target = prepared
    lines = read_lines(path)
    start = case.first_data_line + 100
    del lines[start - 1 : start + 19]
    write_lines(path, lines)
    with pytest.raises(
        imu.GaitTwinInputError,
        match=rf"'{re.escape(str(path))}' \(.*\): expected gaps of at most 0.1 s \(max_gap_s\), "
        rf"found 20 missing samples .* between line {start - 1} .* and line {start}",
    ):
        case.read(target)
    assert case.read(target, max_gap_s=1.0).metadata["gaps"][0]["n_missing"] == 20


@pytest.mark.parametrize("prepared", ALL, indirect=True)
def test_an_orientation_that_is_not_a_rotation_is_rejected(prepared):
    case, path, target = prepared
    line = case.first_data_line + 70
    set_value(path, case, line, case.orientation_column, "5")
    with pytest.raises(
        imu.GaitTwinInputError,
        match=rf"line {line}: expected a (unit quaternion|rotation matrix) in columns",
    ):
        case.read(target)


def test_calc_rows_must_match_the_frame_count(xsens_walk, tmp_path):
    path = imu.write_calc(xsens_walk.slice_frames(0, 50), tmp_path / "short.calc")
    lines = read_lines(path)
    write_lines(path, [*lines[:-2], ""])
    with pytest.raises(
        imu.GaitTwinInputError, match=r"expected 50 frames \(FrameCount in the header\), found 49"
    ):
        imu.read_calc(path)


def test_calc_contact_flags_must_be_0_or_1(xsens_walk, tmp_path):
    path = imu.write_calc(xsens_walk.slice_frames(0, 50), tmp_path / "contacts.calc")
    lines = read_lines(path)
    fields = lines[9].split("\t")
    fields[len(imu.CALC_BODY_PARTS) * 16] = "2"
    lines[9] = "\t".join(fields)
    write_lines(path, lines)
    with pytest.raises(
        imu.GaitTwinInputError, match=r"line 10, column 'contactL': expected a contact flag 0 or 1"
    ):
        imu.read_calc(path)


def test_calc_bone_count_must_be_21_or_59(xsens_walk, tmp_path):
    path = imu.write_calc(xsens_walk.slice_frames(0, 50), tmp_path / "bones.calc")
    edit_header(path, 2, "BoneNumber\t21", "BoneNumber\t33")
    with pytest.raises(imu.GaitTwinInputError, match=r"line 2: expected the bone count"):
        imu.read_calc(path)


def test_xsens_files_must_share_one_rate(data_dir, tmp_path):
    folder = copy_files(data_dir / "xsens_mtw_walk", MTW_FILES, tmp_path / "mtw")
    edit_header(folder / MTW_FILES[1], 2, "100.0Hz", "50.0Hz")
    with pytest.raises(
        imu.GaitTwinInputError, match=r"expected the rate of .* \(100 Hz\), found 50 Hz"
    ):
        imu.read_xsens_mtw(folder)


def test_two_files_on_one_segment_are_rejected(data_dir):
    files = [data_dir / "xsens_mtw_walk" / name for name in MTW_FILES]
    with pytest.raises(imu.GaitTwinInputError, match=r"expected one sensor per segment"):
        imu.read_xsens_mtw(files, sensor_map={"00B42279": "pelvis", "00B4227C": "pelvis"})
