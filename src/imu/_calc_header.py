"""The header lines and the column-header line of an Axis Neuron ``.calc`` file.

Header lines are ``Key<TAB>value...`` lines with keys of :data:`imu.CALC_HEADER_KEYS`, in any
order, each at most once; the first line with more than four tab-separated fields is the
column-header line. :func:`read_calc_header` checks both and returns the file's
:class:`~imu.CalcLayout` with its rate, frame count, start time and initial direction.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from imu._calc_layout import (
    CALC_BODY_PARTS,
    CALC_COLUMN_NAMES,
    CALC_DEFAULT_WORLD_FRAME,
    CALC_HEADER_KEYS,
    CALC_WORLD_FRAMES,
    CalcLayout,
    parse_units,
    world_rotation,
)
from imu._errors import GaitTwinInputError

WHAT = "calc file"
#: Most header lines looked at before the column-header line.
MAX_HEADER_LINES = 12
#: Largest relative difference accepted between ``FrameRate`` and ``1 / FrameTime``.
_RATE_TOLERANCE = 1e-3


@dataclass(frozen=True)
class CalcHeader:
    """What the lines before the data rows of a ``.calc`` file say.

    Attributes
    ----------
    layout
        The file's variant.
    sampling_rate_hz
        From ``FrameRate``, or ``1 / FrameTime``, Hz.
    frame_count
        ``FrameCount``, or ``None`` when absent.
    start_time_s
        ``StartTime``, s, or ``None`` when absent.
    initial_direction
        ``Zd`` in the file's world frame, shape ``(3,)``, or ``None`` when absent.
    column_line
        1-based number of the column-header line (data rows follow it).
    assumed
        Defaults used for what the file does not declare, by name (see ``docs/readers.md``).

    """

    layout: CalcLayout
    sampling_rate_hz: float
    frame_count: int | None
    start_time_s: float | None
    initial_direction: np.ndarray | None
    column_line: int
    assumed: dict[str, Any] = field(default_factory=dict)


def _fields(line: str) -> list[str]:
    return line.rstrip(" \t\r").split("\t")


def _number(path: Path, key: str, line: int, values: list[str], *, kind: str) -> float:
    """Return the single number of a header line; ``kind`` is positive, integer or any."""
    try:
        value = float(values[0]) if len(values) == 1 else np.nan
    except ValueError:
        value = np.nan
    ok = bool(np.isfinite(value))
    if kind == "positive":
        ok = ok and value > 0
    elif kind == "integer":
        ok = ok and value >= 0 and value == round(value)
    if not ok:
        found = "\t".join(values)
        expected = {"positive": "a positive number", "integer": "a whole number of frames"}
        raise GaitTwinInputError(
            f"{WHAT} '{path}', line {line}, header '{key}': expected "
            f"{expected.get(kind, 'a number')}, found {found!r}"
        )
    return value


def _header_lines(path: Path, lines: list[str]) -> dict[str, tuple[int, list[str]]]:
    """Return ``key -> (line number, values)`` of the header lines, checking keys."""
    entries: dict[str, tuple[int, list[str]]] = {}
    unknown: list[tuple[int, str]] = []
    for i, line in enumerate(lines):
        fields = [f.strip() for f in _fields(line)]
        key, values = fields[0], fields[1:]
        if not key:
            raise GaitTwinInputError(
                f"{WHAT} '{path}', line {i + 1}: expected a header line 'Key<TAB>value' or the "
                f"column-header line, found {line!r}"
            )
        if key in entries:
            raise GaitTwinInputError(
                f"{WHAT} '{path}', line {i + 1}: expected each header key once, found {key!r} "
                f"again (first on line {entries[key][0]})"
            )
        if key in CALC_HEADER_KEYS:
            entries[key] = (i + 1, values)
        else:
            unknown.append((i + 1, key))
    if "FrameRate" not in entries and "FrameTime" not in entries:
        where = f"lines 1-{len(lines)}" if len(lines) > 1 else f"line {len(lines)}"
        found = ", ".join(repr(line.split("\t")[0]) for line in lines) or "no header lines"
        raise GaitTwinInputError(
            f"{WHAT} '{path}', {where}: expected a header line 'FrameRate<TAB><Hz>' or "
            f"'FrameTime<TAB><s>', found {found}"
        )
    if unknown:
        line, key = unknown[0]
        raise GaitTwinInputError(
            f"{WHAT} '{path}', line {line}: expected a header key among "
            f"{', '.join(CALC_HEADER_KEYS)}, found {key!r} (unknown header line)"
        )
    return entries


def _rate_hz(path: Path, entries: dict[str, tuple[int, list[str]]]) -> float:
    rate = time = None
    if "FrameRate" in entries:
        rate = _number(path, "FrameRate", *entries["FrameRate"], kind="positive")
    if "FrameTime" in entries:
        time = _number(path, "FrameTime", *entries["FrameTime"], kind="positive")
    if rate is not None and time is not None and abs(rate * time - 1.0) > _RATE_TOLERANCE:
        raise GaitTwinInputError(
            f"{WHAT} '{path}', lines {entries['FrameRate'][0]} and {entries['FrameTime'][0]}: "
            f"expected FrameTime = 1 / FrameRate ({1.0 / rate:.6g} s), found {time:g} s"
        )
    return rate if rate is not None else 1.0 / time


def _column_layout(
    path: Path,
    column_line: int,
    found: list[str],
    declared_bones: int | None,
    **layout_fields: Any,
) -> CalcLayout:
    """Return the layout the column names follow, or raise naming the first wrong column."""
    first = found[0]
    if re.match(r"^\d\d-", first):
        naming = "numbered"
    elif "-Joint-" in first:
        naming = "body_part"
    else:
        raise GaitTwinInputError(
            f"{WHAT} '{path}', line {column_line}, column 1: expected '01-X-x' (numbered "
            f"columns) or 'Hips-Joint-Posi-x' (body-part columns), found {first!r}"
        )
    contact_names = CALC_COLUMN_NAMES[naming]["contacts"]
    places = [found.index(name) for name in contact_names if name in found]
    if not places:
        contacts = "none"
    elif min(places) == 16 * len(CALC_BODY_PARTS):
        contacts = "after_body"
    else:
        contacts = "at_end"
    n_part_columns = len(found) - len(places)
    fingers = declared_bones == 59 if declared_bones else n_part_columns > 16 * len(CALC_BODY_PARTS)
    layout = CalcLayout(column_names=naming, contacts=contacts, fingers=fingers, **layout_fields)
    expected = layout.columns()
    for i, (want, got) in enumerate(zip(expected, found, strict=False)):
        if want != got:
            raise GaitTwinInputError(
                f"{WHAT} '{path}', line {column_line}, column {i + 1}: expected {want!r}, found "
                f"{got!r} (unknown body part or channel)"
            )
    if len(found) != len(expected):
        raise GaitTwinInputError(
            f"{WHAT} '{path}', line {column_line}: expected {len(expected)} column names for "
            f"{layout.n_bones} bones, found {len(found)}"
        )
    return layout


def read_calc_header(path: Path, text: str) -> CalcHeader:
    r"""Parse the header and column-header lines of a ``.calc`` file.

    Parameters
    ----------
    path
        The file, for messages.
    text
        Its whole text with ``\n`` line endings.

    Returns
    -------
    CalcHeader

    Raises
    ------
    GaitTwinInputError
        Naming the file, line (and column or header key), what was expected and what was
        found: no column-header line within :data:`MAX_HEADER_LINES` lines, a blank, unknown or
        repeated header line, no ``FrameRate``/``FrameTime``, a header value that is not a
        number of the right kind, a bone count other than 21 or 59, units or a world frame we
        cannot interpret, ``FrameRate`` and ``FrameTime`` that disagree, or column names other
        than those of the layout.

    """
    lines = text.split("\n", MAX_HEADER_LINES + 1)[: MAX_HEADER_LINES + 1]
    column_index = next((i for i, line in enumerate(lines) if len(_fields(line)) > 4), None)
    if column_index is None:
        raise GaitTwinInputError(
            f"{WHAT} '{path}': expected a column-header line (more than 4 tab-separated names) "
            f"after at most {MAX_HEADER_LINES} header lines, found none in the first "
            f"{len(lines)} lines"
        )
    entries = _header_lines(path, lines[:column_index])
    rate_hz = _rate_hz(path, entries)
    assumed: dict[str, Any] = {}
    direction = None
    if "Zd" in entries:
        line, values = entries["Zd"]
        try:
            direction = np.array([float(v) for v in values]) if len(values) == 3 else None
        except ValueError:
            direction = None
        if direction is None or not np.all(np.isfinite(direction)):
            raise GaitTwinInputError(
                f"{WHAT} '{path}', line {line}: expected the initial direction "
                f"'Zd<TAB>x<TAB>y<TAB>z' (3 numbers), found {lines[line - 1]!r}"
            )
    bones = None
    if "BoneNumber" in entries:
        line, values = entries["BoneNumber"]
        if values not in (["21"], ["59"]):
            raise GaitTwinInputError(
                f"{WHAT} '{path}', line {line}: expected the bone count 'BoneNumber<TAB>21' or "
                f"'BoneNumber<TAB>59', found {lines[line - 1]!r}"
            )
        bones = int(values[0])
    frame_count = start_s = None
    if "FrameCount" in entries:
        frame_count = int(_number(path, "FrameCount", *entries["FrameCount"], kind="integer"))
    if "StartTime" in entries:
        start_s = _number(path, "StartTime", *entries["StartTime"], kind="any")
    else:
        assumed["start_time_s"] = 0.0
    units: dict[str, str] = {}
    if "Units" in entries:
        line, values = entries["Units"]
        units = parse_units(" ".join(values), where=f"{WHAT} '{path}', line {line}, header 'Units'")
    world = CALC_DEFAULT_WORLD_FRAME
    if "World" in entries:
        line, values = entries["World"]
        world = " ".join(values)
        world_rotation(world, where=f"{WHAT} '{path}', line {line}, header 'World'")
    else:
        assumed["world_frame"] = f"{world} ({CALC_WORLD_FRAMES[world]})"
    column_line = column_index + 1
    layout = _column_layout(
        path,
        column_line,
        [name.strip() for name in _fields(lines[column_index])],
        bones,
        header=tuple(sorted(entries, key=lambda key: entries[key][0])),
        length_unit=units.get("length", "m"),
        acceleration_unit=units.get("acceleration"),
        angular_velocity_unit=units.get("angular_velocity"),
        world_frame=world,
    )
    for kind, unit in layout.units.items():
        if kind not in units:
            assumed[f"{kind}_unit"] = unit
    if bones is None:
        assumed["bone_count"] = layout.n_bones
    return CalcHeader(
        layout=layout,
        sampling_rate_hz=rate_hz,
        frame_count=frame_count,
        start_time_s=start_s,
        initial_direction=direction,
        column_line=column_line,
        assumed=assumed,
    )
