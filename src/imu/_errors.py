"""Validation helpers whose errors name the thing, what was expected and what was found."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np


class GaitTwinInputError(ValueError):
    """Bad user input: a file, a field or an argument that does not meet its contract.

    The message always names the offending thing, what was expected and what was found.
    """


def check_shape(name: str, array: np.ndarray, expected: tuple[int | None, ...]) -> np.ndarray:
    """Return ``array`` as float64 after checking its shape.

    Parameters
    ----------
    name
        What the array is, used in the error message (e.g. ``"ImuRecording.quaternions"``).
    array
        The array to check.
    expected
        Expected shape; ``None`` accepts any length along that axis.

    Returns
    -------
    numpy.ndarray
        ``array`` converted to ``float64`` (a copy only when a conversion is needed).

    Raises
    ------
    GaitTwinInputError
        If the number of axes or a fixed axis length differs, or a value is not finite.

    """
    out = np.asarray(array, dtype=np.float64)
    shape_ok = out.ndim == len(expected) and all(
        e is None or e == s for e, s in zip(expected, out.shape, strict=True)
    )
    if not shape_ok:
        want = "(" + ", ".join("n" if e is None else str(e) for e in expected) + ")"
        raise GaitTwinInputError(f"{name}: expected shape {want}, found {out.shape}")
    if not np.all(np.isfinite(out)):
        bad = np.argwhere(~np.isfinite(out))[0]
        raise GaitTwinInputError(
            f"{name}: expected finite values, found {out[tuple(bad)]} at index {tuple(bad)}"
        )
    return out


def check_known_names(what: str, names: Iterable[str], known: Iterable[str]) -> None:
    """Raise if any of ``names`` is not in ``known``.

    Parameters
    ----------
    what
        What the names are, for the message (e.g. ``"segment"``).
    names
        Names to check.
    known
        Accepted names.

    Raises
    ------
    GaitTwinInputError
        Naming the first unknown name and listing the accepted ones.

    """
    known = tuple(known)
    for name in names:
        if name not in known:
            raise GaitTwinInputError(f"unknown {what} {name!r}: expected one of {', '.join(known)}")


def check_mask(name: str, mask: np.ndarray, n: int) -> np.ndarray:
    """Return ``mask`` as a boolean array after checking it has ``n`` boolean samples.

    Raises
    ------
    GaitTwinInputError
        If ``mask`` is not boolean or its shape is not ``(n,)``.
    """
    out = np.asarray(mask)
    if out.shape != (n,) or out.dtype != bool:
        raise GaitTwinInputError(
            f"{name}: expected a boolean mask of shape ({n},), found {out.dtype} {out.shape}"
        )
    return out
