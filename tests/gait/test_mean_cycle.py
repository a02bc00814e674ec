"""The patient reference from every usable stride: real loop walk, mocap truth, asymmetry."""

import numpy as np
import pytest

import gait
from imu import GaitTwinInputError


@pytest.fixture(scope="module")
def xsens_cycle(xsens_walk):
    return gait.analyse_imu_walk(xsens_walk, height_m=1.75).mean_cycle()


def mocap_walk(data_dir, folder, asf, trial):
    skeleton = gait.read_asf(data_dir / "cmu" / folder / asf)
    return gait.motion_from_mocap(
        gait.read_amc(data_dir / "cmu" / folder / f"{trial}.amc", skeleton)
    )


def events_of(motion):
    return gait.events_from_contacts(motion.foot_contacts, sampling_rate_hz=motion.sampling_rate_hz)


def test_the_loop_walk_keeps_its_straight_and_gently_curved_strides(xsens_cycle):
    """The bundled walk turns through more than a circle: 11 strides, the turns left out."""
    strides = xsens_cycle.strides
    assert len(strides) >= 10
    assert 4 <= xsens_cycle.n_strides < len(strides)
    left_out = [s.reason for s in strides if not s.used]
    assert all(reason.startswith("a turn") for reason in left_out)
    # the data set's description: strides of about 1.4 s; a normal adult's speed
    assert xsens_cycle.stride_time_s == pytest.approx(1.4, abs=0.1)
    assert 0.8 < xsens_cycle.speed_m_s < 1.3
    assert 0.5 < xsens_cycle.events_fraction["heel_strike_r"] < 0.55
    spread = xsens_cycle.spread_deg()
    assert 0.5 < spread["knee_flexion_l"] < 6.0


def test_the_reference_clip_repeats_the_cycle_along_x(xsens_walk):
    walk = gait.analyse_imu_walk(xsens_walk, height_m=1.75)
    cycle = walk.mean_cycle()
    clip = walk.reference_clip(n_strides=3)
    period = round(cycle.stride_time_s * clip.sampling_rate_hz)
    values = clip.joint_angles.values_rad
    assert np.allclose(values[0], values[period], atol=np.deg2rad(0.5))
    _, described = gait.cut_walk(clip)
    assert described["speed_m_s"] == pytest.approx(cycle.speed_m_s, rel=0.03)
    assert clip.metadata["mean_cycle"]["n_strides_used"] == cycle.n_strides
    assert (
        len(clip.metadata["mean_cycle"]["strides_left_out"]) == len(cycle.strides) - cycle.n_strides
    )
    assert np.ptp(clip.root_position_m[:, 1]) < 0.1
    # the pelvis at its height above the ground (1.75 m tall walker), bobbing a few cm
    assert 0.8 < clip.root_position_m[:, 2].min() and np.ptp(clip.root_position_m[:, 2]) < 0.08


def test_a_mocap_walk_gives_its_own_speed_and_stride(data_dir):
    motion = mocap_walk(data_dir, "07", "07.asf", "07_03")
    cycle = gait.mean_cycle(motion, events_of(motion))
    used = [s for s in cycle.strides if s.used]
    assert len(used) >= 1 and len(cycle.strides) == events_of(motion).heel_strikes["l"].size - 1
    durations = [(s.stop - s.start) / 120.0 for s in used]
    assert cycle.stride_time_s == pytest.approx(np.mean(durations), rel=1e-9)
    path = motion.root_position_m[[used[0].start, used[-1].stop], :2]
    speed = np.linalg.norm(path[1] - path[0]) / sum(durations)
    assert cycle.speed_m_s == pytest.approx(speed, rel=0.03)


def test_the_patients_asymmetry_is_kept(data_dir):
    motion = gait.stiffen_knee(
        mocap_walk(data_dir, "16_15", "16.asf", "16_15"), "left", peak_flexion_deg=35.0
    )
    cycle = gait.mean_cycle(motion, events_of(motion))
    knees = {
        s: np.rad2deg(cycle.joint_angles_rad[:, cycle.names.index(f"knee_flexion_{s}")])
        for s in "lr"
    }
    assert knees["l"].max() < 37.0
    assert knees["r"].max() > 55.0


def test_no_usable_stride_names_every_reason(data_dir):
    motion = mocap_walk(data_dir, "07", "07.asf", "07_03")
    turning = np.ones(motion.n_frames, dtype=bool)
    with pytest.raises(
        GaitTwinInputError,
        match=r"expected a usable stride, found none of \d+ \(left out for: a turn",
    ):
        gait.mean_cycle(motion, events_of(motion), turning=turning)
