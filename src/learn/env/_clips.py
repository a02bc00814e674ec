"""Training clips from a folder of CMU takes (the bundled ones by default)."""

from __future__ import annotations

import os
from collections.abc import Sequence

import gait
from imu import GaitTwinInputError


def cmu_walks(
    tree: str | os.PathLike,
    *,
    trials: Sequence[str] | None = None,
    exclude: Sequence[str] = (),
) -> list[gait.Motion]:
    """Read CMU walks (ASF/AMC) under ``tree`` as motions for :class:`learn.ImitationEnv`.

    Parameters
    ----------
    tree
        Folder tree with ``<subject>.asf`` and ``<subject>_<trial>.amc`` (CMU layout).
    trials
        Only these trials (e.g. ``["07_01", "07_02"]``); ``None`` takes all.
    exclude
        Trials to leave out (e.g. a held-out clip for adaptation).

    Returns
    -------
    list of gait.Motion
        In trial order; ``metadata["trial"]`` names each.

    Raises
    ------
    GaitTwinInputError
        If a requested trial is missing or nothing is left.
    """
    takes = gait.find_cmu_takes(tree)
    wanted = list(takes) if trials is None else list(trials)
    missing = sorted(set(wanted) - set(takes))
    if missing:
        raise GaitTwinInputError(
            f"CMU tree {str(tree)!r}: expected trials {missing}, found {sorted(takes)}"
        )
    chosen = [t for t in wanted if t not in set(exclude)]
    if not chosen:
        raise GaitTwinInputError(f"CMU tree {str(tree)!r}: expected at least one trial left")
    motions = []
    for trial in chosen:
        asf, amc = takes[trial]
        motions.append(gait.motion_from_mocap(gait.read_amc(amc, gait.read_asf(asf))))
    return motions
