import subprocess
import sys
from pathlib import Path

import pandas as pd

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "02_segment_steps.py"


def test_example_02_runs_on_the_bundled_walk(tmp_path):
    help_text = subprocess.run(
        [sys.executable, str(EXAMPLE), "--help"], capture_output=True, text=True, check=True
    ).stdout
    assert "--out" in help_text and "--height-m" in help_text
    result = subprocess.run(
        [sys.executable, str(EXAMPLE), "--out", str(tmp_path)],
        capture_output=True,
        text=True,
        check=True,
    )
    assert "dropped   0.00-" in result.stdout and "turning" in result.stdout
    strides = pd.read_csv(tmp_path / "strides.csv")
    assert len(strides) >= 3 and set(strides["side"]) == {"l", "r"}
    assert strides["cadence_steps_per_min"].between(70, 130).all()
    assert (tmp_path / "gait_cycles.png").stat().st_size > 10_000
    assert (tmp_path / "stride_parameters.png").stat().st_size > 10_000
