"""docs/citing.md credits every bundled data folder and names the installed version."""

import re
from pathlib import Path

import imu

ROOT = Path(__file__).resolve().parents[2]
PAGE = (ROOT / "docs" / "citing.md").read_text(encoding="utf-8")


def test_every_bundled_data_folder_is_credited():
    folders = sorted(p.name for p in (ROOT / "tests" / "data").iterdir() if p.is_dir())
    assert "xsens_mtw_walk" in folders
    assert [name for name in folders if f"`tests/data/{name}`" not in PAGE] == []


def test_the_software_citation_names_the_installed_version():
    assert re.findall(r"version = \{([^}]*)\}", PAGE) == [imu.__version__]
