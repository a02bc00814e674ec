"""Clip library: clips cut from walks, a manifest table, nearest-clip selection, resampling.

Layout of a library folder (see ``docs/gait-mocap.md``)::

    library/
        manifest.csv          one row per clip, columns MANIFEST_COLUMNS
        clips/<clip_id>.npz   one Motion per clip (Motion.save), written atomically

The atlas stage of the paper picks, for a target walking speed and step length, the clip nearest
in Euclidean distance over (speed, step length) and time-resamples it to the target.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.spatial.transform import Rotation, Slerp

from gait._events import events_from_contacts
from gait._motion import Motion
from gait._segmentation import segment_cycles
from imu import GaitTwinInputError, JointAngles, write_text_atomic

#: Columns of ``manifest.csv``, in order.
MANIFEST_COLUMNS: tuple[str, ...] = (
    "clip_id",
    "source",
    "subject",
    "trial",
    "speed_m_s",
    "step_length_m",
    "cadence_steps_min",
    "n_steps",
    "frames",
    "duration_s",
    "quality",
    "file",
)

MANIFEST_NAME = "manifest.csv"
CLIP_FOLDER = "clips"


def cut_walk(motion: Motion) -> tuple[Motion, dict[str, float]]:
    """Cut a walk to whole steps and describe it for the manifest.

    Parameters
    ----------
    motion
        A straight walk with foot contacts (e.g. from :func:`gait.motion_from_mocap`).

    Returns
    -------
    clip : Motion
        The samples from the first to the last heel strike (either foot), time starting at 0;
        ``metadata`` adds ``speed_m_s``, ``step_length_m``, ``cadence_steps_min``, ``n_steps``,
        ``quality`` and ``cut_from_sample``.
    values : dict
        Those five values.

    Raises
    ------
    GaitTwinInputError
        If the motion has no foot contacts or fewer than two heel strikes (no whole step).

    Notes
    -----
    Heel strikes are the contact onsets (:func:`gait.events_from_contacts`) of both feet
    merged in time; ``k`` steps join ``k + 1`` strikes. Over the clip of duration ``D``:
    speed = horizontal root displacement / ``D``; step length = that displacement / ``k``;
    cadence = ``60 k / D`` steps/min. ``quality`` comes from the spectral step segmentation
    (:func:`gait.segment_cycles` of hip flexion, both sides, on the whole motion): the mean
    Pearson correlation of the kept cycles with their median cycle times the fraction of cycles
    kept (1 = every cycle has the same shape; 0 = none kept). With one cycle per side it is 1 by
    construction.

    """
    if motion.foot_contacts is None:
        raise GaitTwinInputError(
            f"motion {motion.metadata.get('trial', '')!r}: expected foot contacts to find steps"
        )
    events = events_from_contacts(motion.foot_contacts, sampling_rate_hz=motion.sampling_rate_hz)
    strikes = np.sort(np.concatenate([events.heel_strikes["l"], events.heel_strikes["r"]]))
    if strikes.size < 2:
        raise GaitTwinInputError(
            f"motion {motion.metadata.get('trial', '')!r}: expected at least 2 heel strikes "
            f"(one whole step), found {strikes.size}"
        )
    first, last = int(strikes[0]), int(strikes[-1])
    n_steps = strikes.size - 1
    duration_s = (last - first) / motion.sampling_rate_hz
    distance_m = float(
        np.hypot(*(motion.root_position_m[last, :2] - motion.root_position_m[first, :2]))
    )
    correlations, n_cycles = [], 0
    for side in ("l", "r"):
        cycles = segment_cycles(
            motion.joint_angles[f"hip_flexion_{side}"],
            sampling_rate_hz=motion.sampling_rate_hz,
            extremum="max",
        ).cycles
        n_cycles += len(cycles)
        correlations += [c.correlation for c in cycles if c.kept]
    quality = float(np.mean(correlations)) * len(correlations) / n_cycles if correlations else 0.0
    values = {
        "speed_m_s": distance_m / duration_s,
        "step_length_m": distance_m / n_steps,
        "cadence_steps_min": 60.0 * n_steps / duration_s,
        "n_steps": float(n_steps),
        "quality": quality,
    }
    clip = motion.slice_frames(first, last + 1, metadata={**values, "cut_from_sample": first})
    return clip, values


def clip_path(library_dir: str | os.PathLike, clip_id: str) -> Path:
    """Return the file of clip ``clip_id`` in a library folder."""
    return Path(library_dir) / CLIP_FOLDER / f"{clip_id}.npz"


def read_manifest(library_dir: str | os.PathLike) -> pd.DataFrame:
    """Return the manifest of a library (empty, with :data:`MANIFEST_COLUMNS`, if none yet).

    Raises
    ------
    GaitTwinInputError
        If the manifest lacks a column.

    """
    path = Path(library_dir) / MANIFEST_NAME
    if not path.exists():
        return pd.DataFrame(columns=list(MANIFEST_COLUMNS))
    table = pd.read_csv(path, dtype={"clip_id": str, "subject": str, "trial": str})
    missing = [c for c in MANIFEST_COLUMNS if c not in table.columns]
    if missing:
        raise GaitTwinInputError(
            f"manifest {str(path)!r}, line 1: expected columns {', '.join(MANIFEST_COLUMNS)}, "
            f"missing {', '.join(missing)}"
        )
    return table


def add_clips(library_dir: str | os.PathLike, clips: list[tuple[str, Motion]]) -> pd.DataFrame:
    """Save clips and add (or replace) their manifest rows; return the new manifest.

    Parameters
    ----------
    library_dir
        The library folder (created if missing).
    clips
        ``(clip_id, clip)`` pairs; each clip's metadata must hold the values :func:`cut_walk`
        adds, and ``source``, ``subject``, ``trial``.

    Returns
    -------
    pandas.DataFrame
        The manifest after the update (also written, atomically, to ``manifest.csv``).

    Raises
    ------
    GaitTwinInputError
        If a clip's metadata lacks one of the manifest values.

    """
    rows = []
    for clip_id, clip in clips:
        clip.save(clip_path(library_dir, clip_id))
        rows.append(manifest_row(clip_id, clip))
    return write_manifest_rows(library_dir, rows)


def manifest_row(clip_id: str, clip: Motion) -> dict:
    """Return the manifest row of a clip saved under ``clip_id``.

    Raises
    ------
    GaitTwinInputError
        If the clip's metadata lacks a manifest value.

    """
    keys = (
        "source",
        "subject",
        "trial",
        "speed_m_s",
        "step_length_m",
        "cadence_steps_min",
        "n_steps",
        "quality",
    )
    missing = [k for k in keys if k not in clip.metadata]
    if missing:
        raise GaitTwinInputError(
            f"clip {clip_id!r}: expected metadata {', '.join(keys)}, missing {', '.join(missing)}"
        )
    row = {k: clip.metadata[k] for k in keys}
    row.update(
        clip_id=clip_id,
        frames=clip.n_frames,
        duration_s=float(clip.time_s[-1] - clip.time_s[0]),
        file=f"{CLIP_FOLDER}/{clip_id}.npz",
    )
    return row


def write_manifest_rows(library_dir: str | os.PathLike, rows: list[dict]) -> pd.DataFrame:
    """Add or replace manifest rows (by ``clip_id``) and write the manifest atomically.

    Returns
    -------
    pandas.DataFrame
        The whole manifest, sorted by ``clip_id``.

    """
    table = read_manifest(library_dir)
    new = pd.DataFrame(rows, columns=list(MANIFEST_COLUMNS))
    table = table[~table["clip_id"].isin(new["clip_id"])]
    table = pd.concat([table, new], ignore_index=True) if len(table) else new
    table = table.sort_values("clip_id", kind="stable").reset_index(drop=True)
    write_text_atomic(Path(library_dir) / MANIFEST_NAME, table.to_csv(index=False))
    return table


def load_clip(library_dir: str | os.PathLike, clip_id: str) -> Motion:
    """Load clip ``clip_id`` of a library.

    Raises
    ------
    GaitTwinInputError
        If the clip file is missing or unreadable.

    """
    path = clip_path(library_dir, clip_id)
    if not path.exists():
        raise GaitTwinInputError(f"clip {clip_id!r}: expected a file {str(path)!r}, found none")
    return Motion.load(path)


def nearest_clip(manifest: pd.DataFrame, *, speed_m_s: float, step_length_m: float) -> pd.Series:
    """Return the manifest row nearest a target (speed, step length).

    Parameters
    ----------
    manifest
        From :func:`read_manifest`.
    speed_m_s
        Target walking speed, m/s.
    step_length_m
        Target step length, m.

    Returns
    -------
    pandas.Series
        The row with the smallest Euclidean distance
        ``sqrt((v - v*)^2 + (L - L*)^2)`` (m/s and m as plain numbers, as in the paper's atlas
        stage); ties go to the first row. ``distance`` is added.

    Raises
    ------
    GaitTwinInputError
        If the manifest is empty or a target is not positive.

    """
    if not (speed_m_s > 0 and step_length_m > 0):
        raise GaitTwinInputError(
            f"target: expected positive speed and step length, found {speed_m_s} m/s and "
            f"{step_length_m} m"
        )
    usable = manifest.dropna(subset=["speed_m_s", "step_length_m"])
    if usable.empty:
        raise GaitTwinInputError("manifest: expected at least one clip with speed and step length")
    distance = np.hypot(
        usable["speed_m_s"].to_numpy(float) - speed_m_s,
        usable["step_length_m"].to_numpy(float) - step_length_m,
    )
    best = int(np.argmin(distance))
    return pd.concat([usable.iloc[best], pd.Series({"distance": float(distance[best])})])


def resample_clip(clip: Motion, *, speed_m_s: float, step_length_m: float) -> Motion:
    """Time-resample a clip to a target walking speed and step length.

    Parameters
    ----------
    clip
        A clip whose metadata holds ``speed_m_s`` and ``step_length_m`` (see :func:`cut_walk`).
    speed_m_s
        Target speed, m/s.
    step_length_m
        Target step length, m.

    Returns
    -------
    Motion
        Same sampling rate; the metadata's ``speed_m_s``, ``step_length_m`` and
        ``cadence_steps_min`` are the targets and ``resampled_from`` holds the old values.

    Raises
    ------
    GaitTwinInputError
        If a target is not positive or the clip lacks the metadata.

    Notes
    -----
    The step time becomes ``T* = L* / v*`` (from ``T = L / v``), so time is stretched by
    ``s_t = T* / T``; the horizontal root path (relative to its first sample) is scaled by
    ``s_l = L* / L``; heights are kept. Joint angles and root position are linearly
    interpolated at the stretched times, the root orientation by spherical linear
    interpolation (SLERP), foot contacts by the nearest sample. Joint angles are not changed,
    so a large ``s_l`` makes the feet slide; use targets near the clip's (see
    :func:`nearest_clip`).

    """
    if not (speed_m_s > 0 and step_length_m > 0):
        raise GaitTwinInputError(
            f"target: expected positive speed and step length, found {speed_m_s} m/s and "
            f"{step_length_m} m"
        )
    missing = [k for k in ("speed_m_s", "step_length_m") if k not in clip.metadata]
    if missing:
        raise GaitTwinInputError(f"clip: expected metadata {', '.join(missing)}, found none")
    speed, length = float(clip.metadata["speed_m_s"]), float(clip.metadata["step_length_m"])
    stretch = (step_length_m / speed_m_s) / (length / speed)
    scale = step_length_m / length
    t = clip.time_s - clip.time_s[0]
    n_new = int(np.floor(t[-1] * stretch * clip.sampling_rate_hz + 1e-9)) + 1
    t_new = np.arange(n_new) / clip.sampling_rate_hz
    source_t = np.minimum(t_new / stretch, t[-1])
    angles = np.column_stack(
        [np.interp(source_t, t, col) for col in clip.joint_angles.values_rad.T]
    )
    root = np.column_stack([np.interp(source_t, t, col) for col in clip.root_position_m.T])
    root[:, :2] = root[0, :2] + scale * (root[:, :2] - root[0, :2])
    quats = Slerp(t, Rotation.from_quat(clip.root_quaternion))(source_t).as_quat()
    contacts = None
    if clip.foot_contacts is not None:
        nearest = np.clip(np.rint(source_t * clip.sampling_rate_hz).astype(int), 0, t.size - 1)
        contacts = clip.foot_contacts[nearest]
    meta = {
        **clip.metadata,
        "speed_m_s": speed_m_s,
        "step_length_m": step_length_m,
        "cadence_steps_min": 60.0 * speed_m_s / step_length_m,
        "resampled_from": {"speed_m_s": speed, "step_length_m": length},
    }
    joint_angles = JointAngles(t_new, clip.sampling_rate_hz, clip.joint_angles.names, angles, meta)
    return Motion(root, quats, joint_angles, contacts, meta)
