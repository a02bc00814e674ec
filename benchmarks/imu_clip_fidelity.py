"""How faithful is the IMU route's clip? Virtual Perception Neuron recordings of every CMU take.

For each bundled CMU take (``tests/data/cmu``): the mocap motion is the truth; the toolkit's
virtual sensors (:func:`gait.virtual_imu_from_motion`: pelvis, thighs, shanks and feet, 5-15 deg
mounting misalignment, 0.5 deg orientation noise, heading drift; the pelvis accelerometer feels
the root's acceleration, with 0.15 m/s^2 noise and a 0.05 m/s^2 bias) record it, once after a 2 s
standing pose blended into the take's first double-support frame (calibrated on it) and once
starting in the walk where the take starts (calibrated from the known mounting);
:func:`gait.analyse_imu_walk` rebuilds the motion from the recording alone (body height: the
avatar height that fits the mocap's pelvis height), once with the accelerometer data removed
(the pelvis height from the leg kinematics alone) and once with it (the height fused with the
pelvis acceleration). Printed per take, IMU route against mocap:

- speed error, %; goal within 5 %
- pelvis vertical range (5th-95th percentile), cm, next to the mocap's; goal within 2 cm
- lateral drift: the largest sideways distance between the two pelvis paths over time, each
  turned so that the line from its first to its last position is the walking axis
  (:class:`gait.ClipFidelity`: a path that bends, wanders or sways more than the mocap's shows
  here), cm; goal under 5 cm
- stance foot sliding on the avatar (``legs13_ankles``, largest per step), cm, before and after
  the contact correction the pipeline applies (:func:`sim.correct_contacts` on that avatar);
  goal under 2 cm (the root is lowered until the lower foot touches the ground, so the route's
  own height does not enter)
- what the correction changes: speed, %, the sideways path, cm (largest difference of the
  chord-aligned paths), and the fastest pelvis speed in double support, % (goal: at most 5 %
  faster; the stance anchoring once pushed it up to 61 % above the recording's), with the
  trailing foot's roll-off printed apart from the sliding (:func:`sim.rolling_off`); goal
  within 3 % and 2 cm when the clip has no artefacts, which the
  route's clip has (it slides on the avatar as the mocap does), so the same figures are
  printed for the corrected clip corrected once more: a clip without artefacts on the avatar,
  whose correction should change neither; and the corrected clip's speed error, sideways
  difference and vertical range against the mocap (the correction re-places the height so
  that the lower foot touches the ground)

Everything is measured from the start of the walk to the last sample at which both feet's
phases are closed by detected events (after a foot's last event the route cannot know when its
phase ended, e.g. a swing cut by the end of the record).
- hip and knee flexion RMS error, deg; goal within 2 deg

Run: ``.venv/bin/python benchmarks/imu_clip_fidelity.py [--takes 16_15 07_03 ...]``.
"""

from __future__ import annotations

import argparse
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.spatial.transform import Rotation

import gait
import imu
import sim

BUNDLED = Path(__file__).resolve().parents[1] / "tests" / "data" / "cmu"
STANDING_S, RAMP_S = 2.0, 0.5
#: Perception Neuron segments of the legs: the paper's five and the feet (the atlas has ankles).
WITH_FEET = (*imu.PAPER_SEGMENTS, "foot_r", "foot_l")


def sliding_cm(motion: gait.Motion, height_m: float) -> float:
    """Largest stance sliding per step of ``motion`` on the ankle avatar, cm."""
    body = sim.body_dimensions(height_m, 70.0)
    with sim.Simulation(sim.ANKLE_MODEL, body=body, fixed_root=True) as world:
        root = motion.root_position_m.copy()
        root[:, 2] -= sim.track_feet(world, motion).clearance_m.min(axis=1)
        placed = gait.Motion(
            root, motion.root_quaternion, motion.joint_angles, motion.foot_contacts
        )
        return sim.measure_artifacts(world, placed).summary()["max_sliding_per_step_cm"]


def correction_row(
    motion: gait.Motion, truth: gait.Motion, height_m: float, time_offset_s: float
) -> dict[str, float]:
    """Return the figures of the contact correction of ``motion`` on the ankle avatar.

    Sliding after :func:`sim.correct_contacts` and the trailing foot's roll-off apart from it
    (:func:`sim.rolling_off`), what the correction changed (speed, sideways path, the fastest
    pelvis speed in double support), what a second correction of the corrected clip changes,
    and the corrected clip's speed, sideways path and vertical range against ``truth``
    (``time_offset_s`` as in :func:`gait.clip_fidelity`).
    """
    body = sim.body_dimensions(height_m, 70.0)
    corrected = sim.correct_contacts(motion, spec=sim.ANKLE_MODEL, body=body)
    change = gait.clip_fidelity(corrected.motion, motion).summary()
    again = sim.correct_contacts(corrected.motion, spec=sim.ANKLE_MODEL, body=body)
    change_again = gait.clip_fidelity(again.motion, corrected.motion).summary()
    against_truth = gait.clip_fidelity(
        corrected.motion, truth, time_offset_s=time_offset_s
    ).summary()
    double_support = motion.foot_contacts.all(axis=1)
    peaks = [
        np.gradient(m.root_position_m[:, 0], m.time_s)[double_support].max()
        for m in (corrected.motion, motion)
    ]
    return {
        "slide_after_cm": corrected.after.summary()["max_sliding_per_step_cm"],
        "roll_off_after_cm": corrected.after.summary()["max_roll_off_per_step_cm"],
        "corr_speed_%": change["speed_error_pct"],
        "corr_ds_peak_%": 100.0 * (peaks[0] / peaks[1] - 1.0),
        "corr_side_cm": change["lateral_drift_cm"],
        "again_speed_%": change_again["speed_error_pct"],
        "again_side_cm": change_again["lateral_drift_cm"],
        "corrected_speed_err_%": against_truth["speed_error_pct"],
        "corrected_drift_cm": against_truth["lateral_drift_cm"],
        "corrected_z_cm": against_truth["vertical_range_cm"],
    }


def take_rows(
    trial: str, asf: Path, amc: Path, seed: int, *, standing: bool
) -> list[dict[str, float | str]]:
    """One take's figures, IMU route against mocap, without and with the pelvis acceleration.

    With ``standing`` the recording starts with the standing pose, blended into the take's
    first frame with both feet down, and is calibrated on it; without, it starts walking where
    the take starts and is calibrated from the known mounting (a given calibration,
    ``docs/calibration.md``).
    """
    take = gait.read_amc(amc, gait.read_asf(asf))
    truth = gait.motion_from_mocap(take)
    height_m = sim.fit_height_to_motion(truth, spec=sim.ANKLE_MODEL)
    if standing:
        # a walk from standing starts with both feet down, as a gait initiation does: the
        # standing pose is blended into the take's first double-support frame, not into a
        # swing (the mocap's foot contacts)
        start = int(np.argmax(truth.foot_contacts.all(axis=1)))
        truth = truth.slice_frames(start, truth.n_frames)
    lead_s, ramp_s = (STANDING_S, RAMP_S) if standing else (0.0, 0.0)
    virtual, _ = gait.virtual_imu_from_motion(
        truth,
        rng=np.random.default_rng(seed),
        segments=WITH_FEET,
        standing_s=lead_s,
        ramp_s=ramp_s,
    )
    calibration = None
    if not standing:
        segments = virtual.recording.segments
        mounting = [Rotation.from_quat(virtual.mounting[s]).inv().as_quat() for s in segments]
        calibration = imu.Calibration(segments, np.stack(mounting))
    offset = lead_s + ramp_s + virtual.recording.time_s[0] - truth.time_s[0]
    mocap_slide = sliding_cm(truth, height_m)
    recordings = {
        "ignored": replace(virtual.recording, acceleration_m_s2=None),
        "used": virtual.recording,
    }
    return [
        {
            "pelvis_acc": use,
            "standing": "yes" if standing else "no",
            "take": trial,
            **route_row(recording, truth, height_m, calibration, offset, mocap_slide),
        }
        for use, recording in recordings.items()
    ]


def route_row(
    recording: imu.ImuRecording,
    truth: gait.Motion,
    height_m: float,
    calibration: imu.Calibration | None,
    offset: float,
    mocap_slide_cm: float,
) -> dict[str, float]:
    """Return the IMU route's figures for a recording of ``truth`` (``offset`` s into it)."""
    walk = gait.analyse_imu_walk(recording, height_m=height_m, calibration=calibration)
    # where both feet's phases are closed by detected events: after a foot's last event the
    # route cannot know when its phase ended (a final swing cut by the end of the record)
    events = walk.events
    stop = 1 + min(
        int(max(events.heel_strikes[side].max(), events.toe_offs[side].max()))
        for side in gait.SIDES
    )
    known = walk.motion.slice_frames(0, stop)
    fidelity = gait.clip_fidelity(known, truth, time_offset_s=offset).summary()
    start = int(np.argmax(known.time_s >= offset))
    imu_walk = known.slice_frames(start, stop)
    return {
        "speed_err_%": fidelity["speed_error_pct"],
        "z_range_cm": fidelity["vertical_range_cm"],
        "mocap_z_cm": fidelity["reference_vertical_range_cm"],
        "drift_cm": fidelity["lateral_drift_cm"],
        "slide_cm": sliding_cm(imu_walk, height_m),
        "mocap_slide_cm": mocap_slide_cm,
        **correction_row(imu_walk, truth, height_m, offset - known.time_s[start]),
        "hip_deg": max(fidelity["hip_flexion_l_rmse_deg"], fidelity["hip_flexion_r_rmse_deg"]),
        "knee_deg": max(fidelity["knee_flexion_l_rmse_deg"], fidelity["knee_flexion_r_rmse_deg"]),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tree", type=Path, default=BUNDLED, help="CMU folder tree")
    parser.add_argument("--takes", nargs="*", help="trial names (default: every take)")
    parser.add_argument("--csv", type=Path, help="also write the table to this CSV file")
    args = parser.parse_args()
    takes = gait.find_cmu_takes(args.tree)
    names = args.takes or sorted(takes)
    rows = [
        row
        for standing in (True, False)
        for k, t in enumerate(names)
        for row in take_rows(t, *takes[t], seed=k, standing=standing)
    ]
    table = pd.DataFrame(rows).set_index(["pelvis_acc", "standing", "take"]).sort_index()
    pd.set_option("display.width", 200)
    print(table.round(2).to_string())
    if args.csv is not None:
        table.to_csv(args.csv)
    goals = {
        "|speed error| <= 5 %": (table["speed_err_%"].abs() <= 5.0),
        "|z range - mocap| <= 2 cm": ((table["z_range_cm"] - table["mocap_z_cm"]).abs() <= 2.0),
        "drift < 5 cm": table["drift_cm"] < 5.0,
        "sliding < 2 cm per step": table["slide_cm"] < 2.0,
        "corrected: sliding < 2 cm": table["slide_after_cm"] < 2.0,
        "correction: double support 5 %": table["corr_ds_peak_%"] <= 5.0,
        "correction: speed 3 %, 2 cm": (table["corr_speed_%"].abs() <= 3.0)
        & (table["corr_side_cm"] <= 2.0),
        "clean clip corrected: 3 %, 2 cm": (table["again_speed_%"].abs() <= 3.0)
        & (table["again_side_cm"] <= 2.0),
        "corrected: speed 5 %": table["corrected_speed_err_%"].abs() <= 5.0,
        "corrected: drift < 5 cm": table["corrected_drift_cm"] < 5.0,
        "corrected: z range 2 cm": (table["corrected_z_cm"] - table["mocap_z_cm"]).abs() <= 2.0,
        "hip, knee RMSE <= 2 deg": (table[["hip_deg", "knee_deg"]] <= 2.0).all(axis=1),
    }
    for use in ("ignored", "used"):
        print(f"pelvis acceleration {use}:")
        for goal, met in goals.items():
            counts = ", ".join(
                f"{int(m.sum())} of {len(m)} {'with' if key == 'yes' else 'without'} standing"
                for key, m in met.loc[use].groupby(level="standing")
            )
            print(f"  {goal:28s} {counts}")


if __name__ == "__main__":
    main()
