"""Text mutations of reader input files, as a hypothesis strategy.

One :class:`Mutation` is one edit of the kinds a reliability review applies by hand: a number
replaced (by an implausible, malformed or slightly changed value), a token deleted or repeated,
a line deleted, repeated, swapped, joined with the next or filled with junk, the file cut short,
a byte-order mark or CRLF line endings added. Line and token positions are drawn as large
integers and taken modulo the file's size, so one strategy serves every file.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from hypothesis import strategies as st

#: Values that no field of any reader may hold: a reader must refuse them, never return data
#: that changed because of them.
NON_FINITE_OR_HUGE = ("nan", "NaN", "inf", "-inf", "Infinity", "1e300", "-1e300", "1e400")

#: Other replacement tokens: out of range for many fields, malformed, or of another type.
ODD_TOKENS = (
    "0",
    "-0",
    "-1",
    "-0.45",
    "2.5",
    "1e5",
    "-1e5",
    "720",
    "-361",
    "abc",
    "1e",
    "0x10",
    "1,5",
    "١٢",
    "²",
    "",
)

#: Factors for a number scaled in place (a plausible edit or a unit mistake).
FACTORS = (1.0001, 0.999, -1.0, 2.0, 0.5, 100.0, 0.01)


@dataclass(frozen=True)
class Mutation:
    """One edit of a text file.

    Parameters
    ----------
    kind
        ``replace_number`` (a token that is a number), ``replace_token`` (any token),
        ``scale_number``, ``delete_token``, ``repeat_token``,
        ``delete_line``, ``repeat_line``, ``swap_lines``, ``join_lines``, ``insert_line``,
        ``truncate``, ``byte_order_mark`` or ``crlf``.
    line, other_line, token
        Positions, taken modulo the number of lines (tokens of the line).
    value
        The replacement token (``replace_token``), factor (``scale_number``), inserted text
        (``insert_line``) or the kept fraction in thousandths (``truncate``).

    """

    kind: str
    line: int = 0
    other_line: int = 0
    token: int = 0
    value: str = ""

    @property
    def inserts_non_finite_or_huge(self) -> bool:
        """Whether the edit writes a value that no field may hold."""
        return self.kind == "replace_number" and self.value in NON_FINITE_OR_HUGE

    def apply(self, text: str) -> str:
        """Return the edited text (a byte-order mark is the character U+FEFF)."""
        if self.kind == "byte_order_mark":
            return "\ufeff" + text
        if self.kind == "crlf":
            return text.replace("\n", "\r\n")
        if self.kind == "truncate":
            return text[: len(text) * int(self.value) // 1000]
        lines = text.split("\n")
        i = self.line % len(lines)
        if self.kind == "delete_line":
            del lines[i]
        elif self.kind == "repeat_line":
            lines.insert(i, lines[i])
        elif self.kind == "swap_lines":
            j = self.other_line % len(lines)
            lines[i], lines[j] = lines[j], lines[i]
        elif self.kind == "join_lines" and i + 1 < len(lines):
            lines[i : i + 2] = [lines[i] + " " + lines[i + 1]]
        elif self.kind == "insert_line":
            lines.insert(i, self.value)
        elif self.kind in (
            "replace_number",
            "replace_token",
            "scale_number",
            "delete_token",
            "repeat_token",
        ):
            lines[i] = self._edit_tokens(lines[i])
        return "\n".join(lines)

    def _edit_tokens(self, line: str) -> str:
        words = line.split()
        numbers = [k for k, word in enumerate(words) if _number(word) is not None]
        if self.kind in ("replace_number", "scale_number"):
            if not numbers:
                return line
            k = numbers[self.token % len(numbers)]
        elif words:
            k = self.token % len(words)
        else:
            return line
        if self.kind in ("replace_number", "replace_token"):
            words[k] = self.value
        elif self.kind == "scale_number":
            words[k] = repr(float(words[k]) * float(self.value))
        elif self.kind == "delete_token":
            del words[k]
        else:
            words.insert(k, words[k])
        indent = line[: len(line) - len(line.lstrip())]
        return indent + " ".join(words)


def _number(word: str) -> float | None:
    try:
        value = float(word)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


_POSITION = st.integers(min_value=0, max_value=10**6)


def mutations() -> st.SearchStrategy[Mutation]:
    """Strategy of single edits: a third replace a token (mostly a number), the rest of the
    kinds share the other two thirds."""
    replacement = st.sampled_from(NON_FINITE_OR_HUGE + ODD_TOKENS)
    replace = st.builds(
        Mutation,
        st.sampled_from(["replace_number", "replace_number", "replace_token"]),
        _POSITION,
        token=_POSITION,
        value=replacement,
    )
    junk = st.text(
        st.characters(codec="utf-8", exclude_categories=("Cs",), exclude_characters="\n"),
        max_size=20,
    )
    return st.one_of(
        replace,
        replace,
        replace,
        replace,
        st.builds(
            Mutation,
            st.just("scale_number"),
            _POSITION,
            token=_POSITION,
            value=st.sampled_from([str(f) for f in FACTORS]),
        ),
        st.builds(
            Mutation,
            st.sampled_from(["delete_token", "repeat_token"]),
            _POSITION,
            token=_POSITION,
        ),
        st.builds(
            Mutation,
            st.sampled_from(["delete_line", "repeat_line", "join_lines"]),
            _POSITION,
        ),
        st.builds(Mutation, st.just("swap_lines"), _POSITION, other_line=_POSITION),
        st.builds(Mutation, st.just("insert_line"), _POSITION, value=junk),
        st.builds(
            Mutation,
            st.just("truncate"),
            value=st.integers(min_value=0, max_value=999).map(str),
        ),
        st.builds(Mutation, st.sampled_from(["byte_order_mark", "crlf"])),
    )
