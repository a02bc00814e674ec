"""``gaittwin-predict --sensor-map`` on a copy of the bundled walk with renamed sensor ids."""

from __future__ import annotations

import json
import shutil

import pytest

import imu
import learn
from learn.cli import build_batch_parser, prediction_options
from learn.cli import main as cli_main

TINY = ["--allow-scratch", "--tasks", "slope", "--levels", "0", "--envs", "1", "--rollouts", "1"]
TINY += ["--adapt-steps", "64", "--task-steps", "256"]


def test_predict_runs_on_renamed_sensor_ids_with_a_sensor_map(data_dir, tmp_path, capsys):
    walk = tmp_path / "renamed_walk"
    walk.mkdir()
    mapping = {}
    for k, (sensor_id, segment) in enumerate(imu.MTW_SENSOR_SEGMENTS.items()):
        new_id = f"00D0000{k}"
        source = data_dir / "xsens_mtw_walk" / f"MT_012005D6_009-001_{sensor_id}.txt"
        shutil.copy(source, walk / f"MT_012005D6_009-001_{new_id}.txt")
        mapping[new_id] = segment
    sensor_map = tmp_path / "map.json"
    sensor_map.write_text(json.dumps(mapping, indent=2))

    assert cli_main([str(walk), "--out", str(tmp_path / "refused"), *TINY]) == 2
    error = capsys.readouterr().err
    assert "unknown sensor id '00D00000'" in error and "--sensor-map FILE" in error
    assert "still missing: pelvis, thigh_r, shank_r, thigh_l, shank_l" in error
    assert not (tmp_path / "refused").exists()

    out = tmp_path / "report"
    # 0, or 3 when the 64-step scratch controller falls ("no prediction"): the run worked
    assert cli_main([str(walk), "--out", str(out), "--sensor-map", str(sensor_map), *TINY]) in (
        0,
        3,
    )
    assert (out / "report.html").is_file()
    assert (out / "patient_clip.npz").is_file()


def test_batch_passes_the_sensor_map_to_every_patient(tmp_path):
    args = build_batch_parser().parse_args(
        ["a", "b", "--out", str(tmp_path), "--allow-scratch", "--sensor-map", "map.csv"]
    )
    assert str(prediction_options(args)["sensor_map"]) == "map.csv"


class _Read(Exception):
    """Raised by the stand-in reader with the keywords it was called with."""


def test_the_orientation_method_reaches_the_reader(monkeypatch, tmp_path):
    args = build_batch_parser().parse_args(
        ["a", "--out", str(tmp_path), "--allow-scratch", "--orientation-method", "mahony"]
    )
    options = prediction_options(args)
    assert options["orientation_method"] == "mahony" and options["sensor_map"] is None

    def reader(path, **keywords):
        raise _Read(keywords)

    monkeypatch.setattr(imu, "read_recording", reader)
    with pytest.raises(_Read) as read:
        learn.patient_reference("walk", model="legs13_ankles", orientation_method="mahony")
    assert read.value.args[0]["orientation_method"] == "mahony"
    patient = learn.PatientRecording(tmp_path / "walk", standing=tmp_path / "standing")
    with pytest.raises(_Read) as read:
        learn.prediction.given_calibration(patient, orientation_method="ekf")
    assert read.value.args[0] == {"sensor_map": None, "orientation_method": "ekf"}


def test_an_unknown_orientation_method_is_refused_by_the_parser(tmp_path, capsys):
    with pytest.raises(SystemExit):
        build_batch_parser().parse_args(
            ["a", "--out", str(tmp_path), "--allow-scratch", "--orientation-method", "kalman"]
        )
    assert "invalid choice: 'kalman'" in capsys.readouterr().err
