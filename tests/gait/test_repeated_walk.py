"""repeat_stride: long, optionally slowed walks of known cadence from one stride of a CMU take."""

import numpy as np
import pytest

import gait
from imu import GaitTwinInputError


@pytest.fixture(scope="module")
def walk(data_dir):
    folder = data_dir / "cmu" / "16_15"
    take = gait.read_amc(folder / "16_15.amc", gait.read_asf(folder / "16.asf"))
    return gait.motion_from_mocap(take)


def test_a_repeated_stride_keeps_the_cadence_and_the_speed(walk):
    strikes = gait.events_from_contacts(walk.foot_contacts, sampling_rate_hz=120.0).heel_strikes
    stride = int(strikes["l"][1] - strikes["l"][0])
    long_walk = gait.repeat_stride(walk, n_strides=5)
    assert long_walk.n_frames == 5 * stride
    assert long_walk.metadata["stride_frequency_hz"] == pytest.approx(120.0 / stride)
    found = gait.events_from_contacts(long_walk.foot_contacts, sampling_rate_hz=120.0)
    assert np.all(np.diff(found.heel_strikes["l"]) == stride)
    assert np.all(np.diff(found.heel_strikes["r"]) == stride)
    step = walk.root_position_m[strikes["l"][1], 0] - walk.root_position_m[strikes["l"][0], 0]
    travel = long_walk.root_position_m[stride * 4, 0] - long_walk.root_position_m[0, 0]
    assert travel == pytest.approx(4 * step)


def test_no_jump_at_the_seams(walk):
    """The largest frame-to-frame change of any angle is no larger than in the take itself."""
    long_walk = gait.repeat_stride(walk, n_strides=3)
    take_step = np.abs(np.diff(walk.joint_angles.values_rad, axis=0)).max(axis=0)
    walk_step = np.abs(np.diff(long_walk.joint_angles.values_rad, axis=0)).max(axis=0)
    assert np.all(walk_step <= take_step + np.deg2rad(0.5))


def test_time_stretch_slows_the_walk_and_keeps_the_step_length(walk):
    normal = gait.repeat_stride(walk, n_strides=4)
    slow = gait.repeat_stride(walk, n_strides=4, time_stretch=2.5)
    assert slow.n_frames == round(2.5 * normal.n_frames)
    ratio = normal.metadata["stride_frequency_hz"] / slow.metadata["stride_frequency_hz"]
    assert ratio == pytest.approx(2.5)
    np.testing.assert_allclose(
        slow.root_position_m[-1, 0], normal.root_position_m[-1, 0], atol=0.02
    )
    np.testing.assert_allclose(
        np.ptp(slow.joint_angles["knee_flexion_l"]),
        np.ptp(normal.joint_angles["knee_flexion_l"]),
        atol=1e-3,
    )


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"n_strides": 0}, "n_strides: expected an integer >= 1, found 0"),
        ({"n_strides": 2, "time_stretch": -1.0}, "time_stretch: expected a positive value"),
        ({"n_strides": 2, "side": "left"}, "side: expected 'l' or 'r', found 'left'"),
    ],
)
def test_bad_options_raise(walk, kwargs, message):
    with pytest.raises(GaitTwinInputError, match=message):
        gait.repeat_stride(walk, **kwargs)


def test_a_walk_without_a_whole_stride_raises(walk):
    short = walk.slice_frames(0, 60)
    with pytest.raises(GaitTwinInputError, match=r"expected two heel strikes of side 'l'"):
        gait.repeat_stride(short, n_strides=2)
