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
