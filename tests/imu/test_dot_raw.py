"""Raw-only Xsens DOT exports (Acc/Gyr/Mag, no quaternions) read through the ahrs filters.

Ground truth: the real DOT recording of ``tests/data/xsens_dot_nonwalk`` (five sensors, 60 Hz,
about 6 s of squat/turn-like motion, the left thigh with 138 dropped packets). From each file's
on-board orientation R (``Quat_*``) and free acceleration, the raw signals a DOT would have
written are rebuilt: Acc = R^T (FreeAcc + g) (specific force, sensor frame), Gyr = the rotation
vector of R_{i-1}^T R_i over the SampleTimeFine step (sensor frame, deg/s) and
Mag = R^T m with a fixed Earth field m (1 a.u., 60 deg dip, pointing north in Xsens' ENU frame).
They are written as DOT "rate quantities" exports with the real files' metadata lines, clocks and
gaps, in ``tmp_path``; the orientations the reader estimates are compared with the real ones.
"""

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy.spatial.transform import Rotation

import imu

DIP_RAD = np.deg2rad(60.0)
#: Earth field in Xsens' ENU frame (X east, Y north, Z up), a.u.
FIELD_ENU = np.array([0.0, np.cos(DIP_RAD), -np.sin(DIP_RAD)])
#: The filters' Earth frame is NWU (X magnetic north, Y west): v_nwu = ENU_TO_NWU.apply(v_enu).
ENU_TO_NWU = Rotation.from_euler("z", -90.0, degrees=True)
XYZ = ("X", "Y", "Z")


@pytest.fixture(scope="module")
def dot_signals(data_dir) -> dict[str, tuple[list[str], pd.DataFrame]]:
    """File name -> (metadata lines, table of clocks, Quat, FreeAcc and rebuilt Acc/Gyr/Mag)."""
    signals = {}
    for path in sorted((data_dir / "xsens_dot_nonwalk").glob("*.csv")):
        lines = path.read_text().split("\n")
        header = next(i for i, line in enumerate(lines) if line.startswith("PacketCounter"))
        table = pd.read_csv(path, skiprows=header)
        rotation = Rotation.from_quat(table[["Quat_X", "Quat_Y", "Quat_Z", "Quat_W"]].to_numpy())
        free = table[[f"FreeAcc_{a}" for a in XYZ]].to_numpy()
        step_s = np.diff(table["SampleTimeFine"].to_numpy()) * 1e-6
        rate = (rotation[:-1].inv() * rotation[1:]).as_rotvec() / step_s[:, None]
        raw = {
            "Acc": rotation.inv().apply(free + np.array([0.0, 0.0, imu.STANDARD_GRAVITY_M_S2])),
            "Gyr": np.rad2deg(np.vstack([rate[:1], rate])),
            "Mag": rotation.inv().apply(FIELD_ENU),
        }
        for name, values in raw.items():
            for axis, column in enumerate(XYZ):
                table[f"{name}_{column}"] = values[:, axis]
        signals[path.name] = (lines[: header - 1], table)
    return signals


def write_dot(dot_signals, folder: Path, columns: tuple[str, ...] = ("Acc", "Gyr", "Mag")) -> Path:
    """Write one DOT export per sensor with the column groups ``columns`` (``"Quat"``, ...).

    Metadata lines end in empty fields, as the DOT SDK's logger writes them.
    """
    folder.mkdir()
    mode = {
        ("Acc", "Gyr", "Mag"): "Rate quantities (with mag)",
        ("Acc", "Gyr"): "Rate quantities",
        ("Quat", "Acc", "Gyr"): "Custom mode 5",
    }.get(columns, "custom")
    names = ["PacketCounter", "SampleTimeFine"]
    for group in columns:
        names += [f"Quat_{a}" for a in "WXYZ"] if group == "Quat" else [f"{group}_{a}" for a in XYZ]
    for file_name, (metadata, table) in dot_signals.items():
        head = [f"Measurement Mode:,{mode}" if "Mode:" in line else line for line in metadata]
        head = [f"{line},,,," if ":," in line else line for line in head]
        body = table[names].to_csv(index=False, header=False, float_format="%.6f")
        text = "\n".join([*head, "", ",".join(names)]) + "\n" + body
        (folder / file_name).write_text(text)
    return folder


def file_of(folder: Path, body_part: str) -> Path:
    return next(folder.glob(f"{body_part}_*.csv"))


def orientation_errors_deg(estimate: np.ndarray, truth_enu: np.ndarray):
    """Tilt and heading error of NWU estimates against ENU truths, deg, ``(n,)`` each.

    Tilt: the angle between the estimated and the true up axis seen from the sensor. Heading: the
    twist about the vertical of the Earth-frame error rotation R_est R_true^T, in (-180, 180];
    unlike the heading of one sensor axis it is defined whatever the sensor's attitude.
    """
    estimated = Rotation.from_quat(estimate)
    true = ENU_TO_NWU * Rotation.from_quat(truth_enu)
    up_estimated = estimated.inv().apply([0.0, 0.0, 1.0])
    up_true = true.inv().apply([0.0, 0.0, 1.0])
    tilt = np.rad2deg(np.arccos(np.clip(np.sum(up_estimated * up_true, axis=1), -1.0, 1.0)))
    error = (estimated * true.inv()).as_quat()
    twist = 2.0 * np.arctan2(error[:, 2], error[:, 3])
    return tilt, np.rad2deg(np.angle(np.exp(1j * twist)))


@pytest.fixture(scope="module")
def on_board(data_dir) -> imu.ImuRecording:
    """The real recording, orientations from the DOT's on-board filter (the ground truth)."""
    return imu.read_xsens_dot(data_dir / "xsens_dot_nonwalk")


def read_frames(recording: imu.ImuRecording) -> np.ndarray:
    """``(n, s)`` mask of the samples read from the files (``False`` where a gap was filled)."""
    read = np.ones((recording.n_frames, len(recording.segments)), dtype=bool)
    for gap in recording.metadata["gaps"]:
        k = recording.segments.index(gap["sensor"].split("(")[1].rstrip(")"))
        first = round(gap["start_s"] * recording.sampling_rate_hz)
        read[first : first + gap["n_missing"], k] = False
    return read


def gap_list(recording: imu.ImuRecording) -> list[tuple[str, float, int]]:
    return [(gap["sensor"], gap["start_s"], gap["n_missing"]) for gap in recording.metadata["gaps"]]


@pytest.mark.parametrize("method", ["madgwick", "mahony", "ekf"])
def test_raw_only_dot_with_magnetometer_finds_the_on_board_orientation(
    dot_signals, on_board, tmp_path, method
):
    """Tilt within 4 deg and heading within 3 deg of the DOT's own filter, from the first frame.

    The filters start from the first sample's accelerometer and magnetometer (TRIAD), so there
    is no settling period to skip. Measured (max over sensors and frames): tilt 2.23 / 3.26 /
    2.11 deg, heading 1.08 / 0.95 / 1.77 deg for Madgwick / Mahony / EKF.
    """
    recording = imu.read_xsens_dot(
        write_dot(dot_signals, tmp_path / "raw"), orientation_method=method
    )
    assert recording.segments == on_board.segments
    np.testing.assert_array_equal(recording.time_s, on_board.time_s)
    assert gap_list(recording) == gap_list(on_board) != []
    assert recording.metadata["orientation_source"] == "estimated from raw signals"
    assert recording.metadata["orientation_filter"] == f"{method} (with magnetometer)"
    parameters = recording.metadata["orientation_filter_parameters"]
    assert parameters["method"] == method and parameters["magnetometer"] is True
    assert parameters["sampling_rate_hz"] == 60.0
    assert parameters["library"].startswith("ahrs ")
    assert recording.metadata["earth_frame"].startswith("NWU")
    for k, segment in enumerate(recording.segments):
        tilt, heading = orientation_errors_deg(
            recording.quaternions[:, k], on_board.quaternions[:, k]
        )
        assert np.max(tilt) < 4.0, segment
        assert np.max(np.abs(heading)) < 3.0, segment


def test_raw_only_dot_without_magnetometer_keeps_the_tilt_and_its_heading_offset(
    dot_signals, on_board, tmp_path
):
    """Without Mag the heading is not observed: the filter starts at an arbitrary heading.

    So only the tilt is compared with the truth (within 3 deg; measured 2.7), and the heading
    error must stay at its first value (within 2 deg; measured 0.6): the gyroscope rebuilt from
    the true orientation has no bias, so nothing should turn the estimate about the vertical.
    """
    folder = write_dot(dot_signals, tmp_path / "raw", ("Acc", "Gyr"))
    recording = imu.read_recording(folder)
    assert recording.metadata["source"] == "xsens_dot"
    assert recording.magnetic_field is None
    assert recording.metadata["orientation_filter"] == "madgwick (without magnetometer)"
    assert recording.metadata["orientation_filter_parameters"]["madgwick_gain"] == 0.041
    for k, segment in enumerate(recording.segments):
        tilt, heading = orientation_errors_deg(
            recording.quaternions[:, k], on_board.quaternions[:, k]
        )
        assert np.max(tilt) < 3.0, segment
        drift = np.angle(np.exp(1j * np.deg2rad(heading - heading[0])))
        assert np.rad2deg(np.max(np.abs(drift))) < 2.0, segment


def test_read_recording_passes_the_filter_to_dot_folders(dot_signals, tmp_path):
    folder = write_dot(dot_signals, tmp_path / "raw")
    recording = imu.read_recording(folder, orientation_method="ekf")
    assert recording.metadata["orientation_filter"] == "ekf (with magnetometer)"


def test_raw_dot_signals_are_read_in_si_units(dot_signals, tmp_path):
    recording = imu.read_xsens_dot(write_dot(dot_signals, tmp_path / "raw"))
    k = recording.index("pelvis")
    _, table = next(signals for name, signals in dot_signals.items() if name.startswith("Pelvis"))
    clock = table["SampleTimeFine"].to_numpy()
    frames = np.rint((clock - recording.metadata["clock_start"]) / (1e6 / 60.0)).astype(int)
    inside = (frames >= 0) & (frames < recording.n_frames)
    assert np.count_nonzero(inside) == recording.n_frames
    np.testing.assert_allclose(
        recording.acceleration_m_s2[frames[inside], k],
        table[[f"Acc_{a}" for a in XYZ]].to_numpy()[inside],
        atol=1e-6,
    )
    np.testing.assert_allclose(
        recording.angular_velocity_rad_s[frames[inside], k],
        np.deg2rad(table[[f"Gyr_{a}" for a in XYZ]].to_numpy()[inside]),
        atol=1e-7,
    )
    np.testing.assert_allclose(
        recording.magnetic_field[frames[inside], k],
        table[[f"Mag_{a}" for a in XYZ]].to_numpy()[inside],
        atol=1e-6,
    )
    assert recording.metadata["file_headers"]["pelvis"]["OutputRate"] == "60Hz"
    assert recording.metadata["file_headers"]["pelvis"]["Measurement Mode"] == (
        "Rate quantities (with mag)"
    )


def test_dot_quaternions_with_raw_columns_keep_the_on_board_orientation(
    dot_signals, on_board, tmp_path
):
    recording = imu.read_xsens_dot(
        write_dot(dot_signals, tmp_path / "mode5", ("Quat", "Acc", "Gyr"))
    )
    np.testing.assert_allclose(recording.quaternions, on_board.quaternions, atol=1e-12)
    assert recording.metadata["orientation_source"] == "Quat columns (Xsens DOT on-board filter)"
    assert "orientation_filter" not in recording.metadata
    assert recording.metadata["earth_frame"].startswith("Xsens local Earth frame, ENU")
    read = read_frames(recording)
    assert np.count_nonzero(~read) == sum(gap["n_missing"] for gap in recording.metadata["gaps"])
    specific_force = Rotation.from_quat(recording.quaternions[read]).apply(
        np.array(recording.acceleration_m_s2[read])
    )
    np.testing.assert_allclose(
        specific_force - [0.0, 0.0, imu.STANDARD_GRAVITY_M_S2],
        on_board.metadata["free_acceleration_m_s2"][read],
        atol=1e-5,
    )


def test_real_dot_quaternion_files_are_read_as_before(on_board, data_dir):
    recording = imu.read_xsens_dot(data_dir / "xsens_dot_nonwalk", orientation_method="ekf")
    np.testing.assert_array_equal(recording.quaternions, on_board.quaternions)
    assert recording.metadata["orientation_source"] == "Quat columns (Xsens DOT on-board filter)"
    assert "orientation_filter" not in recording.metadata
    assert recording.angular_velocity_rad_s is None and recording.magnetic_field is None
    assert recording.metadata["acceleration_source"].startswith("FreeAcc columns")
    assert recording.metadata["free_acceleration_m_s2"].shape == (recording.n_frames, 5, 3)
    assert recording.metadata["earth_frame"].startswith("Xsens local Earth frame, ENU")


@pytest.mark.parametrize("read", [imu.read_xsens_dot, imu.read_xsens_mtw])
def test_an_unknown_orientation_method_is_refused_even_with_quaternions(read, data_dir):
    folder = data_dir / ("xsens_dot_nonwalk" if read is imu.read_xsens_dot else "xsens_mtw_walk")
    with pytest.raises(
        imu.GaitTwinInputError,
        match=r"orientation_method: expected one of madgwick, mahony, ekf, found 'madgwik'",
    ):
        read(folder, orientation_method="madgwik")


@pytest.mark.parametrize(
    ("columns", "found"),
    [(("FreeAcc",), "neither"), (("Gyr", "Mag"), "only Gyr_X/Y/Z, Mag_X/Y/Z")],
)
def test_dot_without_quaternions_or_raw_columns_is_rejected(dot_signals, tmp_path, columns, found):
    folder = write_dot(dot_signals, tmp_path / "dot", columns)
    path = file_of(folder, "Pelvis")
    with pytest.raises(
        imu.GaitTwinInputError,
        match=rf"Xsens DOT file '{re.escape(str(path))}', line 12: expected orientation columns "
        r"Quat_W, Quat_X, Quat_Y, Quat_Z or raw columns Acc_X, Acc_Y, Acc_Z and Gyr_X, Gyr_Y, "
        rf"Gyr_Z to estimate orientations, found {re.escape(found)}$",
    ):
        imu.read_xsens_dot(folder)


def test_raw_dot_with_a_missing_axis_is_rejected(dot_signals, tmp_path):
    folder = write_dot(dot_signals, tmp_path / "raw")
    path = file_of(folder, "RTibia")
    lines = path.read_text().split("\n")
    drop = lines[11].split(",").index("Gyr_Z")
    lines[11:] = [",".join(np.delete(line.split(","), drop)) if line else "" for line in lines[11:]]
    path.write_text("\n".join(lines))
    with pytest.raises(
        imu.GaitTwinInputError,
        match=rf"'{re.escape(str(path))}', line 12: expected columns Gyr_X, Gyr_Y, Gyr_Z "
        r"together, found Gyr_X, Gyr_Y without Gyr_Z$",
    ):
        imu.read_xsens_dot(folder)


def test_dot_files_must_all_have_or_all_lack_quaternions(dot_signals, data_dir, tmp_path):
    folder = write_dot(dot_signals, tmp_path / "raw")
    real = file_of(data_dir / "xsens_dot_nonwalk", "LTibia")
    (folder / real.name).write_bytes(real.read_bytes())
    with pytest.raises(
        imu.GaitTwinInputError,
        match=rf"'{re.escape(str(folder / real.name))}': expected no Quat_\* columns like "
        r"'.*Pelvis_.*\.csv', found them \(export every sensor with the same settings\)",
    ):
        imu.read_xsens_dot(folder)


def test_a_bad_raw_dot_value_is_rejected_with_line_and_column(dot_signals, tmp_path):
    folder = write_dot(dot_signals, tmp_path / "raw")
    path = file_of(folder, "Pelvis")
    lines = path.read_text().split("\n")
    fields = lines[39].split(",")
    fields[lines[11].split(",").index("Gyr_Y")] = "abc"
    lines[39] = ",".join(fields)
    path.write_text("\n".join(lines))
    with pytest.raises(
        imu.GaitTwinInputError,
        match=rf"'{re.escape(str(path))}', line 40, column 'Gyr_Y': expected a number, found 'abc'",
    ):
        imu.read_xsens_dot(folder)
