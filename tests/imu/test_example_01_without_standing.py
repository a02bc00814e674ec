"""Example 01 on a take without standing: refused naming both ways, then each way works."""

import importlib.util
from pathlib import Path

import pandas as pd
import pytest

from imu import GaitTwinInputError

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "01_imu_to_joint_angles.py"


@pytest.fixture(scope="module")
def example():
    spec = importlib.util.spec_from_file_location("example_01", EXAMPLE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_a_take_without_standing_is_refused_naming_both_options(example, takes, tmp_path):
    _, walk = takes
    with pytest.raises(GaitTwinInputError, match=r"--standing FILE.*--mounting FILE"):
        example.main([str(walk), "--out", str(tmp_path)])


def test_both_ways_give_the_angles_of_the_whole_take(example, takes, tmp_path, capsys):
    standing, walk = takes
    whole = tmp_path / "whole"
    example.main(["--out", str(whole)])  # the bundled walk, standing included
    reference = pd.read_csv(whole / "joint_angles.csv", index_col="time_s")
    for option, path in (("--standing", standing), ("--mounting", whole / "calibration.json")):
        out = tmp_path / option.strip("-")
        example.main([str(walk), "--out", str(out), option, str(path)])
        found = pd.read_csv(out / "joint_angles.csv", index_col="time_s")
        same = reference.loc[found.index]
        knee = (found["knee_flexion_r_deg"] - same["knee_flexion_r_deg"]).abs()
        assert knee.iloc[100:-100].max() < 0.5, option  # the ends differ by the filter's edges
        assert (found["hip_adduction_r_deg"] - same["hip_adduction_r_deg"]).abs().median() < 0.5
    assert "calibration: the mounting in" in capsys.readouterr().out
