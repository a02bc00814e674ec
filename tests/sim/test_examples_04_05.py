import subprocess
import sys
from pathlib import Path

EXAMPLES = Path(__file__).parents[2] / "examples"


def _run(script: str, *args: str) -> str:
    done = subprocess.run(
        [sys.executable, str(EXAMPLES / script), *args], capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def test_example_04_contact_correction(tmp_path):
    out = _run(
        "04_contact_correction.py",
        "--out",
        str(tmp_path),
        "--max-frames",
        "150",
        "--video-fps",
        "5",
        "--width",
        "64",
        "--height",
        "48",
    )
    assert out.count("max_penetration_cm") == 2
    for clip in ("cmu_07_01", "xsens_walk"):
        assert (tmp_path / f"{clip}_contact_correction.png").stat().st_size > 10_000
        assert (tmp_path / f"{clip}_before_after.mp4").stat().st_size > 1_000


def test_example_05_render_terrains(tmp_path):
    out = _run(
        "05_render_terrains.py",
        "--out",
        str(tmp_path),
        "--levels",
        "4",
        "--width",
        "64",
        "--height",
        "48",
        "--gif-frames",
        "2",
    )
    assert "stairs_level4" in out
    for name in ("flat", "ramp_level4", "stairs_level4", "terrains"):
        assert (tmp_path / f"{name}.png").exists()
    assert (tmp_path / "stairs_orbit.gif").exists()


def test_examples_have_help():
    for script in ("04_contact_correction.py", "05_render_terrains.py"):
        assert "--out" in _run(script, "--help")
