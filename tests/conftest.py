"""Fixtures shared by every stage's tests: the vendored real recordings."""

from pathlib import Path

import pytest

import imu

DATA = Path(__file__).resolve().parent / "data"


@pytest.fixture(scope="session")
def data_dir() -> Path:
    """The vendored test data folder (``tests/data``)."""
    return DATA


@pytest.fixture(scope="session")
def xsens_walk() -> imu.ImuRecording:
    """The bundled Xsens MTw walk (OpenSense example): ~5 s standing, then a loop walk."""
    return imu.read_xsens_mtw(DATA / "xsens_mtw_walk")


@pytest.fixture(scope="session")
def takes(xsens_walk, tmp_path_factory):
    """The bundled walk cut in two IMU CSV files: standing (0-4 s) and walking (from 6 s)."""
    folder = tmp_path_factory.mktemp("takes")
    rate = xsens_walk.sampling_rate_hz
    standing = imu.write_imu_csv(
        xsens_walk.slice_frames(0, round(4.0 * rate)), folder / "standing.csv"
    )
    walk = imu.write_imu_csv(
        xsens_walk.slice_frames(round(6.0 * rate), xsens_walk.n_frames), folder / "walk.csv"
    )
    return standing, walk
