"""Sensor maps: files, keywords on every reader, messages for unknown sensors, mixed folders."""

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import imu

MTW = "xsens_mtw_walk"


def renamed_mtw_copy(data_dir: Path, target: Path, *, n_files: int = 8) -> dict[str, str]:
    """Copy the bundled MTw walk with sensor ids 00C0000k; return new id -> segment."""
    target.mkdir()
    mapping = {}
    for k, (old_id, segment) in enumerate(list(imu.MTW_SENSOR_SEGMENTS.items())[:n_files]):
        new_id = f"00C0000{k}"
        source = data_dir / MTW / f"MT_012005D6_009-001_{old_id}.txt"
        shutil.copy(source, target / f"MT_012005D6_009-001_{new_id}.txt")
        mapping[new_id] = segment
    return mapping


def test_a_json_or_csv_map_reads_a_walk_with_renamed_sensor_ids(data_dir, tmp_path, xsens_walk):
    mapping = renamed_mtw_copy(data_dir, tmp_path / "walk")
    json_map = tmp_path / "map.json"
    json_map.write_text(json.dumps(mapping, indent=2))
    csv_map = tmp_path / "map.csv"
    csv_map.write_text("sensor,segment\n" + "".join(f"{k},{v}\n" for k, v in mapping.items()))
    assert imu.read_sensor_map(json_map) == imu.read_sensor_map(csv_map) == mapping
    for sensor_map in (json_map, str(csv_map), mapping):
        recording = imu.read_recording(tmp_path / "walk", sensor_map=sensor_map)
        assert recording.segments == xsens_walk.segments
        np.testing.assert_allclose(recording.quaternions, xsens_walk.quaternions, atol=1e-12)
        assert recording.metadata["sensor_ids"]["pelvis"] == "00C00000"
    assert recording.metadata["sensor_map"] == "the sensor_map given"


def test_an_unknown_id_names_the_ids_found_and_the_segments_still_missing(data_dir, tmp_path):
    mapping = renamed_mtw_copy(data_dir, tmp_path / "walk", n_files=3)
    partial = {k: v for k, v in mapping.items() if v != "shank_r"}
    with pytest.raises(
        imu.GaitTwinInputError,
        match=r"_00C00002.txt': unknown sensor id '00C00002': expected a sensor id or file name "
        r"of the sensor_map given \(00C00000, 00C00001\); found sensor ids 00C00000, 00C00001, "
        r"00C00002 \(1 not mapped: 00C00002\); segments mapped: pelvis, thigh_r; still "
        r"missing: shank_r, thigh_l, shank_l\. Give a sensor map .*--sensor-map FILE",
    ):
        imu.read_xsens_mtw(tmp_path / "walk", sensor_map=partial)
    with pytest.raises(imu.GaitTwinInputError, match=r"of the built-in map \(00B42279, "):
        imu.read_recording(tmp_path / "walk")


def test_files_can_be_mapped_by_name_and_sensors_ignored(data_dir, tmp_path):
    mapping = renamed_mtw_copy(data_dir, tmp_path / "walk", n_files=3)
    by_name = {"MT_012005D6_009-001_00C00000.txt": "pelvis", "00C00001": None}
    by_name["MT_012005D6_009-001_00C00002"] = "shank_r"
    recording = imu.read_xsens_mtw(tmp_path / "walk", sensor_map=by_name)
    assert recording.segments == ("pelvis", "shank_r")
    assert list(recording.metadata["ignored_sensors"]) == ["00C00001"]
    assert set(mapping) == {"00C00000", "00C00001", "00C00002"}


def test_dot_and_csv_and_calc_readers_take_a_map(data_dir, tmp_path, xsens_walk):
    dot = imu.read_xsens_dot(
        data_dir / "xsens_dot_nonwalk",
        sensor_map={"Pelvis": "pelvis", "RFemur": "thigh_l"}
        | {"RTibia": None, "LFemur": None, "LTibia": None},
    )
    assert dot.segments == ("pelvis", "thigh_l")
    part = xsens_walk.select(("pelvis", "thigh_r")).slice_frames(0, 200)
    csv = imu.write_imu_csv(part, tmp_path / "walk.csv")
    csv.write_text(csv.read_text().replace("pelvis_", "S1_").replace("thigh_r_", "S2_"))
    back = imu.read_recording(csv, sensor_map={"S1": "pelvis", "S2": "thigh_l"})
    assert back.segments == ("pelvis", "thigh_l")
    np.testing.assert_allclose(back.quaternions, part.quaternions, atol=1e-10)
    with pytest.raises(imu.GaitTwinInputError, match=r"unknown column prefix 'S1'"):
        imu.read_imu_csv(csv)
    calc = imu.write_calc(part, tmp_path / "walk.calc")
    swapped = imu.read_recording(calc, sensor_map={"Hips": "torso", "RightUpLeg": "thigh_l"})
    assert swapped.segments == ("thigh_l", "torso")
    assert swapped.metadata["body_parts"] == {"thigh_l": "RightUpLeg", "torso": "Hips"}


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        ("map.json", '{"A": "pelvis",\n "B": }', r"map.json', line 2, column 7: expected JSON"),
        ("map.json", '["A", "pelvis"]', r"expected a JSON object .* found a list"),
        ("map.json", '{"A": "hip"}', r"sensor 'A': expected a segment in pelvis, .* found 'hip'"),
        ("map.csv", "id,segment\nA,pelvis\n", r"line 1: expected the header 'sensor,segment'"),
        ("map.csv", "sensor,segment\nA,pelvis,x\n", r"line 2: expected 2 values .* found 3"),
        ("map.csv", "sensor,segment\nA,pelvis\nA,torso\n", r"line 3, column 'sensor': .*'A'"),
        ("map.csv", "sensor,segment\nA,knee\n", r"line 2, sensor 'A': expected a segment"),
        ("map.txt", "A pelvis", r"expected a .json or .csv file, found a '.txt' file"),
    ],
)
def test_malformed_map_files_are_rejected_with_line_and_column(tmp_path, name, text, message):
    path = tmp_path / name
    path.write_text(text)
    with pytest.raises(imu.GaitTwinInputError, match=rf"sensor map '{re.escape(str(path))}'"):
        imu.read_sensor_map(path)
    with pytest.raises(imu.GaitTwinInputError, match=message):
        imu.read_sensor_map(path)


def test_a_folder_with_mtw_and_dot_files_is_refused_or_read_by_choice(data_dir, tmp_path):
    folder = tmp_path / "mixed"
    shutil.copytree(data_dir / MTW, folder)
    dot = sorted((data_dir / "xsens_dot_nonwalk").glob("*.csv"))[0]
    shutil.copy(dot, folder / dot.name)
    with pytest.raises(
        imu.GaitTwinInputError,
        match=r"expected the files of one system, found 8 .txt file\(s\) \(MT_.*\) read as "
        rf"xsens_mtw; 1 .csv file\(s\) \({dot.name}, \.\.\.\) read as xsens_dot\..*file_format",
    ):
        imu.read_recording(folder)
    recording = imu.read_recording(folder, file_format="xsens_mtw")
    assert len(recording.segments) == 8
    assert recording.metadata["files_not_read"] == [str(folder / dot.name)]
    with pytest.raises(imu.GaitTwinInputError, match=r"file_format: expected one of calc, "):
        imu.read_recording(folder, file_format="mtw")


def test_example_01_takes_a_sensor_map(data_dir, tmp_path):
    example = Path(__file__).resolve().parents[2] / "examples" / "01_imu_to_joint_angles.py"
    mapping = renamed_mtw_copy(data_dir, tmp_path / "walk")
    (tmp_path / "map.json").write_text(json.dumps(mapping))
    arguments = [str(tmp_path / "walk"), "--out", str(tmp_path / "o")]
    arguments += ["--sensor-map", str(tmp_path / "map.json")]
    done = subprocess.run(
        [sys.executable, str(example), *arguments],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    assert "8 sensors" in done.stdout
    assert (tmp_path / "o" / "joint_angles.csv").is_file()
