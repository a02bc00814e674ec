"""The patient's clip: the reference cycle of the IMU walk, made patient-like when asked."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import gait
import imu
import sim
from imu import GaitTwinInputError
from learn.env import DEFAULT_HEIGHT_M, DEFAULT_MASS_KG
from learn.prediction._progress import log_stage
from learn.prediction._settings import PredictionSettings
from learn.training import adaptation_settings


def stiffening_text(record: dict) -> str:
    """Return e.g. ``"left knee made stiff: peak flexion 69.9 -> 30.0 deg"``.

    ``record`` is one entry of a clip's ``metadata["impairments"]`` (:func:`gait.stiffen_knee`).
    """
    return (
        f"{record['side']} knee made stiff: peak flexion "
        f"{record['original_peak_flexion_deg']:.1f} -> {record['peak_flexion_deg']:.1f} deg"
    )


def check_stiffening(
    clip_path: Path, motion: gait.Motion, stiff_knee: str | None, peak_deg: float
) -> None:
    """Refuse a saved patient clip made with other ``stiff_knee`` options than requested."""
    made = [(r["side"], r["peak_flexion_deg"]) for r in motion.metadata.get("impairments", [])]
    wanted = [] if stiff_knee is None else [(stiff_knee, float(peak_deg))]
    if made != wanted:
        raise GaitTwinInputError(
            f"patient clip {str(clip_path)!r}: expected stiff knees (side, peak deg) {wanted} as "
            f"requested, found {made}; use another output folder or delete the folder's "
            "outputs to start again"
        )


def patient_reference(
    recording_path: str | Path,
    *,
    model: str,
    height_m: float = DEFAULT_HEIGHT_M,
    mass_kg: float = DEFAULT_MASS_KG,
    stiff_knee: str | None = None,
    stiff_knee_peak_deg: float = gait.STIFF_KNEE_PEAK_DEG,
    sensor_map: imu.SensorMap | None = None,
    calibration: imu.Calibration | None = None,
    orientation_method: str = "madgwick",
) -> gait.Motion:
    """Return the clip a patient is adapted to: the reference cycle of the walk, contact-corrected.

    Parameters
    ----------
    recording_path
        Anything :func:`imu.read_recording` reads: a walk with quiet standing first.
    model
        The avatar the clip is corrected on: the atlas's (``learn.run_env_settings(atlas).model``),
        so that the clip is built, corrected and learned on the same model.
    height_m, mass_kg
        The patient's height (leg lengths of the pelvis path; the avatar) and mass.
    stiff_knee, stiff_knee_peak_deg
        As for :func:`~learn.predict_patient`.
    sensor_map, calibration, orientation_method
        As for :func:`~learn.predict_patient`.

    Returns
    -------
    gait.Motion
        :meth:`gait.ImuWalk.reference_clip` (every usable stride averaged into one cycle,
        repeated), with :func:`gait.stiffen_knee` when asked, after :func:`sim.correct_contacts`
        on ``model``; JSON-safe metadata.
    """
    log_stage(f"reading {recording_path}")
    recording = imu.read_recording(
        Path(recording_path), sensor_map=sensor_map, orientation_method=orientation_method
    )
    walk = gait.analyse_imu_walk(recording, height_m=height_m, calibration=calibration)
    clip = walk.reference_clip()
    used = clip.metadata["mean_cycle"]
    log_stage(
        f"reference cycle from {used['n_strides_used']} stride(s), "
        f"{len(used['strides_left_out'])} left out: "
        + "; ".join(f"{s['start_s']:.1f} s: {s['reason']}" for s in used["strides_left_out"])
    )
    if stiff_knee is not None:
        clip = gait.stiffen_knee(clip, stiff_knee, peak_flexion_deg=stiff_knee_peak_deg)
        log_stage(f"patient-like clip: {stiffening_text(clip.metadata['impairments'][-1])}")
    log_stage(f"reference clip: {clip.n_frames} frames; contact correction on the {model} avatar")
    corrected = sim.correct_contacts(
        clip, spec=sim.MODELS[model], body=sim.body_dimensions(height_m, mass_kg)
    ).motion
    return replace(corrected, metadata=json.loads(json.dumps(corrected.metadata, default=str)))


def patient_clip(
    recording_path: Path,
    out: Path,
    settings: PredictionSettings,
    *,
    stiff_knee: str | None,
    stiff_knee_peak_deg: float,
    sensor_map: imu.SensorMap | None,
    calibration: imu.Calibration | None,
    orientation_method: str,
) -> gait.Motion:
    """Return the patient's clip, made by :func:`patient_reference` unless it is saved already.

    Reads ``patient_clip.npz`` in ``out`` when it exists; else writes it (the clip corrected on
    the atlas's avatar model).

    Parameters
    ----------
    recording_path
        The patient's walk (:func:`patient_reference`).
    out
        The prediction's output folder.
    settings
        The prediction's options: the atlas (its avatar model), the patient's height and mass.
    stiff_knee, stiff_knee_peak_deg, sensor_map, calibration, orientation_method
        As for :func:`~learn.predict_patient`.

    Returns
    -------
    gait.Motion
        The clip as loaded from ``patient_clip.npz``.

    Raises
    ------
    GaitTwinInputError
        A saved clip made with other ``stiff_knee`` options than asked.
    """
    clip_path = out / "patient_clip.npz"
    if clip_path.is_file():
        log_stage(f"patient clip: {clip_path} (exists)")
    else:
        corrected = patient_reference(
            recording_path,
            model=adaptation_settings(settings.atlas_dir).model,
            height_m=settings.height_m,
            mass_kg=settings.mass_kg,
            stiff_knee=stiff_knee,
            stiff_knee_peak_deg=stiff_knee_peak_deg,
            sensor_map=sensor_map,
            calibration=calibration,
            orientation_method=orientation_method,
        )
        corrected.save(clip_path)
    motion = gait.Motion.load(clip_path)
    check_stiffening(clip_path, motion, stiff_knee, stiff_knee_peak_deg)
    return motion
