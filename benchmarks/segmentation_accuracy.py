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
  leg; ``r``: the unedited right). Two truths on every walk and a third on the stiff-knee
  walks (the ``truth`` column):

  - ``Zeni et al. 2008, on the take (mocap)``: heel contact and toe lift from the take's own
    joint positions (:func:`zeni_events`: heel strike where the ankle joint is furthest ahead of the
    hip centre along the walk, toe off where the toe joint is furthest behind it; positions
    low-passed at 6 Hz). Zeni et al. found 94 % of such events within one frame (16.7 ms) of the
    force plates in healthy treadmill walking, 89 % within two frames in multiple sclerosis and
    stroke, 98 % within two frames overground, with heel and toe markers; the CMU skeleton has
    no heel, so its ankle joint stands in. The events of the repeated stride are tiled and
    stretched with it (:func:`repeated_events`), so a slowed walk's truth is the stretched truth
    of the take, and a stiff knee keeps the take's truth (as it keeps its contacts).
  - ``Zeni et al. 2008, on the walk itself (avatar)``, stiff-knee walks only: the same rule on
    the edited walk's own kinematics, which the knee edit changes (:func:`avatar_zeni_events`):
    the walk played back on the ankle avatar (``sim.ANKLE_MODEL``, fixed root, height fitted to
    the walk), its ankle joint and its toe (the CMU toe joint's place on the foot box,
    :data:`TOE_BOX_FRACTION`) relative to the root (the hip centre), along the root path's
    chord, leaving out events within 0.5 s of the walk's ends. Computed from the walk's joint
    angles and the avatar's geometry only, independently of the detectors. Validated on the
    unedited walks against the take's truth (last table: every event within one frame of the
    take's).
  - ``mocap foot contacts`` (:func:`gait.motion_from_mocap`, the contacts the clips carry):
    the midpoint of the ankle and toe joints within 5 cm of the floor and slower than 0.6 m/s,
    contact or swing phases shorter than 0.2 s of the original take merged (subject 07's right
    foot lifts and lands again within a stance). It marks about foot flat to heel rise: on the
    takes as recorded its contact starts 67 ms after Zeni's heel strike and ends 83 ms before
    his toe off (medians, table of the takes as recorded).

- The 13 CMU takes as recorded (120 Hz, 2-3 strides each): signed median offsets (ms) of the
  mocap foot contacts and of each detector (virtual IMUs on the take, as above) from Zeni's
  events.
- Zeni's events on the avatar against the take's, per event kind (signed offsets, the share
  within one frame of the take, and how deep the feet go into the floor on the avatar): on the
  walks as recorded and slowed with the avatar's toe at :data:`TOE_BOX_FRACTION` and at the
  box's front (the toe tip), and per foot on the stiff-knee walks (how far the edit moves each
  event).
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
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from scipy.signal import butter, find_peaks, sosfiltfilt

import gait
import imu
from gait._events import ANKLE_TO_TOE_RATIOS  # not re-exported by gait

if TYPE_CHECKING:  # sim (pybullet) is imported where the avatar plays: tests of gait load this
    import sim

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
ZENI = "Zeni et al. 2008, on the take (mocap)"
ZENI_AVATAR = "Zeni et al. 2008, on the walk itself (avatar)"
#: Zeni's positions are low-passed at this cutoff, Hz; his events are at least this far apart, s.
ZENI_CUTOFF_HZ = 6.0
ZENI_MIN_SPACING_S = 0.5
#: The avatar's toe: this fraction of the foot box's length from its heel (at half its height),
#: where the CMU skeletons' toe joint lies relative to the ankle (0.071 and 0.020 of the height
#: forward and down, ``gait._events.ANKLE_TO_TOE_RATIOS``) on the avatar's foot (de Leva's
#: 0.148 H long, the ankle 0.25 of it from the heel and 0.039 H above the sole): (0.25 * 0.148
#: + 0.071) / 0.148 = 0.73, and half the box's height is 0.0195 H below the ankle.
TOE_BOX_FRACTION = 0.73
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


Variants = dict[str, list[tuple[str, gait.Motion, gait.GaitEvents, "sim.FootTrack"]]]


def cmu_variants() -> Variants:
    """Every take as four 8-stride walks (normal, stiff knee, slow, slow with stiff knee).

    Each walk comes with Zeni's events of the take (:func:`zeni_events`) repeated with the stride
    (:func:`repeated_events`) and with its feet on the avatar (:func:`avatar_feet`), from which
    :func:`avatar_zeni_events` takes Zeni's events of the walk itself.
    """
    variants: Variants = {
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
            variants[names[index]].append(
                (trial, walk, repeated_events(zeni, walk), avatar_feet(walk))
            )
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


def cmu_rows(variants: Variants) -> tuple[list[dict], list[dict]]:
    """Segmentation rows and event rows (each detector against each truth) of the CMU walks.

    On the stiff-knee walks the detectors are also judged against Zeni's events of the walk
    itself (:func:`avatar_zeni_events`), with both feet and per foot.
    """
    segmentation_rows, event_rows = [], []
    for source, walks in variants.items():
        cadence = {label: {"cad": [], "halved": 0, "cycles": 0} for label in ("new", "before")}
        errors: dict[tuple[str, str], dict[str, list[np.ndarray]]] = {}
        speeds, frequencies = [], []
        for _, walk, zeni, feet in walks:
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
            if "stiff" in source:  # one leg edited: its own truth, and the toe rule per foot
                avatar = avatar_zeni_events(walk, feet)
                truths = {ZENI: zeni, ZENI_AVATAR: avatar, CONTACTS: truths[CONTACTS]}
                for label, events in ((ZENI, zeni), (ZENI_AVATAR, avatar)):
                    truths.update(
                        {f"{label}, {side} foot only": one_foot(events, side) for side in "lr"}
                    )
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

    Every detector against Zeni's events (of the take and of the walk) and the contacts, except
    the toe rule's checks (scaled toe vector, mocap angles): Zeni's events only; one foot's
    truth: the toe rule and its mocap-angle check only.
    """
    if truth_label.endswith("foot only"):
        return label in (TOE_RULE, MOCAP_TOE_RULE)
    checks = label == MOCAP_TOE_RULE or label.startswith(f"{TOE_RULE}, toe vector")
    return truth_label in (ZENI, ZENI_AVATAR) or not checks


def one_foot(events: gait.GaitEvents, side: str) -> gait.GaitEvents:
    """Return ``events`` with those of the other foot removed."""
    return kept_events(
        events, lambda s, samples: samples if s == side else samples[:0], f", side {side!r}"
    )


def kept_events(
    events: gait.GaitEvents, keep: Callable[[str, np.ndarray], np.ndarray], note: str = ""
) -> gait.GaitEvents:
    """Return ``events`` with each side's samples of each kind passed through ``keep(side, s)``."""
    kept = {
        kind: {side: keep(side, samples) for side, samples in getattr(events, kind).items()}
        for kind in ("heel_strikes", "toe_offs")
    }
    return gait.GaitEvents(
        events.sampling_rate_hz, events.n_samples, kept["heel_strikes"], kept["toe_offs"],
        f"{events.method}{note}",
    )  # fmt: skip


def zeni_events(take: gait.MocapTake) -> gait.GaitEvents:
    """Zeni et al. (2008) on the take's skeleton: its ankle and toe joints (:func:`zeni_rule`)."""
    bones = gait.leg_bones_for(take.skeleton)
    positions, _ = take.forward_kinematics()
    horizontal = positions[:, :, [0, 2]]  # CMU: Y up
    joint = {name: horizontal[:, take.skeleton.index(name)] for name in take.skeleton.joints}
    hips = 0.5 * sum(joint[bones.name("femur", side)] for side in gait.SIDES)
    ankles, toes = (
        np.stack([joint[bones.name(bone, side)] for side in gait.SIDES], axis=1)
        for bone in ("foot", "toes")
    )
    return zeni_rule(ankles, toes, hips, take.sampling_rate_hz, "Zeni et al. 2008, on the take")


def avatar_feet(walk: gait.Motion) -> sim.FootTrack:
    """Play ``walk`` back on the ankle avatar (fixed root) fitted to it; return its feet."""
    import sim

    height_m = sim.fit_height_to_motion(walk, spec=sim.ANKLE_MODEL)
    body = sim.body_dimensions(height_m, gait.DEFAULT_MASS_KG)
    with sim.Simulation(sim.ANKLE_MODEL, body=body, fixed_root=True) as world:
        return sim.track_feet(world, walk)


def avatar_zeni_events(
    walk: gait.Motion, feet: sim.FootTrack, *, toe_fraction: float = TOE_BOX_FRACTION
) -> gait.GaitEvents:
    """Zeni et al. (2008) on the walk itself, as the avatar plays it back (:func:`zeni_rule`).

    The ankle is the foot frame's origin (the ankle joint centre, the point the take's truth
    and the detectors use: the CMU skeleton has no heel); the toe is the point ``toe_fraction``
    of the foot box's length from its heel, at half its height (:data:`TOE_BOX_FRACTION`: where
    the CMU toe joint lies; 1.0 is the box's front, the toe tip); the hip centre is the root.
    ``feet`` comes from :func:`avatar_feet` on ``walk``. Events within :data:`ZENI_MIN_SPACING_S`
    of the walk's ends are left out (:func:`interior`): the walk cuts a stride there, and a
    lesser extreme near an end can stand in for one beyond it (the stiff-knee walks of 07_05 and
    07_08 end that way).
    """
    corners = feet.corners_world()  # (n, [l, r], 8, 3)
    front = feet.corners_local_m[:, 0] > 0.0
    heel_end, toe_end = corners[:, :, ~front].mean(axis=2), corners[:, :, front].mean(axis=2)
    toes = heel_end + toe_fraction * (toe_end - heel_end)
    ankles = feet.foot_poses[:, :, :3]
    events = zeni_rule(
        ankles[..., :2], toes[..., :2], walk.root_position_m[:, :2], walk.sampling_rate_hz,
        f"Zeni et al. 2008, on the avatar (toe at {toe_fraction:g} of the foot box)",
    )  # fmt: skip
    return interior(events, ZENI_MIN_SPACING_S)


def interior(events: gait.GaitEvents, margin_s: float) -> gait.GaitEvents:
    """Return ``events`` without those closer than ``margin_s`` to either end of the record."""
    low = margin_s * events.sampling_rate_hz
    high = events.n_samples - 1 - low
    return kept_events(events, lambda _, samples: samples[(samples >= low) & (samples <= high)])


def zeni_rule(
    ankles_m: np.ndarray,
    toes_m: np.ndarray,
    hips_m: np.ndarray,
    sampling_rate_hz: float,
    method: str,
) -> gait.GaitEvents:
    """Heel strike / toe off at the ankle's foremost / toe's rearmost point relative to the hip.

    ``ankles_m`` and ``toes_m`` are ``(n, 2, 2)`` horizontal positions of the ``[l, r]`` feet's
    points, ``hips_m`` ``(n, 2)`` the hip centre's, m. Positions relative to the hip centre are
    taken along the walk (the chord of the hip centre's path) and low-passed at
    :data:`ZENI_CUTOFF_HZ`; each event is a peak, peaks at least :data:`ZENI_MIN_SPACING_S` apart.
    """
    lowpass = butter(2, ZENI_CUTOFF_HZ, fs=sampling_rate_hz, output="sos")
    forward = hips_m[-1] - hips_m[0]
    forward /= np.linalg.norm(forward)
    ankle, toe = (
        sosfiltfilt(lowpass, (points - hips_m[:, None]) @ forward, axis=0)
        for points in (ankles_m, toes_m)
    )
    spacing = round(ZENI_MIN_SPACING_S * sampling_rate_hz)
    strikes, offs = {}, {}
    for column, side in enumerate(gait.SIDES):
        strikes[side], _ = find_peaks(ankle[:, column], distance=spacing)
        offs[side], _ = find_peaks(-toe[:, column], distance=spacing)
    return gait.GaitEvents(sampling_rate_hz, hips_m.shape[0], strikes, offs, method)


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


def avatar_truth_rows(variants: Variants) -> list[dict]:
    """Zeni's events on the avatar (:func:`avatar_zeni_events`) against those of the take.

    Unedited walks (as recorded, slowed): both feet, with the avatar's toe at
    :data:`TOE_BOX_FRACTION` and at the box's front (the toe tip). Stiff-knee walks: per foot,
    how far the edit moves the events. Signed offsets (avatar minus take, ms) of every event
    after each foot's first, both truths without the events near the walk's ends
    (:func:`interior`); an offset beyond 0.3 strides counts as unmatched. The take's events are
    known to one frame of the take (8.3 ms, times the time stretch on a slowed walk). Also how
    deep the row's feet go into the floor on the avatar, and when (:func:`deepest_in_floor`):
    the stiff knee's edit keeps the hip, so the stiffened leg's foot swings through the floor.
    """
    rows = []
    for source, walks in variants.items():
        cases = (
            [(TOE_BOX_FRACTION, side) for side in "lr"]
            if "stiff" in source
            else [(1.0, "lr"), (TOE_BOX_FRACTION, "lr")]
        )
        for fraction, sides in cases:
            offsets_ms: dict[str, list[np.ndarray]] = {"heel_strikes": [], "toe_offs": []}
            take_frames: dict[str, list[np.ndarray]] = {"heel_strikes": [], "toe_offs": []}
            depths_cm, phases_pct = [], []
            for _, walk, zeni, feet in walks:
                avatar = avatar_zeni_events(walk, feet, toe_fraction=fraction)
                depth_cm, phase_pct = deepest_in_floor(walk, feet, avatar, sides)
                depths_cm.append(depth_cm)
                phases_pct.append(phase_pct)
                take = interior(zeni, ZENI_MIN_SPACING_S)  # as the avatar's
                truth = take if sides == "lr" else one_foot(take, sides)
                found = avatar if sides == "lr" else one_foot(avatar, sides)
                period_s = 1.0 / walk.metadata["stride_frequency_hz"]
                take_frame_s = walk.metadata["time_stretch"] / walk.sampling_rate_hz
                for kind, values in event_errors_s(found, truth, period_s, 0.0).items():
                    offsets_ms[kind].append(1000.0 * values)
                    take_frames[kind].append(values / take_frame_s)
            row = {
                "walks": source.removeprefix("CMU virtual IMU").strip(", ") or "as recorded",
                "avatar toe": "tip (box front)" if fraction == 1.0 else f"{fraction:g} of the box",
                "feet": "both" if sides == "lr" else f"{sides} only",
            }
            for kind, label in (("heel_strikes", "HS"), ("toe_offs", "TO")):
                values = np.concatenate(offsets_ms[kind])
                matched = values[np.isfinite(values)]
                row[f"{label} ms: median (min, max)"] = (
                    f"{np.median(matched):+.0f} ({matched.min():+.0f}, {matched.max():+.0f})"
                )
                row[f"{label} within 1 take frame"] = (
                    f"{share(np.abs(np.concatenate(take_frames[kind])), 1.0 + 1e-6)} "
                    f"(n={values.size}, {values.size - matched.size} unmatched)"
                )
            row["deepest in floor, cm (walks: median, max)"] = median_and_max(depths_cm)
            row["at % stride after its toe off (walks: median)"] = f"{np.median(phases_pct):.0f}"
            rows.append(row)
    return rows


def deepest_in_floor(
    walk: gait.Motion, feet: sim.FootTrack, events: gait.GaitEvents, sides: str
) -> tuple[float, float]:
    """How deep the deeper of ``sides``' feet goes into the floor on the avatar, and when.

    Returns the depth (cm, > 0 below the floor) and its time after that foot's last toe off
    before it (``events``), in % of the stride, over the frames after the foot's first toe off.
    """
    stride_frames = walk.sampling_rate_hz / walk.metadata["stride_frequency_hz"]
    deepest = []
    for side in sides:
        clearance_m = feet.clearance_m[:, gait.SIDES.index(side)]
        offs = events.toe_offs[side]
        frame = offs[0] + int(np.argmin(clearance_m[offs[0] :]))
        since = frame - offs[offs <= frame][-1]
        deepest.append((-100.0 * float(clearance_m[frame]), 100.0 * since / stride_frames))
    return max(deepest)


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
    variants = cmu_variants()
    segmentation, events = cmu_rows(variants)
    tables = {
        "Stride segmentation": segmentation + gaitmap_labelled_rows() + ms_rows(),
        "Gait events of the CMU walks (signed: found minus true; goal: >= 70 % within 25 ms "
        "and >= 90 % within 50 ms for both events)": events,
        "Offsets from Zeni's events on the CMU takes as recorded": zeni_rows(),
        f"{ZENI_AVATAR} against {ZENI}, per event kind (avatar minus take, signed)": (
            avatar_truth_rows(variants)
        ),
    }
    with pd.option_context("display.max_columns", None, "display.width", 250):
        for title, rows in tables.items():
            table = pd.DataFrame(rows).astype(object).fillna("")
            print(f"{title}\n{table.to_string(index=False)}\n")


if __name__ == "__main__":
    main()
