"""The Python snippet in README.md runs as written (from a folder beside the bundled data)."""

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_readme_snippet_runs(tmp_path):
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    code = re.search(r"```python\n(.*?)```", text, flags=re.DOTALL).group(1)
    code = code.replace('"tests/data/', f'"{ROOT.as_posix()}/tests/data/')
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert "Traceback" not in result.stderr
    for name in ("angles.csv", "angles.mot", "before_after.mp4"):
        assert (tmp_path / name).stat().st_size > 1000, name
