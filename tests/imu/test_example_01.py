"""examples/01_imu_to_joint_angles.py runs on the bundled walk and writes what it says."""

import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

import imu
from imu import GaitTwinInputError

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "01_imu_to_joint_angles.py"


def test_example_writes_csv_mot_and_figure(tmp_path):
    result = subprocess.run(
        [sys.executable, str(EXAMPLE), "--out", str(tmp_path)],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    assert "standing window found at" in result.stdout
    table = pd.read_csv(tmp_path / "joint_angles.csv")
    assert {"time_s", "knee_flexion_r_deg", "hip_adduction_l_deg"} <= set(table.columns)
    assert 55.0 < table["knee_flexion_l_deg"].max() < 90.0
    assert (tmp_path / "joint_angles.mot").read_text().startswith("joint_angles\nversion=1")
    assert (tmp_path / "joint_angles.png").stat().st_size > 20_000


def test_example_help():
    result = subprocess.run(
        [sys.executable, str(EXAMPLE), "--help"], capture_output=True, text=True, check=True
    )
    assert "--out" in result.stdout


def test_read_recording_names_what_it_found(tmp_path):
    (tmp_path / "walk.mvnx").write_text("<mvnx/>")
    with pytest.raises(
        GaitTwinInputError, match=r"walk.mvnx': expected a .calc file.*found a '.mvnx' file"
    ):
        imu.read_recording(tmp_path / "walk.mvnx")
    with pytest.raises(GaitTwinInputError, match="found nothing"):
        imu.read_recording(tmp_path / "missing.calc.gz")
