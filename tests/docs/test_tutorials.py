"""The tutorials run as written, print what the page shows, and quote only figures they print.

Each tutorial in ``docs/tutorials`` is a sequence of ``python`` blocks run in one namespace, in a
tmp folder that holds the bundled data at ``tests/data`` (the path the page uses); a ``text``
block right after a ``python`` block is that block's printed output, compared line by line.
A quantity the prose quotes with a unit (``0.09 deg``, ``61-67 deg``, ``4 strides``) must be a
number of the code or of its output, to the digits the prose gives.
"""

import contextlib
import io
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
TUTORIALS = ROOT / "docs" / "tutorials"

FENCE = re.compile(r"^```(\w*)\n(.*?)^```\n", re.MULTILINE | re.DOTALL)
NUMBER = r"-?\d+(?:\.\d+)?"
UNITS = r"deg|s|Hz|m/s|m|%|steps/min|strides?|steps?|cycles?|sensors?|samples?|angles?|columns?"
QUOTED = re.compile(rf"(?<![\w.])({NUMBER})(?:\s*(?:-|to)\s*({NUMBER}))?\s*(?:{UNITS})(?![\w/])")


def fenced_blocks(text: str) -> list[tuple[str, str, int]]:
    """Return ``(language, body, end offset)`` of every fenced block, in order."""
    return [(m.group(1), m.group(2), m.end()) for m in FENCE.finditer(text)]


def python_with_output(text: str) -> list[tuple[str, str | None]]:
    """Return each ``python`` block and the ``text`` block right after it (None if none is)."""
    blocks = fenced_blocks(text)
    pairs = []
    for k, (language, body, end) in enumerate(blocks):
        if language != "python":
            continue
        output = None
        if k + 1 < len(blocks) and blocks[k + 1][0] == "text":
            start_of_next = text.index("```text\n", end)
            if not text[end:start_of_next].strip():
                output = blocks[k + 1][1]
        pairs.append((body, output))
    return pairs


def prose(text: str) -> str:
    """Return the page without fenced blocks, inline code and link targets."""
    text = FENCE.sub("", text)
    text = re.sub(r"`[^`]*`", "", text)
    return re.sub(r"\]\([^)]*\)", "]", text)


def quoted_quantities(text: str) -> list[str]:
    """Return every number the prose quotes with a unit (both ends of a range)."""
    return [n for match in QUOTED.finditer(prose(text)) for n in match.groups() if n]


def matches(quoted: str, number: str) -> bool:
    """Whether ``number`` rounded to the digits of ``quoted`` is ``quoted``."""
    decimals = len(quoted.partition(".")[2])
    return round(float(number), decimals) == float(quoted)


@pytest.fixture
def bundled_data_here(tmp_path, monkeypatch) -> Path:
    """A tmp folder as working directory, with ``tests/data`` pointing at the bundled data."""
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "data").symlink_to(ROOT / "tests" / "data")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_the_checks_find_what_they_look_for():
    page = "Knee flexion reaches 61-67 deg in `x = 5 s` [a](b-2.md).\n\n```python\nprint(1)\n```\n"
    assert quoted_quantities(page) == ["61", "67"]
    assert python_with_output(page + "\n```text\n1\n```\n") == [("print(1)\n", "1\n")]
    assert matches("61", "61.1") and matches("0.09", "0.094") and not matches("0.09", "0.1")


@pytest.mark.parametrize("page", ["joint-angles.md", "steps.md"])
def test_tutorial_runs_and_prints_what_the_page_shows(page, bundled_data_here):
    text = (TUTORIALS / page).read_text(encoding="utf-8")
    pairs = python_with_output(text)
    assert pairs, f"{page}: no python block"
    namespace: dict = {}
    printed = []
    for k, (code, expected) in enumerate(pairs):
        captured = io.StringIO()
        with contextlib.redirect_stdout(captured):
            exec(compile(code, f"{page} block {k + 1}", "exec"), namespace)
        printed.append(captured.getvalue())
        if expected is not None:
            assert captured.getvalue().splitlines() == expected.splitlines(), (
                f"{page}, block {k + 1}: prints\n{captured.getvalue()}"
            )
    numbers = re.findall(NUMBER, "\n".join(printed) + "\n".join(code for code, _ in pairs))
    stale = [q for q in quoted_quantities(text) if not any(matches(q, n) for n in numbers)]
    assert not stale, f"{page}: quoted but neither in the code nor printed: {stale}"
