from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy.spatial.transform import Rotation

import gait
from imu import GaitTwinInputError

DATA = Path(__file__).parents[1] / "data" / "cmu"


@pytest.fixture(scope="module")
def walk():
    take = gait.read_amc(DATA / "16_15" / "16_15.amc", gait.read_asf(DATA / "16_15" / "16.asf"))
    return gait.motion_from_mocap(take)


@pytest.fixture(scope="module")
def clip(walk):
    return gait.cut_walk(walk)[0]


def test_cut_walk_keeps_whole_steps(walk, clip):
    events = gait.events_from_contacts(walk.foot_contacts, sampling_rate_hz=walk.sampling_rate_hz)
    strikes = np.sort(np.concatenate(list(events.heel_strikes.values())))
    assert clip.n_frames == strikes[-1] - strikes[0] + 1
    assert clip.time_s[0] == 0.0
    start = clip.metadata["cut_from_sample"]
    np.testing.assert_array_equal(
        clip.root_position_m, walk.root_position_m[start:][: clip.n_frames]
    )
    meta = clip.metadata
    assert meta["n_steps"] == strikes.size - 1 >= 2
    # the three manifest values are consistent: v = L * cadence / 60
    assert meta["speed_m_s"] == pytest.approx(
        meta["step_length_m"] * meta["cadence_steps_min"] / 60
    )
    assert meta["speed_m_s"] == pytest.approx(1.09, rel=0.03)
    assert 0.5 < meta["step_length_m"] < 0.8 and 90 < meta["cadence_steps_min"] < 120
    assert 0.9 < meta["quality"] <= 1.0


def test_cut_walk_without_steps_raises(walk):
    still = gait.Motion(
        walk.root_position_m, walk.root_quaternion, walk.joint_angles,
        np.ones((walk.n_frames, 2), dtype=bool), {"trial": "still"},
    )  # fmt: skip
    with pytest.raises(GaitTwinInputError, match=r"'still': expected at least 2 heel strikes"):
        gait.cut_walk(still)


def test_motion_round_trips_through_npz_and_dataframe(tmp_path, clip):
    path = clip.save(tmp_path / "clip.npz")
    assert [p.name for p in tmp_path.iterdir()] == ["clip.npz"]  # no temporary file left
    loaded = gait.Motion.load(path)
    np.testing.assert_array_equal(loaded.joint_angles.values_rad, clip.joint_angles.values_rad)
    np.testing.assert_array_equal(loaded.root_quaternion, clip.root_quaternion)
    np.testing.assert_array_equal(loaded.foot_contacts, clip.foot_contacts)
    assert loaded.metadata == clip.metadata
    table = clip.to_dataframe()
    assert "knee_flexion_r_deg" in table.columns and table.index.name == "time_s"
    again = gait.Motion.from_dataframe(table)
    np.testing.assert_allclose(again.joint_angles.values_rad, clip.joint_angles.values_rad)
    np.testing.assert_array_equal(again.foot_contacts, clip.foot_contacts)
    with pytest.raises(GaitTwinInputError, match=r"expected a '.npz' name"):
        clip.save(tmp_path / "clip.csv")


def _row(clip_id, speed, length):
    return {"clip_id": clip_id, "speed_m_s": speed, "step_length_m": length}


def test_nearest_clip_is_euclidean_in_speed_and_step_length():
    manifest = pd.DataFrame(
        [_row("slow", 0.9, 0.55), _row("mid", 1.2, 0.65), _row("fast", 1.6, 0.85)]
    )
    assert gait.nearest_clip(manifest, speed_m_s=1.25, step_length_m=0.6)["clip_id"] == "mid"
    # nearer "mid" in speed alone, nearer "slow" in (speed, step length)
    assert gait.nearest_clip(manifest, speed_m_s=1.08, step_length_m=0.45)["clip_id"] == "slow"
    best = gait.nearest_clip(manifest, speed_m_s=1.5, step_length_m=0.9)
    assert best["clip_id"] == "fast"
    assert best["distance"] == pytest.approx(np.hypot(0.1, 0.05))
    with pytest.raises(GaitTwinInputError, match="expected at least one clip"):
        gait.nearest_clip(manifest.iloc[:0], speed_m_s=1.0, step_length_m=0.6)


def test_library_manifest_and_clips(tmp_path, clip):
    manifest = gait.add_clips(tmp_path, [("16_15", clip)])
    assert tuple(manifest.columns) == gait.MANIFEST_COLUMNS
    assert gait.read_manifest(tmp_path).equals(manifest)
    row = manifest.iloc[0]
    assert (row["subject"], row["trial"], row["frames"]) == ("16", "16_15", clip.n_frames)
    assert (tmp_path / row["file"]).exists()
    # adding the same clip id again replaces its row
    assert len(gait.add_clips(tmp_path, [("16_15", clip)])) == 1
    loaded = gait.load_clip(tmp_path, "16_15")
    np.testing.assert_array_equal(loaded.root_position_m, clip.root_position_m)
    with pytest.raises(GaitTwinInputError, match=r"clip 'nope': expected a file"):
        gait.load_clip(tmp_path, "nope")


@pytest.mark.parametrize(("speed", "length"), [(1.3, 0.7), (0.9, 0.6), (1.1, 0.55)])
def test_resample_clip_reaches_the_target(clip, speed, length):
    out = gait.resample_clip(clip, speed_m_s=speed, step_length_m=length)
    old_step_s = clip.metadata["step_length_m"] / clip.metadata["speed_m_s"]
    stretch = (length / speed) / old_step_s
    duration = out.time_s[-1]
    assert duration == pytest.approx(clip.time_s[-1] * stretch, abs=1.0 / clip.sampling_rate_hz)
    distance = np.hypot(*(out.root_position_m[-1, :2] - out.root_position_m[0, :2]))
    assert distance / duration == pytest.approx(speed, rel=0.01)
    assert distance / clip.metadata["n_steps"] == pytest.approx(length, rel=0.01)
    assert out.sampling_rate_hz == clip.sampling_rate_hz
    # angles keep their shape: same range, and the midpoint maps to the clip's midpoint
    knee, old = out.joint_angles["knee_flexion_r"], clip.joint_angles["knee_flexion_r"]
    assert np.ptp(knee) == pytest.approx(np.ptp(old), rel=0.02)
    assert out.root_position_m[:, 2] == pytest.approx(
        np.interp(out.time_s / stretch, clip.time_s, clip.root_position_m[:, 2])
    )
    # root orientation is slerped: stays a unit quaternion close to the clip's
    mid = out.n_frames // 2
    source = Rotation.from_quat(clip.root_quaternion[round(mid / stretch)])
    assert (Rotation.from_quat(out.root_quaternion[mid]) * source.inv()).magnitude() < 0.05
    assert out.metadata["resampled_from"]["speed_m_s"] == clip.metadata["speed_m_s"]


def test_resample_clip_rejects_bad_targets(clip):
    with pytest.raises(GaitTwinInputError, match="expected positive speed and step length"):
        gait.resample_clip(clip, speed_m_s=-1.0, step_length_m=0.6)
