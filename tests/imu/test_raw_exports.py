"""Raw-only exports (Acc/Gyr/Mag, no orientation) and irregular time in the IMU CSV.

Ground truth: virtual sensors (imu.virtual_sensors) on the synthetic walk of conftest.py, written
as an Xsens MTw text export without Mat columns and as an IMU CSV in g and deg/s; the orientations
the readers estimate are compared with the known ones. Irregular time: the bundled Xsens walk
written as an IMU CSV with samples cut out.
"""

import re
from pathlib import Path

import numpy as np
import pytest
from scipy.spatial.transform import Rotation

import imu

RATE_HZ = 100.0
SENSORS = {"00B40001": "pelvis", "00B40002": "thigh_r", "00B40003": "shank_r"}
CONVERGED_S = 2.0


@pytest.fixture(scope="module")
def virtual(synthetic_walk):
    """Virtual pelvis, right thigh and shank sensors over the first 12 s of the synthetic walk."""
    _, quaternions, segments = synthetic_walk
    keep = [segments.index(segment) for segment in SENSORS.values()]
    n = int(12 * RATE_HZ)
    return imu.virtual_sensors(
        quaternions[:n, keep],
        tuple(SENSORS.values()),
        np.arange(n) / RATE_HZ,
        rng=np.random.default_rng(3),
        sampling_rate_hz=RATE_HZ,
        misalignment_deg=(5.0, 20.0),
        gyro_noise_rad_s=0.01,
        accelerometer_noise_m_s2=0.02,
    )


def write_raw_mtw(virtual, folder: Path, *, with_mag: bool = True, first_packet: int = 65000):
    """Write one MT Manager text file per sensor with Acc, Gyr (and Mag) columns only."""
    folder.mkdir()
    recording = virtual.recording
    fields = {"Acc": recording.acceleration_m_s2, "Gyr": recording.angular_velocity_rad_s}
    if with_mag:
        fields["Mag"] = recording.magnetic_field
    columns = ["PacketCounter", "SampleTimeFine"]
    columns += [f"{name}_{axis}" for name in fields for axis in "XYZ"]
    for k, sensor_id in enumerate(SENSORS):
        rows = [
            "// Start Time: Unknown",
            "// Update Rate: 100.0Hz",
            "// Filter Profile: human (46.1)",
            "\t".join(columns),
        ]
        for i in range(recording.n_frames):
            values = np.concatenate([array[i, k] for array in fields.values()])
            packet = (first_packet + i) % 2**16
            rows.append(f"{packet:05d}\t\t" + "\t".join(f"{v:.6f}" for v in values))
        (folder / f"MT_012005D6_009-001_{sensor_id}.txt").write_text("\r\n".join(rows) + "\r\n")
    return folder


def errors_deg(estimate: np.ndarray, truth: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Tilt error (angle between the sensors' up axes) and heading error, deg, per frame."""
    est, true = Rotation.from_quat(estimate), Rotation.from_quat(truth)
    up_est = est.inv().apply([0.0, 0.0, 1.0])
    up_true = true.inv().apply([0.0, 0.0, 1.0])
    tilt = np.rad2deg(np.arccos(np.clip(np.sum(up_est * up_true, axis=1), -1.0, 1.0)))
    x_est, x_true = est.apply([1.0, 0.0, 0.0]), true.apply([1.0, 0.0, 0.0])
    heading = np.arctan2(x_est[:, 1], x_est[:, 0]) - np.arctan2(x_true[:, 1], x_true[:, 0])
    return tilt, np.rad2deg(np.abs(np.angle(np.exp(1j * heading))))


def test_raw_only_mtw_gets_orientations_from_the_filter(virtual, tmp_path):
    recording = imu.read_xsens_mtw(
        write_raw_mtw(virtual, tmp_path / "raw"), sensor_map=SENSORS, orientation_method="mahony"
    )
    assert recording.segments == ("pelvis", "thigh_r", "shank_r")
    assert recording.n_frames == virtual.recording.n_frames
    assert recording.metadata["orientation_source"] == "estimated from raw signals"
    assert recording.metadata["orientation_filter"] == "mahony (with magnetometer)"
    parameters = recording.metadata["orientation_filter_parameters"]
    assert parameters["method"] == "mahony" and parameters["magnetometer"] is True
    assert parameters["mahony_kp"] == 1.0 and parameters["sampling_rate_hz"] == RATE_HZ
    assert parameters["library"].startswith("ahrs ")
    assert recording.metadata["earth_frame"].startswith("NWU")
    np.testing.assert_allclose(
        recording.angular_velocity_rad_s, virtual.recording.angular_velocity_rad_s, atol=1e-6
    )
    after = recording.time_s >= CONVERGED_S
    for k, segment in enumerate(recording.segments):
        tilt, heading = errors_deg(
            recording.quaternions[after, k], virtual.recording.quaternions[after, k]
        )
        assert np.max(tilt) < 3.0, segment
        assert np.max(heading) < 5.0, segment


def test_raw_only_mtw_without_magnetometer_keeps_the_tilt(virtual, tmp_path):
    folder = write_raw_mtw(virtual, tmp_path / "raw", with_mag=False)
    recording = imu.read_recording(folder, sensor_map=SENSORS)
    assert recording.magnetic_field is None
    assert recording.metadata["orientation_filter"] == "madgwick (without magnetometer)"
    after = recording.time_s >= CONVERGED_S
    for k, segment in enumerate(recording.segments):
        tilt, _ = errors_deg(
            recording.quaternions[after, k], virtual.recording.quaternions[after, k]
        )
        assert np.max(tilt) < 3.0, segment


def test_mtw_files_must_all_have_or_all_lack_orientation(virtual, tmp_path, data_dir):
    folder = write_raw_mtw(virtual, tmp_path / "raw")
    real = data_dir / "xsens_mtw_walk" / "MT_012005D6_009-001_00B42279.txt"
    (folder / real.name).write_bytes(real.read_bytes())
    with pytest.raises(
        imu.GaitTwinInputError, match=r"_00B42279.txt': expected no Mat\[i\]\[j\] columns like"
    ):
        imu.read_xsens_mtw(folder, sensor_map={**SENSORS, "00B42279": "torso"})


def test_mtw_without_orientation_or_gyroscope_is_rejected(virtual, tmp_path):
    folder = write_raw_mtw(virtual, tmp_path / "raw")
    path = sorted(folder.iterdir())[0]
    path.write_text(path.read_text().replace("Gyr_", "Gyro_"))
    with pytest.raises(
        imu.GaitTwinInputError,
        match=rf"'{re.escape(str(path))}', line 4: expected orientation columns Mat\[1\]\[1\] "
        r".* or raw columns Acc_X, Acc_Y, Acc_Z and Gyr_X, Gyr_Y, Gyr_Z to estimate "
        r"orientations, found only Acc_X/Y/Z, Mag_X/Y/Z",
    ):
        imu.read_xsens_mtw(folder, sensor_map=SENSORS)


def write_raw_csv(virtual, path: Path) -> Path:
    """The virtual signals as an IMU CSV without quaternions, acceleration in g, gyro in deg/s."""
    recording = virtual.recording
    columns = {"time_s": recording.time_s}
    for k, segment in enumerate(recording.segments):
        for axis, name in enumerate("xyz"):
            columns[f"{segment}_acc_{name}_g"] = recording.acceleration_m_s2[:, k, axis] / 9.80665
            columns[f"{segment}_gyr_{name}_deg_s"] = np.rad2deg(
                recording.angular_velocity_rad_s[:, k, axis]
            )
            columns[f"{segment}_mag_{name}"] = recording.magnetic_field[:, k, axis]
    header = ["# gaittwin imu csv v1", "# sampling_rate_hz: 100", "# earth_frame: virtual"]
    body = [",".join(columns)]
    body += [",".join(f"{columns[c][i]:.10g}" for c in columns) for i in range(recording.n_frames)]
    path.write_text("\n".join(header + body) + "\n")
    return path


def test_raw_only_csv_converts_units_and_estimates_orientations(virtual, tmp_path):
    recording = imu.read_imu_csv(write_raw_csv(virtual, tmp_path / "raw.csv"))
    np.testing.assert_allclose(
        recording.acceleration_m_s2, virtual.recording.acceleration_m_s2, atol=1e-6
    )
    np.testing.assert_allclose(
        recording.angular_velocity_rad_s, virtual.recording.angular_velocity_rad_s, atol=1e-6
    )
    assert recording.metadata["orientation_filter_parameters"]["madgwick_gain"] == 0.041
    after = recording.time_s >= CONVERGED_S
    for k, segment in enumerate(recording.segments):
        tilt, heading = errors_deg(
            recording.quaternions[after, k], virtual.recording.quaternions[after, k]
        )
        assert np.max(tilt) < 3.0, segment
        assert np.max(heading) < 5.0, segment


def test_csv_without_quaternions_needs_acceleration_and_gyroscope(virtual, tmp_path):
    path = write_raw_csv(virtual, tmp_path / "raw.csv")
    lines = path.read_text().split("\n")
    keep = [i for i, name in enumerate(lines[3].split(",")) if "_gyr_" not in name]
    lines[3:] = [",".join(line.split(",")[i] for i in keep) if line else "" for line in lines[3:]]
    path.write_text("\n".join(lines))
    with pytest.raises(
        imu.GaitTwinInputError,
        match=r"line 4: expected quaternion columns .* or raw columns of acceleration and "
        r"angular velocity .* found acceleration_m_s2, magnetic_field",
    ):
        imu.read_imu_csv(path)


def test_csv_field_in_two_units_is_rejected(virtual, tmp_path):
    path = write_raw_csv(virtual, tmp_path / "raw.csv")
    lines = path.read_text().split("\n")
    lines[3] = lines[3].replace("pelvis_gyr_x_deg_s", "pelvis_gyr_x_rad_s", 1)
    path.write_text("\n".join(lines))
    with pytest.raises(
        imu.GaitTwinInputError, match=r"expected column\(s\) pelvis_gyr_y_rad_s, pelvis_gyr_z_"
    ):
        imu.read_imu_csv(path)


# --- irregular time in the IMU CSV ------------------------------------------------------------


@pytest.fixture
def walk_csv(xsens_walk, tmp_path):
    """The first 20 s of the bundled walk (100 Hz) as an IMU CSV; returns its lines."""
    path = imu.write_imu_csv(xsens_walk.slice_frames(0, 2000), tmp_path / "walk.csv")
    return path, path.read_text().split("\n")


def test_one_second_cut_out_is_refused_with_its_lines(walk_csv):
    path, lines = walk_csv
    first = 5  # 1-based line of the first data row (3 header lines + column header)
    cut = first + 1000
    del lines[cut - 1 : cut - 1 + 100]
    path.write_text("\n".join(lines))
    with pytest.raises(
        imu.GaitTwinInputError,
        match=rf"IMU CSV file '{re.escape(str(path))}' \(pelvis\): expected gaps of at most "
        rf"0.1 s \(max_gap_s\), found 100 missing samples \(1.010 s\) between line {cut - 1} "
        rf".* and line {cut} ",
    ):
        imu.read_imu_csv(path)


def test_short_gaps_are_filled_and_reported(walk_csv, xsens_walk):
    path, lines = walk_csv
    first = 5
    del lines[first - 1 + 300 : first - 1 + 305]
    path.write_text("\n".join(lines))
    recording = imu.read_imu_csv(path)
    assert recording.n_frames == 2000
    np.testing.assert_allclose(recording.time_s, xsens_walk.time_s[:2000], atol=1e-9)
    gaps = recording.metadata["gaps"]
    assert {gap["sensor"] for gap in gaps} == set(xsens_walk.segments)
    assert all(gap["n_missing"] == 5 and gap["after_line"] == first + 299 for gap in gaps)
    assert gaps[0]["start_s"] == pytest.approx(3.0)
    kept = np.r_[0:300, 305:2000]
    np.testing.assert_allclose(recording.quaternions[kept], xsens_walk.quaternions[kept], atol=1e-9)
    filled = Rotation.from_quat(recording.quaternions[302, 0])
    truth = Rotation.from_quat(xsens_walk.quaternions[302, 0])
    assert np.rad2deg((filled.inv() * truth).magnitude()) < 2.0


def test_a_time_step_off_the_sampling_grid_is_refused(walk_csv):
    path, lines = walk_csv
    line = 5 + 50
    fields = lines[line - 1].split(",")
    fields[0] = f"{float(fields[0]) + 0.004:.12g}"
    lines[line - 1] = ",".join(fields)
    path.write_text("\n".join(lines))
    with pytest.raises(
        imu.GaitTwinInputError,
        match=rf"line {line}, column 'time_s': expected a step of 0.01 s \(sampling_rate_hz "
        r"100\) or a whole number of them, within 1%, found 0.014 s \(1.400 periods\)",
    ):
        imu.read_imu_csv(path)


# --- malformed raw-only files are rejected like every other file ---------------------------


@pytest.fixture(params=["xsens_mtw", "imu_csv"])
def raw_file(request, virtual, tmp_path):
    """``(file to break, what to read, separator, gyroscope column)`` of one raw-only format."""
    if request.param == "xsens_mtw":
        folder = write_raw_mtw(virtual, tmp_path / "raw")
        return folder / f"MT_012005D6_009-001_{next(iter(SENSORS))}.txt", folder, "\t", "Gyr_Y"
    path = write_raw_csv(virtual, tmp_path / "raw.csv")
    return path, path, ",", "pelvis_gyr_y_deg_s"


def break_value(path: Path, sep: str, column: str, line: int, text: str) -> None:
    """Replace the value of ``column`` on 1-based ``line`` (the column header is line 4)."""
    lines = path.read_bytes().decode().split("\n")
    index = lines[3].rstrip("\r").split(sep).index(column)
    fields = lines[line - 1].rstrip("\r").split(sep)
    fields[index] = text
    lines[line - 1] = sep.join(fields) + ("\r" if lines[line - 1].endswith("\r") else "")
    path.write_bytes("\n".join(lines).encode())


@pytest.mark.parametrize(
    ("text", "expected"), [("abc", "a number, found 'abc'"), ("nan", "a finite number")]
)
def test_a_bad_raw_value_is_rejected_with_line_and_column(raw_file, text, expected):
    path, target, sep, column = raw_file
    break_value(path, sep, column, 40, text)
    with pytest.raises(
        imu.GaitTwinInputError,
        match=rf"'{re.escape(str(path))}', line 40, column '{column}': expected {expected}",
    ):
        imu.read_recording(target, sensor_map=SENSORS if target.is_dir() else None)


def test_a_truncated_raw_row_is_rejected(raw_file):
    path, target, sep, _ = raw_file
    lines = path.read_bytes().decode().split("\n")
    lines[59] = sep.join(lines[59].split(sep)[:5])
    path.write_bytes("\n".join(lines).encode())
    with pytest.raises(
        imu.GaitTwinInputError, match=rf"'{re.escape(str(path))}', line 60: expected \d+ values"
    ):
        imu.read_recording(target, sensor_map=SENSORS if target.is_dir() else None)
