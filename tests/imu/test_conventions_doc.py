"""The sign table in docs/conventions.md says what the code does."""

import re
from pathlib import Path

import imu

DOC = Path(__file__).resolve().parents[2] / "docs" / "conventions.md"


def test_sign_table_matches_the_code():
    rows = re.findall(
        r"^\| `(\w+)` \| \w+ -> \w+ \| .+? \| ([abc]): ([+-]1) \| ([+-]1) \|$",
        DOC.read_text(encoding="utf-8"),
        flags=re.MULTILINE,
    )
    assert len(rows) == 9
    for name, axis, right, left in rows:
        joint = name.split("_")[0]
        column = "abc".index(axis)
        assert imu.angle_names(f"{joint}_r")[column] == f"{name}_r"
        assert imu.SIGNS[f"{joint}_r"][column] == float(right)
        assert imu.SIGNS[f"{joint}_l"][column] == float(left)
