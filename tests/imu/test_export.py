"""Joint-angle outputs: CSV round trip, OpenSim .mot, figure."""

import numpy as np
import pytest

import imu
from imu import GaitTwinInputError, JointAngles


@pytest.fixture()
def angles():
    t = np.arange(50) / 100.0
    names = ("pelvis_tilt", "hip_flexion_r", "knee_flexion_l", "hip_adduction_l")
    values = np.column_stack([np.deg2rad(10.0 * (k + 1)) + 0.1 * t for k in range(4)])
    return JointAngles(t, 100.0, names, values, {"path": "walk.calc"})


def test_csv_round_trip_in_degrees(angles, tmp_path):
    path = imu.write_joint_angles_csv(angles, tmp_path / "angles.csv")
    header = path.read_text().splitlines()[0]
    assert (
        header == "time_s,pelvis_tilt_deg,hip_flexion_r_deg,knee_flexion_l_deg,hip_adduction_l_deg"
    )
    back = imu.read_joint_angles_csv(path)
    assert back.names == angles.names
    np.testing.assert_allclose(back.values_rad, angles.values_rad, atol=1e-7)
    assert not list(tmp_path.glob(".*tmp*"))  # no temporary file left behind


def test_csv_without_time_column_is_refused(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("t,knee_flexion_r_deg\n0,1\n0.01,2\n")
    with pytest.raises(
        GaitTwinInputError, match=r"bad.csv', column 1: expected 'time_s', found 't'"
    ):
        imu.read_joint_angles_csv(path)


def test_mot_uses_opensim_names_and_signs(angles, tmp_path):
    path = imu.write_mot(angles, tmp_path / "walk.mot")
    lines = path.read_text().splitlines()
    assert lines[:6] == [
        "walk",
        "version=1",
        "nRows=50",
        "nColumns=5",
        "inDegrees=yes",
        "endheader",
    ]
    columns = lines[6].split("\t")
    assert columns == ["time", "pelvis_tilt", "hip_flexion_r", "knee_angle_l", "hip_adduction_l"]
    first = [float(v) for v in lines[7].split("\t")]
    assert first[1] == pytest.approx(-10.0)  # OpenSim pelvis_tilt is positive posterior
    assert first[3] == pytest.approx(30.0)


def test_mot_needs_an_opensim_coordinate(tmp_path):
    only_unknown = JointAngles(np.arange(3.0), 1.0, ("knee_rotation_r",), np.zeros((3, 1)))
    with pytest.raises(GaitTwinInputError, match="write_mot: expected at least one of"):
        imu.write_mot(only_unknown, tmp_path / "x.mot")
    assert not (tmp_path / "x.mot").exists()


def test_figure_has_one_panel_per_angle_kind(angles, tmp_path):
    figure = imu.plot_joint_angles(angles, path=tmp_path / "angles.png")
    visible = [ax for ax in figure.axes if ax.get_visible()]
    assert [ax.get_title() for ax in visible] == [
        "pelvis tilt",
        "hip flexion",
        "knee flexion",
        "hip adduction",
    ]
    assert (tmp_path / "angles.png").stat().st_size > 10_000
