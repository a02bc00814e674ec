"""Joint-angle curves over the gait cycle: from rollouts (evaluation) to the report's plot."""

from __future__ import annotations

import dataclasses
import json
import re

import numpy as np
import pytest

import gait
import learn
import sim
from gait import WINTER_NORMATIVE_CSV, read_normative_curves
from imu import GaitTwinInputError
from learn.evaluation import (
    SAGITTAL_ANGLES,
    FlexionCycles,
    GaitMeasures,
    LevelOutcome,
    flexion_cycles,
    gait_measures,
)
from learn.report import flexion_curves_svg

DT = 1.0 / 30.0


def _normative_rad(angle: str, phase: np.ndarray) -> np.ndarray:
    """Winter's mean curve of ``angle`` at gait-cycle phases in [0, 1), rad (periodic)."""
    table = read_normative_curves()
    percent = np.r_[table.index.to_numpy(), 100.0]
    mean = table[f"{angle}_mean_deg"].to_numpy()
    return np.deg2rad(np.interp(100.0 * phase, percent, np.r_[mean, mean[0]]))


def scripted_walk(
    *, n_strides: int = 4, stride_frames: int = 36, speed_m_s: float = 1.0, knee_gain: float = 1.0
) -> learn.evaluation.TaskRollout:
    """A rollout whose feet strike every ``stride_frames`` and whose joints follow Winter's mean.

    Left heel strikes at frames 0, 36, ...; the right foot half a stride later; stance is 60 % of
    the stride. ``knee_gain`` scales the knee curves.
    """
    n = n_strides * stride_frames
    t = np.arange(n + 1)
    phases = np.stack([(t / stride_frames) % 1.0, (t / stride_frames + 0.5) % 1.0], axis=1)
    contacts = phases < 0.6
    angles = np.stack(
        [_normative_rad(angle, phases) for angle in SAGITTAL_ANGLES], axis=1
    )  # (n + 1, 3, 2)
    angles[:, 1] *= knee_gain
    x = speed_m_s * DT * t
    measurements = [
        sim.Measurements(
            com_m=np.zeros(3),
            feet_m=np.array([[xi, 0.1, 0.0], [xi, -0.1, 0.0]]),
            trunk_lateral_sway_rad=0.05,
            pelvis_obliquity_rad=0.02,
            pelvis_height_m=0.9,
            joint_torques_n_m=np.zeros(9),
            foot_contacts=c,
            fallen=False,
        )
        for xi, c in zip(x, contacts, strict=True)
    ]
    return learn.evaluation.TaskRollout(
        observations=np.zeros((n, 4)),
        actions=np.zeros((n, 2)),
        phases=phases[:-1, 0],
        rewards=np.ones(n),
        reward_terms={name: np.ones(n) for name in learn.env.REWARD_TERMS},
        root_position_m=np.column_stack([x, np.zeros(n + 1), np.full(n + 1, 0.9)]),
        measurements=measurements,
        knee_flexion_rad=angles[:, 1],
        fell=False,
        dt=DT,
        hip_ankle_rad=angles[:, [0, 2]],
    )


def test_the_shipped_normative_table_has_winters_shape():
    """Winter's natural cadence: the well-known peaks, signs as docs/conventions.md."""
    table = read_normative_curves()
    assert table.index.tolist() == list(range(0, 100, 2))
    knee = table["knee_flexion_mean_deg"]
    assert 60.0 < knee.max() < 66.0 and 68 <= knee.idxmax() <= 76  # swing peak
    assert 18.0 < knee.loc[:30].max() < 25.0 and 10 <= knee.loc[:30].idxmax() <= 18  # loading
    hip = table["hip_flexion_mean_deg"]
    assert -14.0 < hip.min() < -8.0 and 46 <= hip.idxmin() <= 56  # extension before toe off
    assert 18.0 < hip.loc[0] < 23.0 and 18.0 < hip.loc[80:].max() < 25.0  # flexed at strike
    ankle = table["ankle_dorsiflexion_mean_deg"]
    assert -25.0 < ankle.min() < -15.0 and 60 <= ankle.idxmin() <= 68  # push-off plantarflexion
    assert 7.0 < ankle.loc[:56].max() < 13.0  # dorsiflexion in late stance
    sd = table[[f"{a}_sd_deg" for a in SAGITTAL_ANGLES]].to_numpy()
    assert sd.min() >= 2.8 and sd.max() < 10.0
    assert "Winter" in WINTER_NORMATIVE_CSV.read_text().splitlines()[2]  # provenance header


def test_a_bad_normative_table_is_named(tmp_path):
    bad = tmp_path / "norm.csv"
    bad.write_text("gait_cycle_percent,hip_flexion_mean_deg\n0,1\n")
    with pytest.raises(GaitTwinInputError, match=r"norm\.csv'.*missing \['hip_flexion_sd_deg'"):
        read_normative_curves(bad)
    table = read_normative_curves().reset_index()
    table.loc[3, "knee_flexion_sd_deg"] = -1.0
    table.to_csv(bad, index=False)
    with pytest.raises(GaitTwinInputError, match="expected every SD >= 0"):
        read_normative_curves(bad)
    with pytest.raises(GaitTwinInputError, match="file not found"):
        read_normative_curves(tmp_path / "none.csv")


def test_flexion_cycles_are_strides_from_heel_strike_to_heel_strike():
    """Joints that follow Winter's curve from each heel strike give back Winter's curve."""
    walk = scripted_walk()
    cycles = flexion_cycles([walk, scripted_walk(n_strides=3)])
    # left strikes at 36, 72, 108, 144 (frame 0 starts in contact: not an event), right at 18,
    # 54, 90, 126: 3 strides a side, and 2 in the walk of 3 strides
    assert cycles.n_strides == {"l": 3 + 2, "r": 3 + 2}
    phase = np.linspace(0.0, 1.0, gait.CYCLE_POINTS)  # 0, 1, ..., 100 % of the stride
    for angle in SAGITTAL_ANGLES:
        expected = np.rad2deg(_normative_rad(angle, phase % 1.0))
        for side in gait.SIDES:
            mean = np.rad2deg(cycles.mean_rad[f"{angle}_{side}"])
            # frames every 2.8 % of the stride, interpolated linearly: within a degree or two
            assert np.abs(mean - expected).max() < 2.0, (angle, side)
            assert np.abs(mean - expected).mean() < 0.5, (angle, side)
            assert np.rad2deg(max(cycles.sd_rad[f"{angle}_{side}"])) < 1e-6  # same strides
    # a stiffer knee in one rollout: the mean lies between, the SD opens where they differ
    mixed = flexion_cycles([walk, scripted_walk(knee_gain=0.5)])
    peak = np.rad2deg(max(mixed.mean_rad["knee_flexion_l"]))
    assert 0.5 * 64.9 < peak < 64.9
    assert np.rad2deg(max(mixed.sd_rad["knee_flexion_l"])) > 10.0


def test_flexion_cycles_without_ankles_or_strides():
    walk = scripted_walk()
    no_ankle = walk.hip_ankle_rad.copy()
    no_ankle[:, 1] = np.nan  # the legs9 avatar has no ankle joints
    cycles = flexion_cycles([dataclasses.replace(walk, hip_ankle_rad=no_ankle)])
    assert sorted(cycles.mean_rad) == sorted(
        f"{a}_{s}" for a in ("hip_flexion", "knee_flexion") for s in gait.SIDES
    )
    short = flexion_cycles([scripted_walk(n_strides=1)])  # the left foot never strikes twice
    assert short.n_strides == {"l": 0, "r": 0} and short.mean_rad == {}
    assert flexion_cycles([dataclasses.replace(walk, hip_ankle_rad=None)]) is None
    with pytest.raises(GaitTwinInputError, match=r"FlexionCycles.mean_rad\['x'\]: expected 101"):
        FlexionCycles({"x": (0.0,)}, {"x": (0.0,)}, {"l": 1})


def test_gait_measures_keep_each_rollout_and_survive_json():
    walks = [scripted_walk(speed_m_s=v) for v in (0.8, 1.0, 1.3)]
    measures = gait_measures(walks, end_x_m=None)
    assert [r.speed_m_s for r in measures.rollouts] == pytest.approx([0.8, 1.0, 1.3])
    assert measures.speed_m_s == pytest.approx(np.mean([0.8, 1.0, 1.3]))
    assert all(r.rollouts == () and r.flexion_cycles is None for r in measures.rollouts)
    assert measures.flexion_cycles.n_strides == {"l": 9, "r": 9}
    outcome = LevelOutcome("slope", 2, measures, 1_000, 2_000, 0.9, 0.5)
    record = json.loads(json.dumps(dataclasses.asdict(outcome)))
    assert repr(LevelOutcome.from_dict(record)) == repr(outcome)
    # a result saved before rollouts and curves were recorded reads as not recorded
    del record["measures"]["rollouts"], record["measures"]["flexion_cycles"]
    old = LevelOutcome.from_dict(record).measures
    assert old.rollouts == () and old.flexion_cycles is None and old.speed_m_s == measures.speed_m_s
    with pytest.raises(TypeError):
        GaitMeasures.from_dict({**record["measures"], "circumduction_m": 0.03})
    # a result saved before the course was measured reads as not measured; a fraction is 0-1
    del record["measures"]["course_fraction"]
    assert GaitMeasures.from_dict(record["measures"]).course_fraction is None
    with pytest.raises(GaitTwinInputError, match="course_fraction: expected 0 to 1"):
        dataclasses.replace(measures, course_fraction=1.2)
    # each side's step length survives json; an older result's reads as not recorded
    left, right = measures.step_length_by_side_m
    assert (left + right) / 2 == pytest.approx(measures.step_length_m)  # as many of each
    assert GaitMeasures.from_dict(record["measures"]).step_length_by_side_m == (left, right)
    del record["measures"]["step_length_by_side_m"]
    assert GaitMeasures.from_dict(record["measures"]).step_length_by_side_m is None
    with pytest.raises(
        GaitTwinInputError, match=r"step_length_by_side_m: expected a \(left, right\)"
    ):
        dataclasses.replace(measures, step_length_by_side_m=0.3)


def test_record_rollout_records_hip_knee_and_ankle(walk_clip):
    env = learn.ImitationEnv([walk_clip], goal=learn.clip_goal(walk_clip), max_steps=8)
    try:
        rollout = learn.record_rollout(env, lambda obs: np.zeros(14), seed=0)
        has_ankles = any(d.angle_name == "ankle_dorsiflexion_l" for d in env.model.dofs)
    finally:
        env.close()
    angles = rollout.sagittal_angles_rad
    assert angles.shape == (len(rollout.actions) + 1, 3, 2)
    np.testing.assert_array_equal(angles[:, 1], rollout.knee_flexion_rad)
    assert np.isfinite(angles[:, 0]).all()  # hips
    assert np.isfinite(angles[:, 2]).all() == has_ankles


def _svg_ids(svg: str) -> set[str]:
    return set(re.findall(r'<g id="([^"]+)"', svg))


def test_curves_svg_draws_the_band_the_curves_and_the_baseline():
    walk = scripted_walk()
    cycles = flexion_cycles([walk])
    stiff = flexion_cycles([scripted_walk(knee_gain=0.5)])
    normative = read_normative_curves()
    svg = flexion_curves_svg(stiff, normative, baseline=cycles)
    assert svg.startswith("<svg") and "viewBox" in svg and "<?xml" not in svg
    ids = _svg_ids(svg)
    for angle in SAGITTAL_ANGLES:
        assert f"normative-{angle}" in ids
        for side in gait.SIDES:
            assert {f"{angle}_{side}", f"baseline-{angle}_{side}"} <= ids
    assert svg == flexion_curves_svg(stiff, normative, baseline=cycles)  # same bytes
    assert "Date" not in svg and "baseline-" not in flexion_curves_svg(stiff, normative)
    # the band is the table's: a table with another knee SD draws another knee band only
    wide = normative.copy()
    wide["knee_flexion_sd_deg"] *= 3.0
    other = flexion_curves_svg(stiff, wide, baseline=cycles)
    for angle in SAGITTAL_ANGLES:
        band = re.compile(rf'<g id="normative-{angle}">.*?</g>', re.S)
        changed = band.search(other).group(0) != band.search(svg).group(0)
        assert changed == (angle == "knee_flexion"), angle
