"""Delimited numeric tables in text files, with errors that name the file, line and column.

Every reader of a text format (Xsens MTw/DOT, Axis Neuron ``.calc``, the gaittwin IMU CSV) parses
its data block here, so that a malformed file fails the same way whatever its format: the message
names the file, the 1-based line (as an editor shows it), the column, what was expected and what
was found.
"""

from __future__ import annotations

import io
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from imu._errors import GaitTwinInputError


@dataclass(frozen=True)
class NumericTable:
    """The numeric columns of one delimited data block.

    Attributes
    ----------
    path
        The file read.
    what
        What the file is, for messages (e.g. ``"Xsens MTw file"``).
    preamble
        The lines before the column-header line, without line endings.
    columns
        All column names of the header line, in file order.
    values
        The requested columns as ``float64`` arrays of shape ``(n,)``, all finite.
    first_line
        1-based line number of the first data row.

    """

    path: Path
    what: str
    preamble: tuple[str, ...]
    columns: tuple[str, ...]
    values: dict[str, np.ndarray]
    first_line: int

    @property
    def n_rows(self) -> int:
        """Number of data rows."""
        return int(next(iter(self.values.values())).size) if self.values else 0

    @property
    def lines(self) -> np.ndarray:
        """1-based line numbers of the data rows, shape ``(n,)``."""
        return np.arange(self.n_rows, dtype=np.int64) + self.first_line

    def where(self, row: int, column: str | None = None) -> str:
        """Return ``"<what> '<path>', line L[, column 'C']"`` for messages."""
        place = f"{self.what} '{self.path}', line {self.first_line + int(row)}"
        return place if column is None else f"{place}, column '{column}'"

    def stack(self, names: Sequence[str]) -> np.ndarray:
        """Return the columns ``names`` side by side, shape ``(n, len(names))``."""
        return np.column_stack([self.values[name] for name in names])


def read_text(path: str | os.PathLike, *, what: str) -> str:
    """Return the text of ``path`` with universal newlines.

    Raises
    ------
    GaitTwinInputError
        If the file does not exist, is not UTF-8 text or is empty.

    """
    path = Path(path)
    if not path.is_file():
        raise GaitTwinInputError(f"{what} '{path}': expected an existing file, found none")
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as err:
        raise GaitTwinInputError(
            f"{what} '{path}': expected UTF-8 text, found a byte that is not ({err.reason} "
            f"at byte {err.start})"
        ) from None
    if not text.strip():
        raise GaitTwinInputError(f"{what} '{path}': expected data, found an empty file")
    return text


def parse_table(
    text: str,
    *,
    path: str | os.PathLike,
    what: str,
    preamble_lines: int,
    sep: str,
    use: Sequence[str],
    strip_trailing: str = " ",
) -> NumericTable:
    r"""Parse the delimited block of ``text`` that follows ``preamble_lines`` lines.

    Line ``preamble_lines + 1`` holds the column names; every later line is one data row with
    exactly one value per column. Only the columns ``use`` are converted (the others may hold
    anything, including nothing).

    Parameters
    ----------
    text
        Whole file text with ``\n`` line endings (see :func:`read_text`).
    path, what
        File and description, for messages.
    preamble_lines
        Number of lines before the column-header line.
    sep
        Field separator (``"\t"`` or ``","``).
    use
        Columns to return; each must be in the header.
    strip_trailing
        Characters removed from the end of every line before counting fields (a trailing
        separator written by some exporters is then ignored).

    Returns
    -------
    NumericTable

    Raises
    ------
    GaitTwinInputError
        If a column of ``use`` is missing, a row has the wrong number of values, a line is
        blank, or a used value is not a finite number.

    """
    path = Path(path)
    all_lines = text.split("\n")
    while all_lines and not all_lines[-1].strip():
        all_lines.pop()
    if len(all_lines) <= preamble_lines:
        raise GaitTwinInputError(
            f"{what} '{path}': expected a column-header line at line {preamble_lines + 1}, "
            f"found only {len(all_lines)} lines"
        )
    header_line = all_lines[preamble_lines].rstrip(strip_trailing)
    columns = tuple(name.strip() for name in header_line.split(sep))
    missing = [name for name in use if name not in columns]
    if missing:
        raise GaitTwinInputError(
            f"{what} '{path}', line {preamble_lines + 1}: expected column(s) "
            f"{', '.join(repr(m) for m in missing)}, found columns {', '.join(columns)}"
        )
    first_line = preamble_lines + 2
    rows = np.array(all_lines[preamble_lines + 1 :], dtype=str)
    if rows.size == 0:
        raise GaitTwinInputError(
            f"{what} '{path}': expected data rows from line {first_line}, found none"
        )
    rows = np.char.rstrip(rows, strip_trailing)
    counts = np.char.count(rows, sep) + 1
    blank = np.char.str_len(np.char.strip(rows)) == 0
    counts[blank] = 0
    bad = np.flatnonzero(counts != len(columns))
    if bad.size:
        i = int(bad[0])
        found = "a blank line" if blank[i] else f"{counts[i]}"
        raise GaitTwinInputError(
            f"{what} '{path}', line {first_line + i}: expected {len(columns)} values "
            f"(one per column of line {preamble_lines + 1}), found {found}"
        )
    index = [columns.index(name) for name in use]
    frame = pd.read_csv(
        io.StringIO("\n".join(rows.tolist())),
        sep=sep,
        header=None,
        usecols=index,
        keep_default_na=False,
        na_values=[],
        skipinitialspace=True,
    )
    values: dict[str, np.ndarray] = {}
    for name, i in zip(use, index, strict=True):
        raw = frame[i]
        numbers = pd.to_numeric(raw, errors="coerce").to_numpy(dtype=np.float64)
        bad_rows = np.flatnonzero(~np.isfinite(numbers))
        if bad_rows.size:
            r = int(bad_rows[0])
            found = str(raw.iloc[r]).strip()
            try:
                float(found)
                expected = "a finite number"
            except ValueError:
                expected = "a number"
            found_text = repr(found) if found else "an empty field"
            raise GaitTwinInputError(
                f"{what} '{path}', line {first_line + r}, column '{name}': expected "
                f"{expected}, found {found_text}"
            )
        values[name] = numbers
    return NumericTable(
        path=path,
        what=what,
        preamble=tuple(all_lines[:preamble_lines]),
        columns=columns,
        values=values,
        first_line=first_line,
    )


def unit_quaternions(table: NumericTable, names: Sequence[str], *, tolerance: float = 0.01):
    """Return the columns ``names`` as normalised quaternions, shape ``(n, 4)``, same order.

    Raises
    ------
    GaitTwinInputError
        If a quaternion's norm differs from 1 by more than ``tolerance``.

    """
    quats = table.stack(names)
    norms = np.linalg.norm(quats, axis=1)
    bad = np.flatnonzero(np.abs(norms - 1.0) > tolerance)
    if bad.size:
        r = int(bad[0])
        raise GaitTwinInputError(
            f"{table.where(r)}: expected a unit quaternion in columns {', '.join(names)}, "
            f"found norm {norms[r]:.4f}"
        )
    return quats / norms[:, None]
