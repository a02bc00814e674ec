"""Accuracy of stride segmentation and gait events against every source of truth we have.

Sources:

- CMU takes (13 straight walks, ``tests/data/cmu``), one stride of each repeated 8 times
  (:func:`gait.repeat_stride`) as it is, with a stiff left knee (:func:`gait.stiffen_knee`),
  slowed to 0.45 m/s (time stretch; takes whose stride frequency would fall below 0.3 Hz are
  left out), and slowed with the stiff knee; each through virtual IMUs on pelvis, thighs and
  shanks (:func:`gait.virtual_imu_from_motion`, seed 0) and the IMU pipeline
  (:func:`imu.joint_angles`). Truth: the mocap foot contacts (:func:`gait.motion_from_mocap`),
  contact or swing phases shorter than 0.2 s of the original take merged (subject 07's right
  foot lifts and lands again within a stance). The same walks through virtual IMUs that also
  have both feet (``feet`` rows, seed 0) give events from the feet's sagittal rates, as
  :func:`gait.analyse_imu_walk` takes them with ``event_source="feet"``
  (:func:`gait.foot_sagittal_rate`, then
  :func:`gait.events_from_foot_gyroscope`); same truth, same matching.
- The 13 CMU takes as recorded (120 Hz, 2-3 strides each), against Zeni et al. (2008)'s
  kinematic events: heel strike where the ankle joint is furthest ahead of the hip centre, toe
  off where the toe joint is furthest behind it (positions low-passed at 6 Hz). Signed median
  offsets (ms) of the mocap foot contacts, of the leg-angle events and of the foot-sensor
  events (virtual IMUs on the take, as above) from those events.
- gaitmap's healthy walk (``tests/data/gaitmap_foot``): 58 hand-labelled strides on the foot
  gyroscope ``gyr_y``.
- gaitmap's multiple-sclerosis walk (the full 68 s from ``../shared/data/imu/gaitmap_foot`` when
  present, else the bundled first 30 s): no labels; truth = the foot's rest phases (gyroscope
  norm below 50 deg/s for at least 5 samples).

Figures, per source: cadence error of the segmentation (``120 * frequency_hz`` against the true
stride frequency), halved strides (kept cycles shorter than 0.75 true strides), stride borders
matched (gaitmap), and for the CMU walks heel strikes and toe offs within 25 / 50 ms of contact.
Reference in the same run (``before``): the stride band 0.5-1.5 Hz with no harmonic check, and
the earlier event rule (first local minimum of the 6 Hz shank angular velocity after a swing
peak, last one before it, swings at least 0.4 s apart).

Run: ``.venv/bin/python benchmarks/segmentation_accuracy.py``.
"""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.signal import butter, find_peaks, sosfiltfilt

import gait
import imu

ROOT = Path(__file__).resolve().parents[1]
WITH_FEET = (*imu.PAPER_SEGMENTS, "foot_r", "foot_l")
CMU = ROOT / "tests" / "data" / "cmu"
GAITMAP = ROOT / "tests" / "data" / "gaitmap_foot"
SHARED_GAITMAP = ROOT.parent / "shared" / "data" / "imu" / "gaitmap_foot"
OLD_BAND_HZ = (0.5, 1.5)
SLOW_SPEED_M_S = 0.45
LEAD_S = 2.5  # virtual_imu_from_motion's standing (2 s) and blend (0.5 s) before the walk


def old_events(angles: imu.JointAngles) -> gait.GaitEvents:
    """Return events by the earlier rule, the reference (see the module docstring)."""
    rate = angles.sampling_rate_hz
    sos = butter(2, 6.0, fs=rate, output="sos")
    strikes, offs = {}, {}
    for side in gait.SIDES:
        omega = np.gradient(sosfiltfilt(sos, gait.shank_inclination(angles, side))) * rate
        swings, _ = find_peaks(omega, height=1.0, distance=round(0.4 * rate))
        minima, _ = find_peaks(-omega)
        after = [minima[minima > p][0] for p in swings if np.any(minima > p)]
        before = [minima[minima < p][-1] for p in swings if np.any(minima < p)]
        strikes[side], offs[side] = np.unique(after), np.unique(before)
    return gait.GaitEvents(rate, angles.time_s.size, strikes, offs, "reference")


def nearest_offsets_s(
    found: gait.GaitEvents,
    reference: gait.GaitEvents,
    *,
    lead_s: float,
    max_offset_s: float,
    skip_first: bool = False,
) -> dict[str, np.ndarray]:
    """Per kind, signed offset (s) of the nearest found event to each reference event.

    ``lead_s`` is added to the reference's times; an offset beyond ``max_offset_s`` (or no event
    of that kind found) is ``inf``; ``skip_first`` leaves out each foot's first reference event.
    """
    offsets = {}
    for kind in ("heel_strikes", "toe_offs"):
        values = []
        for side in gait.SIDES:
            times = getattr(found, kind)[side] / found.sampling_rate_hz
            references = getattr(reference, kind)[side][int(skip_first) :]
            for ref_s in references / reference.sampling_rate_hz + lead_s:
                nearest = times[np.argmin(np.abs(times - ref_s))] - ref_s if times.size else np.inf
                values.append(nearest if abs(nearest) < max_offset_s else np.inf)
        offsets[kind] = np.array(values)
    return offsets


def event_errors_s(found: gait.GaitEvents, truth: gait.GaitEvents, period_s: float) -> dict:
    """Per kind, error (s) of the nearest found event to each true event after the first."""
    offsets = nearest_offsets_s(
        found, truth, lead_s=LEAD_S, max_offset_s=0.3 * period_s, skip_first=True
    )
    return {kind: np.abs(values) for kind, values in offsets.items()}


def cadence_figures(signals: list[np.ndarray], rate: float, true_hz: float, band_hz) -> dict:
    """Cadence error (%) and halved strides of segment_cycles over one signal per leg."""
    cadence_errors, halved, n_cycles = [], 0, 0
    for signal in signals:
        seg = gait.segment_cycles(signal, sampling_rate_hz=rate, band_hz=band_hz)
        cadence_errors.append(100.0 * abs(seg.frequency_hz - true_hz) / true_hz)
        durations = np.array([c.duration_s for c in seg.kept])
        halved += int(np.sum(durations * true_hz < 0.75))
        n_cycles += durations.size
    return {"cadence_error_pct": max(cadence_errors), "halved": halved, "cycles": n_cycles}


def cmu_variants() -> dict[str, list[tuple[str, gait.Motion]]]:
    """Every take as four 8-stride walks: normal, stiff knee, slow, slow with stiff knee."""
    variants: dict[str, list[tuple[str, gait.Motion]]] = {
        "CMU virtual IMU": [],
        "CMU virtual IMU, stiff left knee": [],
        "CMU virtual IMU, slowed to 0.45 m/s": [],
        "CMU virtual IMU, slowed, stiff left knee": [],
    }
    for trial, (asf, amc) in gait.find_cmu_takes(CMU).items():
        take = gait.motion_from_mocap(gait.read_amc(amc, gait.read_asf(asf)))
        stiff = gait.stiffen_knee(take, "left")
        normal = gait.repeat_stride(take, n_strides=8)
        speed = normal.root_position_m[-1, 0] / normal.time_s[-1]
        stretch = speed / SLOW_SPEED_M_S
        names = list(variants)
        variants[names[0]].append((trial, normal))
        variants[names[1]].append((trial, gait.repeat_stride(stiff, n_strides=8)))
        if normal.metadata["stride_frequency_hz"] / stretch >= 0.3:
            for name, motion in ((names[2], take), (names[3], stiff)):
                slow = gait.repeat_stride(motion, n_strides=8, time_stretch=stretch)
                variants[name].append((trial, slow))
    return variants


def share(errors: np.ndarray, limit_s: float) -> str:
    """Percentage of errors within ``limit_s``."""
    return f"{100.0 * np.mean(errors <= limit_s):.0f} %"


def median_and_max(values: list[float]) -> str:
    """``"median, max"`` with one decimal."""
    return f"{np.median(values):.1f}, {max(values):.1f}"


def cmu_rows() -> list[dict]:
    rows = []
    for source, walks in cmu_variants().items():
        figures = {
            label: {"hs": [], "to": [], "cad": [], "halved": 0, "cycles": 0}
            for label in ("new", "before", "feet")
        }
        speeds, frequencies = [], []
        for _, walk in walks:
            true_hz = walk.metadata["stride_frequency_hz"]
            frequencies.append(true_hz)
            speeds.append(walk.root_position_m[-1, 0] / walk.time_s[-1])
            virtual, _ = gait.virtual_imu_from_motion(walk, rng=np.random.default_rng(0))
            recording = virtual.recording
            angles = imu.joint_angles(recording, calibration=imu.calibrate(recording))
            rate = angles.sampling_rate_hz
            contacts = gait.debounce_contacts(
                walk.foot_contacts,
                sampling_rate_hz=walk.sampling_rate_hz,
                min_phase_s=0.2 * walk.metadata["time_stretch"],
            )
            truth = gait.events_from_contacts(contacts, sampling_rate_hz=walk.sampling_rate_hz)
            hips = [angles[f"hip_flexion_{side}"] for side in gait.SIDES]
            for label, events, band in (
                ("new", gait.events_from_leg_angles(angles), gait.STRIDE_BAND_HZ),
                ("before", old_events(angles), OLD_BAND_HZ),
            ):
                errors = event_errors_s(events, truth, 1.0 / true_hz)
                figures[label]["hs"].append(errors["heel_strikes"])
                figures[label]["to"].append(errors["toe_offs"])
                cadence = cadence_figures(hips, rate, true_hz, band)
                figures[label]["cad"].append(cadence["cadence_error_pct"])
                figures[label]["halved"] += cadence["halved"]
                figures[label]["cycles"] += cadence["cycles"]
            errors = event_errors_s(foot_events(walk), truth, 1.0 / true_hz)
            figures["feet"]["hs"].append(errors["heel_strikes"])
            figures["feet"]["to"].append(errors["toe_offs"])
        for label, f in figures.items():
            hs, to = np.concatenate(f["hs"]), np.concatenate(f["to"])
            rows.append({
                "source": source,
                "method": label,
                "walks": len(walks),
                "speed m/s": f"{min(speeds):.2f}-{max(speeds):.2f}",
                "stride Hz": f"{min(frequencies):.2f}-{max(frequencies):.2f}",
                "cadence error % (median, max)": median_and_max(f["cad"]) if f["cad"] else "",
                "halved / cycles": f"{f['halved']} / {f['cycles']}" if f["cad"] else "",
                "HS <=25 / <=50 ms": f"{share(hs, 0.025)} / {share(hs, 0.050)} (n={hs.size})",
                "TO <=25 / <=50 ms": f"{share(to, 0.025)} / {share(to, 0.050)} (n={to.size})",
            })  # fmt: skip
    return rows


def foot_events(motion: gait.Motion) -> gait.GaitEvents:
    """Events from the feet of ``motion`` through virtual IMUs with feet (seed 0)."""
    virtual, _ = gait.virtual_imu_from_motion(
        motion, rng=np.random.default_rng(0), segments=WITH_FEET
    )
    recording = virtual.recording
    rates = gait.foot_sagittal_rate(recording, calibration=imu.calibrate(recording))
    return gait.events_from_foot_gyroscope(
        rates, sampling_rate_hz=recording.sampling_rate_hz, swing_rate_sign=-1
    )


def zeni_events(take: gait.MocapTake) -> gait.GaitEvents:
    """Zeni et al. (2008): heel strike / toe off at the ankle's / toe's extreme along the walk."""
    rate = take.sampling_rate_hz
    bones = gait.leg_bones_for(take.skeleton)
    positions, _ = take.forward_kinematics()
    horizontal = sosfiltfilt(butter(2, 6.0, fs=rate, output="sos"), positions[:, :, [0, 2]], axis=0)
    joint = {name: horizontal[:, take.skeleton.index(name)] for name in take.skeleton.joints}
    hips = 0.5 * sum(joint[bones.name("femur", side)] for side in gait.SIDES)
    forward = hips[-1] - hips[0]
    forward /= np.linalg.norm(forward)
    strikes, offs = {}, {}
    for side in gait.SIDES:
        ankle = (joint[bones.name("foot", side)] - hips) @ forward
        toe = (joint[bones.name("toes", side)] - hips) @ forward
        strikes[side], _ = find_peaks(ankle, distance=round(0.5 * rate))
        offs[side], _ = find_peaks(-toe, distance=round(0.5 * rate))
    return gait.GaitEvents(rate, positions.shape[0], strikes, offs, "Zeni et al. 2008")


def signed_offsets_ms(found: gait.GaitEvents, reference: gait.GaitEvents, lead_s: float) -> dict:
    """Per kind, signed offset (ms) of the nearest found event to each reference event."""
    offsets = nearest_offsets_s(found, reference, lead_s=lead_s, max_offset_s=0.3)
    return {kind: 1000.0 * values[np.isfinite(values)] for kind, values in offsets.items()}


def zeni_rows() -> list[dict]:
    """Mocap contacts and foot-sensor events against Zeni's events on each take as recorded."""
    found: dict[str, dict[str, list]] = {
        label: {"heel_strikes": [], "toe_offs": []}
        for label in ("mocap foot contacts", "new", "feet")
    }
    for asf, amc in gait.find_cmu_takes(CMU).values():
        take = gait.read_amc(amc, gait.read_asf(asf))
        motion = gait.motion_from_mocap(take)
        reference = zeni_events(take)
        contacts = gait.events_from_contacts(
            motion.foot_contacts, sampling_rate_hz=motion.sampling_rate_hz
        )
        virtual, _ = gait.virtual_imu_from_motion(motion, rng=np.random.default_rng(0))
        angles = imu.joint_angles(virtual.recording, calibration=imu.calibrate(virtual.recording))
        for label, events, lead_s in (
            ("mocap foot contacts", contacts, 0.0),
            ("new", gait.events_from_leg_angles(angles), LEAD_S),
            ("feet", foot_events(motion), LEAD_S),
        ):
            for kind, values in signed_offsets_ms(events, reference, lead_s).items():
                found[label][kind].append(np.median(values))
    return [
        {
            "source": "CMU takes as recorded, offset from Zeni's events",
            "method": label,
            "walks": len(offsets["heel_strikes"]),
            "HS offset ms (takes' medians: min, median, max)": median_range(
                offsets["heel_strikes"]
            ),
            "TO offset ms (takes' medians: min, median, max)": median_range(offsets["toe_offs"]),
        }
        for label, offsets in found.items()
    ]


def median_range(values: list[float]) -> str:
    """``"min, median, max"`` with no decimals, signed."""
    return f"{min(values):+.0f}, {np.median(values):+.0f}, {max(values):+.0f}"


def gaitmap_labelled_rows() -> list[dict]:
    signals = pd.read_csv(GAITMAP / "imu_sample_gyr_y.csv", header=[0, 1], index_col=0)
    labels = pd.read_csv(GAITMAP / "stride_borders_sample.csv")
    rate = 204.8
    rows = []
    for label, band in (("new", gait.STRIDE_BAND_HZ), ("before", OLD_BAND_HZ)):
        matched = {0.025: 0, 0.050: 0}
        cadence_errors, halved, n_cycles = [], 0, 0
        for foot in ("left", "right"):
            seg = gait.segment_cycles(
                signals[(f"{foot}_sensor", "gyr_y")].to_numpy(), sampling_rate_hz=rate, band_hz=band
            )
            borders = np.array([[c.start_sample, c.end_sample] for c in seg.kept])
            strides = labels.loc[labels["foot"] == foot, ["start", "end"]].to_numpy()
            true_hz = rate / np.median(strides[:, 1] - strides[:, 0])
            cadence_errors.append(100.0 * abs(seg.frequency_hz - true_hz) / true_hz)
            durations = (borders[:, 1] - borders[:, 0]) / rate
            halved += int(np.sum(durations * true_hz < 0.75))
            n_cycles += durations.size
            for limit in matched:
                for start, end in strides:
                    near = np.abs(borders - [start, end]).max(axis=1) <= limit * rate
                    matched[limit] += bool(near.any())
        rows.append({
            "source": "gaitmap healthy, foot gyr_y",
            "method": label,
            "walks": 1,
            "cadence error % (median, max)": median_and_max(cadence_errors),
            "halved / cycles": f"{halved} / {n_cycles}",
            "strides matched <=25 / <=50 ms": (
                f"{matched[0.025]} / {matched[0.050]} of {len(labels)}"
            ),
        })  # fmt: skip
    return rows


def ms_gyroscope(foot: str) -> tuple[np.ndarray, str]:
    """Gyroscope (deg/s, (n, 3)) of the MS walk: the shared full file, else the bundled 30 s."""
    full = SHARED_GAITMAP / f"imu_sample_ms_{foot}.csv"
    if full.exists():
        return pd.read_csv(full, index_col=0)[["gyr_x", "gyr_y", "gyr_z"]].to_numpy(), "68 s"
    bundled = GAITMAP / f"imu_sample_ms_{foot}_gyr_30s.csv"
    return pd.read_csv(bundled, index_col=0).to_numpy(), "30 s"


def ms_rows() -> list[dict]:
    rate = 102.4
    rows = []
    for label, band in (("new", gait.STRIDE_BAND_HZ), ("before", OLD_BAND_HZ)):
        cadence_errors, halved, n_cycles = [], 0, 0
        for foot in ("left", "right"):
            gyro, length = ms_gyroscope(foot)
            resting = np.concatenate(([0], np.linalg.norm(gyro, axis=1) < 50.0, [0])).astype(int)
            edges = np.flatnonzero(np.diff(resting))
            onsets = edges[::2][(edges[1::2] - edges[::2]) >= 5]
            true_hz = rate / np.median(np.diff(onsets))
            figures = cadence_figures([gyro[:, 1]], rate, true_hz, band)
            cadence_errors.append(figures["cadence_error_pct"])
            halved += figures["halved"]
            n_cycles += figures["cycles"]
        rows.append({
            "source": f"gaitmap multiple sclerosis ({length}), foot gyr_y",
            "method": label,
            "walks": 1,
            "stride Hz": f"{true_hz:.2f}",
            "cadence error % (median, max)": median_and_max(cadence_errors),
            "halved / cycles": f"{halved} / {n_cycles}",
        })  # fmt: skip
    return rows


def main() -> None:
    logging.basicConfig(level=logging.ERROR)
    table = pd.DataFrame(cmu_rows() + zeni_rows() + gaitmap_labelled_rows() + ms_rows()).fillna("")
    with pd.option_context("display.max_columns", None, "display.width", 250):
        print(table.to_string(index=False))


if __name__ == "__main__":
    main()
