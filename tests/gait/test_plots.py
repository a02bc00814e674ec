from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure

import gait
from imu import GaitTwinInputError, JointAngles

DATA = Path(__file__).resolve().parents[1] / "data"
FS = 100.0


@pytest.fixture()
def walk():
    """Sinusoidal hip and knee angles, strides of 1 s, both sides, and their stride table."""
    t = np.arange(0, 6, 1 / FS)
    hip = np.deg2rad(5 + 20 * np.cos(2 * np.pi * t))
    knee = np.deg2rad(30 - 30 * np.cos(2 * np.pi * t))
    names = ("hip_flexion_l", "knee_flexion_l", "hip_flexion_r", "knee_flexion_r")
    angles = JointAngles(t, FS, names, np.column_stack((hip, knee, hip, knee)))
    strikes = {"l": np.arange(0, 6) * 100, "r": np.arange(0, 5) * 100 + 50}
    offs = {side: s + 60 for side, s in strikes.items()}
    offs = {side: o[o < t.size] for side, o in offs.items()}
    events = gait.GaitEvents(FS, t.size, strikes, offs)
    return angles, gait.gait_parameters(events, angles=angles)


def test_gait_cycle_plot_has_means_spread_and_winter(walk, tmp_path):
    angles, params = walk
    winter = gait.read_winter_normative(DATA / "normative" / "Winter_normal.csv")
    path = tmp_path / "cycles.png"
    fig = gait.plot_gait_cycles(angles, params.strides, normative=winter, path=path)
    assert isinstance(fig, Figure)
    assert path.stat().st_size > 10_000
    axes = fig.axes
    assert [ax.get_title() for ax in axes] == ["hip flexion", "knee flexion"]
    knee = axes[1]
    labels = [line.get_label() for line in knee.get_lines()]
    assert labels == ["left (n = 5)", "right (n = 4)", "Winter"]
    left_mean = knee.get_lines()[0].get_ydata()
    assert np.allclose(left_mean, 30 - 30 * np.cos(2 * np.pi * np.linspace(0, 1, 101)), atol=0.5)
    assert np.allclose(knee.get_lines()[2].get_ydata(), winter["knee_flexion_deg"])
    assert len(knee.collections) == 2  # one spread band per side


def test_gait_cycle_plot_rejects_bad_input(walk):
    angles, params = walk
    with pytest.raises(GaitTwinInputError, match="strides: expected a column 'side'"):
        gait.plot_gait_cycles(angles, params.strides.drop(columns="side"))
    pelvis = JointAngles(angles.time_s, FS, ("pelvis_tilt",), np.zeros((angles.time_s.size, 1)))
    with pytest.raises(GaitTwinInputError, match="expected hip/knee/ankle sagittal angles"):
        gait.plot_gait_cycles(pelvis, params.strides)


def test_step_parameter_plot(walk, tmp_path):
    _, params = walk
    path = tmp_path / "params.png"
    fig = gait.plot_step_parameters(params, path=path)
    assert path.exists()
    titles = [ax.get_title() for ax in fig.axes if ax.get_visible()]
    assert titles == ["stride time (s)", "cadence (steps/min)", "stance (% stride)"]
    left = fig.axes[0].get_lines()[0]
    strides = params.strides[params.strides["side"] == "l"]
    assert np.allclose(left.get_xdata(), strides["start_s"])
    assert isinstance(params.strides, pd.DataFrame)


def test_winter_reader_values_and_errors(tmp_path):
    winter = gait.read_winter_normative(DATA / "normative" / "Winter_normal.csv")
    assert winter.shape == (51, 3) and winter.index[-1] == 100.0
    assert winter.attrs == {"cycle_duration_s": 1.1396, "speed_m_s": 1.325}
    assert 64 < winter["knee_flexion_deg"].max() < 65.5
    assert -11.5 < winter["hip_flexion_deg"].min() < -10.5
    text = (DATA / "normative" / "Winter_normal.csv").read_text(encoding="utf-8-sig")
    broken = tmp_path / "winter.csv"
    broken.write_text(text.replace("knee angle", "knee"), encoding="utf-8")
    with pytest.raises(GaitTwinInputError, match=r"line 5: expected a column 'knee angle'"):
        gait.read_winter_normative(broken)
    short = tmp_path / "short.csv"
    short.write_text("\n".join(text.splitlines()[:30]), encoding="utf-8")
    with pytest.raises(GaitTwinInputError, match=r"expected 51 rows at 0, 2, \.\.\., 100 %"):
        gait.read_winter_normative(short)
