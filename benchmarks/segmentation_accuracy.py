"""Accuracy of stride segmentation and gait events against every source of truth we have.

Sources:

- CMU takes (13 straight walks, ``tests/data/cmu``), one stride of each repeated 8 times
  (:func:`gait.repeat_stride`) as it is, with a stiff left knee (:func:`gait.stiffen_knee`),
  slowed to 0.45 m/s (time stretch; takes whose stride frequency would fall below 0.3 Hz are
  left out), and slowed with the stiff knee; each through virtual IMUs on pelvis, thighs and
  shanks (:func:`gait.virtual_imu_from_motion`, seed 0) and the IMU pipeline
  (:func:`imu.joint_angles`). Detectors: ``legs, contact`` and ``legs, flat foot``
  (:func:`gait.events_from_leg_angles` with ``marks="contact"`` and its default), ``before``
  (the earlier rule, below), and two detectors on the same walks through virtual IMUs that
  also have both feet (seed 0): ``feet``, events from the feet's sagittal rates as
  :func:`gait.analyse_imu_walk` takes them with ``event_source="feet"``
  (:func:`gait.foot_sagittal_rate`, then :func:`gait.events_from_foot_gyroscope`), and
  ``legs and feet, contact``, :func:`gait.events_from_leg_angles` with ``marks="contact"`` on
  joint angles that hold the ankles, so toe off is the toe's rearmost point relative to the hip
  (``legs, contact`` is the same rule without the ankles, the toe off at the ankle's rearmost
  point: the reference for it). Against Zeni's events only, the toe rule is also run with its
  ankle-to-toe vector scaled by 0.7 and 1.3, and on the walk's own mocap joint angles
  (``on the mocap angles``: no sensors; a stiff knee's edit shows there, see below); on the
  stiff-knee walks both are also judged per foot (``..., l foot only``: the stiffened left
  leg; ``r``: the unedited right). Two truths (the ``truth`` column):

  - ``Zeni et al. 2008, mocap kinematics``: heel contact and toe lift from the take's own joint
    positions (:func:`zeni_events`: heel strike where the ankle joint is furthest ahead of the
    hip centre along the walk, toe off where the toe joint is furthest behind it; positions
    low-passed at 6 Hz). Zeni et al. found 94 % of such events within one frame (16.7 ms) of the
    force plates in healthy treadmill walking, 89 % within two frames in multiple sclerosis and
    stroke, 98 % within two frames overground, with heel and toe markers; the CMU skeleton has
    no heel, so its ankle joint stands in. The events of the repeated stride are tiled and
    stretched with it (:func:`repeated_events`), so a slowed walk's truth is the stretched truth
    of the take, and a stiff knee keeps the take's truth (as it keeps its contacts).
  - ``mocap foot contacts`` (:func:`gait.motion_from_mocap`, the contacts the clips carry):
    the midpoint of the ankle and toe joints within 5 cm of the floor and slower than 0.6 m/s,
    contact or swing phases shorter than 0.2 s of the original take merged (subject 07's right
    foot lifts and lands again within a stance). It marks about foot flat to heel rise: on the
    takes as recorded its contact starts 67 ms after Zeni's heel strike and ends 83 ms before
    his toe off (medians, last table).

- The 13 CMU takes as recorded (120 Hz, 2-3 strides each): signed median offsets (ms) of the
  mocap foot contacts and of each detector (virtual IMUs on the take, as above) from Zeni's
  events.
- gaitmap's healthy walk (``tests/data/gaitmap_foot``): 58 hand-labelled strides on the foot
  gyroscope ``gyr_y``.
- gaitmap's multiple-sclerosis walk (the full 68 s from ``../shared/data/imu/gaitmap_foot`` when
  present, else the bundled first 30 s): no labels; truth = the foot's rest phases (gyroscope
  norm below 50 deg/s for at least 5 samples).

Figures: for the segmentation, cadence error (``120 * frequency_hz`` against the true stride
frequency), halved strides (kept cycles shorter than 0.75 true strides) and stride borders
matched (gaitmap); for the CMU events, heel strikes (HS) and toe offs (TO) within 25 / 50 ms of
the truth (each true event after the first of each foot; a found event more than 0.3 strides
away counts as missed), the signed median error (found minus true) over all events and over each
walk, and whether the goal (>= 70 % within 25 ms and >= 90 % within 50 ms, both events) is met.
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
from gait._events import ANKLE_TO_TOE_RATIOS  # not re-exported by gait

ROOT = Path(__file__).resolve().parents[1]
WITH_FEET = (*imu.PAPER_SEGMENTS, "foot_r", "foot_l")
CMU = ROOT / "tests" / "data" / "cmu"
GAITMAP = ROOT / "tests" / "data" / "gaitmap_foot"
SHARED_GAITMAP = ROOT.parent / "shared" / "data" / "imu" / "gaitmap_foot"
OLD_BAND_HZ = (0.5, 1.5)
SLOW_SPEED_M_S = 0.45
LEAD_S = 2.5  # virtual_imu_from_motion's standing (2 s) and blend (0.5 s) before the walk
TOE_RULE = "legs and feet, contact"
MOCAP_TOE_RULE = "legs and feet, contact, on the mocap angles"
ZENI = "Zeni et al. 2008, mocap kinematics"
CONTACTS = "mocap foot contacts"
#: The toe rule is also run with its ankle-to-toe vector scaled by these factors (sensitivity).
TOE_VECTOR_SCALES = (0.7, 1.3)


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


def event_errors_s(
    found: gait.GaitEvents, truth: gait.GaitEvents, period_s: float, lead_s: float
) -> dict:
    """Per kind, signed error (s) of the nearest found event to each true event after the first.

    ``lead_s``: time of the walk's start in ``found``. ``inf`` where no found event is within
    0.3 stride periods.
    """
    return nearest_offsets_s(
        found, truth, lead_s=lead_s, max_offset_s=0.3 * period_s, skip_first=True
    )


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


def repeated_events(events: gait.GaitEvents, walk: gait.Motion) -> gait.GaitEvents:
    """Return the take's events in the stride ``walk`` repeats, tiled and time-stretched with it.

    ``walk`` comes from :func:`gait.repeat_stride` (its metadata names the take's samples
    ``[h0, h1)`` of the stride and the time stretch): an event at take sample ``e`` in that
    stride lands at ``(e - h0 + k (h1 - h0)) * time_stretch`` in repetition ``k``, so a slowed
    walk's truth is the stretched truth of the take.
    """
    h0, h1 = walk.metadata["repeated_stride"]
    stretch = walk.metadata["time_stretch"]
    n_strides = round(walk.n_frames / ((h1 - h0) * stretch))
    tiled = {}
    for kind in ("heel_strikes", "toe_offs"):
        tiled[kind] = {}
        for side in gait.SIDES:
            samples = getattr(events, kind)[side]
            in_stride = samples[(samples >= h0) & (samples < h1)] - h0
            times = (in_stride + (h1 - h0) * np.arange(n_strides)[:, None]).ravel() * stretch
            tiled[kind][side] = np.sort(np.rint(times).astype(int)[times < walk.n_frames - 0.5])
    return gait.GaitEvents(
        walk.sampling_rate_hz, walk.n_frames, tiled["heel_strikes"], tiled["toe_offs"],
        f"{events.method}, repeated",
    )  # fmt: skip


def cmu_variants() -> dict[str, list[tuple[str, gait.Motion, gait.GaitEvents]]]:
    """Every take as four 8-stride walks (normal, stiff knee, slow, slow with stiff knee).

    Each walk comes with its kinematic truth: Zeni's events of the take (:func:`zeni_events`)
    repeated with the stride (:func:`repeated_events`).
    """
    variants: dict[str, list[tuple[str, gait.Motion, gait.GaitEvents]]] = {
        "CMU virtual IMU": [],
        "CMU virtual IMU, stiff left knee": [],
        "CMU virtual IMU, slowed to 0.45 m/s": [],
        "CMU virtual IMU, slowed, stiff left knee": [],
    }
    for trial, (asf, amc) in gait.find_cmu_takes(CMU).items():
        mocap = gait.read_amc(amc, gait.read_asf(asf))
        zeni = zeni_events(mocap)
        take = gait.motion_from_mocap(mocap)
        stiff = gait.stiffen_knee(take, "left")
        normal = gait.repeat_stride(take, n_strides=8)
        speed = normal.root_position_m[-1, 0] / normal.time_s[-1]
        stretch = speed / SLOW_SPEED_M_S
        walks = [(0, normal), (1, gait.repeat_stride(stiff, n_strides=8))]
        if normal.metadata["stride_frequency_hz"] / stretch >= 0.3:
            for index, motion in ((2, take), (3, stiff)):
                walks.append((index, gait.repeat_stride(motion, n_strides=8, time_stretch=stretch)))
        names = list(variants)
        for index, walk in walks:
            variants[names[index]].append((trial, walk, repeated_events(zeni, walk)))
    return variants


def share(errors: np.ndarray, limit_s: float) -> str:
    """Percentage of errors within ``limit_s``."""
    return f"{100.0 * np.mean(errors <= limit_s):.0f} %"


def median_and_max(values: list[float]) -> str:
    """``"median, max"`` with one decimal."""
    return f"{np.median(values):.1f}, {max(values):.1f}"


def contact_truth(walk: gait.Motion) -> gait.GaitEvents:
    """Return the walk's mocap foot contacts as events, phases under 0.2 s of the take merged."""
    contacts = gait.debounce_contacts(
        walk.foot_contacts,
        sampling_rate_hz=walk.sampling_rate_hz,
        min_phase_s=0.2 * walk.metadata["time_stretch"],
    )
    return gait.events_from_contacts(contacts, sampling_rate_hz=walk.sampling_rate_hz)


def leg_detectors(angles: imu.JointAngles) -> dict[str, gait.GaitEvents]:
    """Return events of both rules of :func:`gait.events_from_leg_angles` and the earlier rule."""
    return {
        "legs, contact": gait.events_from_leg_angles(angles, marks="contact"),
        "legs, flat foot": gait.events_from_leg_angles(angles),
        "before": old_events(angles),
    }


def event_figures(errors: dict[str, list[np.ndarray]]) -> dict[str, str]:
    """Shares within 25 / 50 ms, signed median and the goal, from per-walk signed errors (s)."""
    out, met = {}, True
    for kind, label in (("heel_strikes", "HS"), ("toe_offs", "TO")):
        signed = np.concatenate(errors[kind])
        error = np.abs(signed)
        met &= bool(np.mean(error <= 0.025) >= 0.7 and np.mean(error <= 0.050) >= 0.9)
        walk_medians = [np.median(values) for values in errors[kind]]
        out[f"{label} <=25 / <=50 ms"] = (
            f"{share(error, 0.025)} / {share(error, 0.050)} (n={error.size})"
        )
        out[f"{label} ms: median (walks' medians)"] = (
            f"{1000 * np.median(signed):+.0f} ({median_range(1000 * np.array(walk_medians))})"
        )
    out["goal"] = "met" if met else "missed"
    return out


def cmu_rows() -> tuple[list[dict], list[dict]]:
    """Segmentation rows and event rows (each detector against each truth) of the CMU walks."""
    segmentation_rows, event_rows = [], []
    for source, walks in cmu_variants().items():
        cadence = {label: {"cad": [], "halved": 0, "cycles": 0} for label in ("new", "before")}
        errors: dict[tuple[str, str], dict[str, list[np.ndarray]]] = {}
        speeds, frequencies = [], []
        for _, walk, zeni in walks:
            true_hz = walk.metadata["stride_frequency_hz"]
            frequencies.append(true_hz)
            speeds.append(walk.root_position_m[-1, 0] / walk.time_s[-1])
            virtual, _ = gait.virtual_imu_from_motion(walk, rng=np.random.default_rng(0))
            recording = virtual.recording
            angles = imu.joint_angles(recording, calibration=imu.calibrate(recording))
            hips = [angles[f"hip_flexion_{side}"] for side in gait.SIDES]
            for label, band in (("new", gait.STRIDE_BAND_HZ), ("before", OLD_BAND_HZ)):
                figures = cadence_figures(hips, angles.sampling_rate_hz, true_hz, band)
                cadence[label]["cad"].append(figures["cadence_error_pct"])
                cadence[label]["halved"] += figures["halved"]
                cadence[label]["cycles"] += figures["cycles"]
            detectors = {
                **leg_detectors(angles),
                **feet_detectors(walk),
                MOCAP_TOE_RULE: mocap_toe_rule(walk),
            }
            truths = {ZENI: zeni, CONTACTS: contact_truth(walk)}
            if "stiff" in source:  # one leg edited: the toe rule per foot
                truths.update({f"{ZENI}, {side} foot only": one_foot(zeni, side) for side in "lr"})
            for truth_label, truth in truths.items():
                for label, events in detectors.items():
                    if not judged(label, truth_label):
                        continue
                    found = errors.setdefault(
                        (truth_label, label), {"heel_strikes": [], "toe_offs": []}
                    )
                    lead_s = 0.0 if label == MOCAP_TOE_RULE else LEAD_S
                    for kind, values in event_errors_s(
                        events, truth, 1.0 / true_hz, lead_s
                    ).items():
                        found[kind].append(values)
        described = (
            f"{source} ({len(walks)} takes, {min(speeds):.2f}-{max(speeds):.2f} m/s, "
            f"{min(frequencies):.2f}-{max(frequencies):.2f} Hz)"
        )
        for label, f in cadence.items():
            segmentation_rows.append({
                "source": described,
                "method": label,
                "cadence error % (median, max)": median_and_max(f["cad"]),
                "halved / cycles": f"{f['halved']} / {f['cycles']}",
            })  # fmt: skip
        for (truth_label, label), found in errors.items():
            event_rows.append(
                {
                    "walks": described,
                    "truth": truth_label,
                    "detector": label,
                    **event_figures(found),
                }
            )
    return segmentation_rows, event_rows


def feet_detectors(motion: gait.Motion) -> dict[str, gait.GaitEvents]:
    """Events of ``motion`` through virtual IMUs with feet (seed 0), by each rule that uses them.

    ``feet``: the feet's sagittal rates (:func:`gait.events_from_foot_gyroscope`). ``legs and
    feet, contact``: :func:`gait.events_from_leg_angles` with ``marks="contact"`` on the joint
    angles, which now hold the ankles (toe off at the toe's rearmost point), with the default
    ankle-to-toe vector and with it scaled by :data:`TOE_VECTOR_SCALES`.
    """
    virtual, _ = gait.virtual_imu_from_motion(
        motion, rng=np.random.default_rng(0), segments=WITH_FEET
    )
    recording = virtual.recording
    calibration = imu.calibrate(recording)
    rates = gait.foot_sagittal_rate(recording, calibration=calibration)
    angles = imu.joint_angles(recording, calibration=calibration)
    forward, down = ANKLE_TO_TOE_RATIOS
    detectors = {
        "feet": gait.events_from_foot_gyroscope(
            rates, sampling_rate_hz=recording.sampling_rate_hz, swing_rate_sign=-1
        )
    }
    for scale in (1.0, *TOE_VECTOR_SCALES):
        label = TOE_RULE if scale == 1.0 else f"{TOE_RULE}, toe vector x{scale}"
        detectors[label] = gait.events_from_leg_angles(
            angles, marks="contact", ankle_to_toe_ratios=(scale * forward, scale * down)
        )
    return detectors


def mocap_toe_rule(motion: gait.Motion) -> gait.GaitEvents:
    """Return the toe rule's events on the motion's own joint angles (no sensors)."""
    return gait.events_from_leg_angles(motion.joint_angles, marks="contact")


def judged(label: str, truth_label: str) -> bool:
    """Whether the detector ``label`` is judged against the truth ``truth_label``.

    Every detector against Zeni's events and the contacts, except the toe rule's checks
    (scaled toe vector, mocap angles): Zeni's events only; one foot's truth: the toe rule and
    its mocap-angle check only.
    """
    if truth_label.endswith("foot only"):
        return label in (TOE_RULE, MOCAP_TOE_RULE)
    checks = label == MOCAP_TOE_RULE or label.startswith(f"{TOE_RULE}, toe vector")
    return truth_label == ZENI or not checks


def one_foot(events: gait.GaitEvents, side: str) -> gait.GaitEvents:
    """Return ``events`` with those of the other foot removed."""
    kept = {
        kind: {s: getattr(events, kind)[s] if s == side else np.array([], int) for s in gait.SIDES}
        for kind in ("heel_strikes", "toe_offs")
    }
    return gait.GaitEvents(
        events.sampling_rate_hz, events.n_samples, kept["heel_strikes"], kept["toe_offs"],
        f"{events.method}, side {side!r}",
    )  # fmt: skip


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
    """Mocap contacts and each detector against Zeni's events on each take as recorded."""
    found: dict[str, dict[str, list]] = {}
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
            *((label, events, LEAD_S) for label, events in leg_detectors(angles).items()),
            *((label, events, LEAD_S) for label, events in feet_detectors(motion).items()),
            (MOCAP_TOE_RULE, mocap_toe_rule(motion), 0.0),
        ):
            offsets = signed_offsets_ms(events, reference, lead_s)
            for kind, values in offsets.items():
                found.setdefault(label, {}).setdefault(kind, []).append(np.median(values))
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
            "stride Hz": f"{true_hz:.2f}",
            "cadence error % (median, max)": median_and_max(cadence_errors),
            "halved / cycles": f"{halved} / {n_cycles}",
        })  # fmt: skip
    return rows


def main() -> None:
    logging.basicConfig(level=logging.ERROR)
    segmentation, events = cmu_rows()
    tables = {
        "Stride segmentation": segmentation + gaitmap_labelled_rows() + ms_rows(),
        "Gait events of the CMU walks (signed: found minus true; goal: >= 70 % within 25 ms "
        "and >= 90 % within 50 ms for both events)": events,
        "Offsets from Zeni's events on the CMU takes as recorded": zeni_rows(),
    }
    with pd.option_context("display.max_columns", None, "display.width", 250):
        for title, rows in tables.items():
            table = pd.DataFrame(rows).astype(object).fillna("")
            print(f"{title}\n{table.to_string(index=False)}\n")


if __name__ == "__main__":
    main()
