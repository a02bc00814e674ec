"""Xsens DOT ``FreeAcc`` (Earth frame, gravity removed) read as specific force when no ``Acc``.

Ground truth: the real DOT export of ``tests/data/xsens_dot_nonwalk`` (``Quat_*``, ``FreeAcc_*``,
no ``Acc_*``), each file row compared with the recording's frame at the same ``SampleTimeFine``.
"""

import re
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy.spatial.transform import Rotation

import imu

FOLDER = "xsens_dot_nonwalk"
FILES = ("Pelvis_20210820_202113_836.csv", "RFemur_20210820_202113_840.csv")
HEADER_LINE = 12  # the column-header line of the bundled files
FREE = ["FreeAcc_X", "FreeAcc_Y", "FreeAcc_Z"]
FREE_Z_INDEX = 8  # position of FreeAcc_Z in the bundled files' rows


@pytest.fixture(scope="module")
def recording(data_dir) -> imu.ImuRecording:
    return imu.read_xsens_dot(data_dir / FOLDER)


def file_rows(path: Path, recording: imu.ImuRecording) -> tuple[pd.DataFrame, np.ndarray]:
    """The file's rows inside the recording's span and the frame index of each."""
    table = pd.read_csv(path, skiprows=HEADER_LINE - 1)
    ticks = 1e6 / recording.sampling_rate_hz
    frame = np.rint((table["SampleTimeFine"] - recording.metadata["clock_start"]) / ticks)
    inside = (frame >= 0) & (frame < recording.n_frames)
    return table[inside], frame[inside].astype(int).to_numpy()


def test_free_acceleration_becomes_specific_force_whose_world_vertical_is_free_acc_z_plus_g(
    recording, data_dir
):
    assert recording.acceleration_m_s2 is not None
    assert recording.metadata["acceleration_source"].startswith("FreeAcc columns")
    body_parts = {part: segment for segment, part in recording.metadata["body_parts"].items()}
    for path in sorted((data_dir / FOLDER).glob("*.csv")):
        k = recording.segments.index(body_parts[path.name.split("_")[0]])
        table, frames = file_rows(path, recording)
        sensor_to_world = Rotation.from_quat(recording.quaternions[frames, k])
        world = sensor_to_world.apply(np.array(recording.acceleration_m_s2[frames, k]))
        free = table[FREE].to_numpy()
        np.testing.assert_allclose(world[:, 2], free[:, 2] + imu.STANDARD_GRAVITY_M_S2, atol=1e-9)
        np.testing.assert_allclose(world[:, :2], free[:, :2], atol=1e-9)
    # gap-filled frames (the left thigh's) convert their interpolated values the same way
    every = Rotation.from_quat(recording.quaternions.reshape(-1, 4)).apply(
        np.array(recording.acceleration_m_s2).reshape(-1, 3)
    )
    expected = recording.metadata["free_acceleration_m_s2"].reshape(-1, 3)
    np.testing.assert_allclose(every - [0.0, 0.0, imu.STANDARD_GRAVITY_M_S2], expected, atol=1e-9)
    # a sensor at rest reads g along its up axis: the medians are near g, in the sensor frame
    norms = np.linalg.norm(recording.acceleration_m_s2, axis=-1)
    np.testing.assert_allclose(np.median(norms, axis=0), imu.STANDARD_GRAVITY_M_S2, atol=0.2)


def copy_files(data_dir: Path, target: Path) -> Path:
    target.mkdir()
    for name in FILES:
        shutil.copy(data_dir / FOLDER / name, target / name)
    return target


def edit_table(path: Path, edit) -> None:
    """Rewrite a bundled file's table with ``edit(table) -> table``, keeping its metadata."""
    lines = path.read_text().split("\n")
    table = edit(pd.read_csv(path, skiprows=HEADER_LINE - 1))
    text = "\n".join(lines[: HEADER_LINE - 1]) + "\n" + table.to_csv(index=False)
    path.write_text(text)


def test_acc_columns_are_used_when_an_export_has_both(data_dir, tmp_path):
    folder = copy_files(data_dir, tmp_path / "both")
    measured = np.array([0.3, -0.2, 9.7])
    for name in FILES:
        edit_table(folder / name, lambda t: t.assign(Acc_X=0.3, Acc_Y=-0.2, Acc_Z=9.7))
    recording = imu.read_xsens_dot(folder)
    np.testing.assert_allclose(
        recording.acceleration_m_s2, np.broadcast_to(measured, recording.acceleration_m_s2.shape)
    )
    assert recording.metadata["acceleration_source"] == "Acc columns (specific force, sensor frame)"
    assert recording.metadata["free_acceleration_m_s2"].shape == (recording.n_frames, 2, 3)


def test_an_export_without_acceleration_says_so(data_dir, tmp_path):
    folder = copy_files(data_dir, tmp_path / "quat_only")
    for name in FILES:
        edit_table(folder / name, lambda t: t.drop(columns=FREE))
    recording = imu.read_xsens_dot(folder)
    assert recording.acceleration_m_s2 is None
    assert recording.metadata["acceleration_source"] is None
    assert "free_acceleration_m_s2" not in recording.metadata


@pytest.mark.parametrize("text", ["abc", "nan"])
def test_a_malformed_free_acceleration_value_names_file_line_and_column(data_dir, tmp_path, text):
    folder = copy_files(data_dir, tmp_path / "bad_value")
    path = folder / FILES[1]
    lines = path.read_text().split("\n")
    line = HEADER_LINE + 40
    fields = lines[line - 1].split(",")
    fields[FREE_Z_INDEX] = text
    lines[line - 1] = ",".join(fields)
    path.write_text("\n".join(lines))
    with pytest.raises(
        imu.GaitTwinInputError,
        match=rf"Xsens DOT file '{re.escape(str(path))}', line {line}, column 'FreeAcc_Z': "
        rf"expected a (finite )?number, found '{text}'",
    ):
        imu.read_xsens_dot(folder)


def test_a_free_acceleration_axis_missing_is_refused(data_dir, tmp_path):
    folder = copy_files(data_dir, tmp_path / "no_z")
    path = folder / FILES[0]
    lines = path.read_text().split("\n")
    assert lines[HEADER_LINE - 1].split(",")[FREE_Z_INDEX] == "FreeAcc_Z"
    lines[HEADER_LINE - 1] = lines[HEADER_LINE - 1].replace("FreeAcc_Z", "Extra")
    path.write_text("\n".join(lines))
    with pytest.raises(
        imu.GaitTwinInputError,
        match=rf"Xsens DOT file '{re.escape(str(path))}', line {HEADER_LINE}: expected columns "
        r"FreeAcc_X, FreeAcc_Y, FreeAcc_Z together, found FreeAcc_X, FreeAcc_Y without FreeAcc_Z",
    ):
        imu.read_xsens_dot(folder)


def test_free_acceleration_in_some_files_only_is_refused(data_dir, tmp_path):
    folder = copy_files(data_dir, tmp_path / "mixed")
    path = folder / FILES[1]
    edit_table(path, lambda t: t.drop(columns=FREE))
    with pytest.raises(
        imu.GaitTwinInputError,
        match=rf"'{re.escape(str(path))}': expected the fields free_acceleration_m_s2 like "
        rf"'{re.escape(str(folder / FILES[0]))}', found none",
    ):
        imu.read_xsens_dot(folder)
