"""A slow, stiff-kneed walk through virtual IMUs and analyse_imu_walk: cadence, no halved stride.

Issue 16: a patient's slow walk was analysed at double cadence. Here 16_15 (1.09 m/s) is
stiff-kneed on the left, repeated to 10 strides and slowed 2.3 times (0.47 m/s, stride 2.65 s,
0.38 Hz); the earlier event rule found 27 strides instead of 18, the shortest 0.34 s long.
"""

import numpy as np

import gait


def test_slow_stiff_knee_walk_keeps_its_cadence(data_dir):
    folder = data_dir / "cmu" / "16_15"
    take = gait.read_amc(folder / "16_15.amc", gait.read_asf(folder / "16.asf"))
    stiff = gait.stiffen_knee(gait.motion_from_mocap(take), "left")
    walk = gait.repeat_stride(stiff, n_strides=10, time_stretch=2.3)
    speed_m_s = walk.root_position_m[-1, 0] / walk.time_s[-1]
    stride_hz = walk.metadata["stride_frequency_hz"]
    assert speed_m_s < 0.5 and stride_hz < 0.8
    virtual, _ = gait.virtual_imu_from_motion(walk, rng=np.random.default_rng(0))
    strides = gait.analyse_imu_walk(virtual.recording).parameters.strides
    true_cadence = 120.0 * stride_hz
    assert abs(strides["cadence_steps_per_min"].median() - true_cadence) / true_cadence < 0.05
    assert strides["stride_time_s"].min() * stride_hz > 0.75  # no halved stride
    for side in gait.SIDES:
        assert (strides["side"] == side).sum() >= 8
