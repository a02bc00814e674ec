"""What produced a report: the gaittwin version and the atlas's identity, for its header."""

from __future__ import annotations

import hashlib
import importlib.metadata
from pathlib import Path

from imu import GaitTwinInputError
from learn.runs import MODEL_FILE, NORMALISER_FILE

#: The header's atlas entry of a run without an atlas.
NO_ATLAS_TEXT = "none (trained from scratch)"


def gaittwin_version() -> str:
    """Return the installed gaittwin version (``importlib.metadata``)."""
    return importlib.metadata.version("gaittwin")


def atlas_identity(atlas_dir: str | Path | None) -> str:
    """Return the atlas as a report names it: its folder name and a hash of its weights.

    Parameters
    ----------
    atlas_dir
        The atlas run folder (:func:`learn.train_atlas`), or None for a run without an atlas.

    Returns
    -------
    str
        E.g. ``"atlas (sha256 3fa2c81d90be)"``: the folder's name, never its path, and the first
        12 hex digits of the SHA-256 of its ``model.zip`` followed by its ``normaliser.json``
        (two copies of an atlas show the same digits wherever they are stored);
        :data:`NO_ATLAS_TEXT` for None.

    Raises
    ------
    GaitTwinInputError
        A folder without ``model.zip`` or ``normaliser.json``.
    """
    if atlas_dir is None:
        return NO_ATLAS_TEXT
    folder = Path(atlas_dir)
    digest = hashlib.sha256()
    for name in (MODEL_FILE, NORMALISER_FILE):
        path = folder / name
        if not path.is_file():
            raise GaitTwinInputError(f"atlas folder {str(folder)!r}: expected {name}, not found")
        digest.update(path.read_bytes())
    return f"{folder.resolve().name} (sha256 {digest.hexdigest()[:12]})"
