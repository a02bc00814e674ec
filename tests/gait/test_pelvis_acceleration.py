"""The pelvis sensor's acceleration: virtual truth, and the height fused with the leg path."""

from dataclasses import replace

import numpy as np
import pytest
from scipy.spatial.transform import Rotation

import gait
import imu
from gait import fuse_position_with_acceleration, pelvis_vertical_acceleration
from imu import STANDARD_GRAVITY_M_S2, GaitTwinInputError

FS = 100.0
STEP_HZ = 1.8  # step frequency; the stride is twice as long


def _take(data_dir) -> gait.Motion:
    folder = data_dir / "cmu" / "16_15"
    return gait.motion_from_mocap(
        gait.read_amc(folder / "16_15.amc", gait.read_asf(folder / "16.asf"))
    )


def test_fusion_keeps_the_accelerations_bob_and_the_legs_slow_height():
    """Truth: a step-frequency bob on a slow 5 cm rise; the legs err by 1 cm at the step."""
    rng = np.random.default_rng(0)
    t = np.arange(round(20.0 * FS)) / FS
    omega = 2 * np.pi * STEP_HZ
    truth = 0.9 + 0.05 * t / t[-1] + 0.02 * np.sin(omega * t)
    legs = truth + 0.01 * np.sin(omega * t + 0.7)
    acceleration = -0.02 * omega**2 * np.sin(omega * t) + 0.05 + rng.normal(0.0, 0.15, t.size)
    fused = fuse_position_with_acceleration(
        legs, acceleration, time_s=t, sampling_rate_hz=FS, crossover_hz=STEP_HZ / 4
    )
    legs_rms = np.sqrt(np.mean((legs - truth) ** 2))
    fused_rms = np.sqrt(np.mean((fused - truth) ** 2))
    assert legs_rms > 0.007
    assert fused_rms < 0.002
    assert np.mean(fused[-200:]) - np.mean(fused[:200]) == pytest.approx(0.045, abs=0.005)


def test_root_path_with_acceleration_recovers_a_bob_the_leg_model_misses():
    """Compass gait (rigid legs): the true pelvis bobs 1 cm more at the step frequency."""
    n_steps, step_s, amplitude = 16, 0.5, 0.35
    n = round(n_steps * step_s * FS)
    t = np.arange(n) / FS
    phase = np.mod(t / step_s, 1.0)
    stance = (np.floor(t / step_s).astype(int) % 2)[:, None] == np.arange(2)
    hips = np.where(stance, 1.0, -1.0) * (amplitude * (1 - 2 * phase))[:, None]
    names = ("hip_flexion_l", "hip_flexion_r", "knee_flexion_l", "knee_flexion_r")
    angles = imu.JointAngles(t, FS, names, np.column_stack((hips, np.zeros((n, 2)))))
    lengths = {"thigh_length_m": 0.45, "shank_length_m": 0.45}
    legs = gait.root_path_from_stance(angles, stance, **lengths)
    omega = 2 * np.pi / step_s
    missed = 0.01 * np.cos(omega * t)
    truth = legs[:, 2] + missed
    # the truth's acceleration, from the leg model's height by finite differences
    acceleration = np.gradient(np.gradient(legs[:, 2], t), t) - omega**2 * missed
    fused = gait.root_path_from_stance(
        angles, stance, **lengths, vertical_acceleration_m_s2=acceleration
    )
    np.testing.assert_array_equal(fused[:, :2], legs[:, :2])
    inner = slice(round(2 * FS), n - round(2 * FS))  # the compass gait's kinks blur at the ends
    assert np.sqrt(np.mean(missed[inner] ** 2)) > 0.007
    assert np.sqrt(np.mean((fused[inner, 2] - truth[inner]) ** 2)) < 0.002


def test_acceleration_needs_a_whole_stride_and_one_value_per_sample():
    t = np.arange(200) / FS
    names = ("hip_flexion_l", "hip_flexion_r", "knee_flexion_l", "knee_flexion_r")
    angles = imu.JointAngles(t, FS, names, np.zeros((200, 4)))
    contacts = np.ones((200, 2), dtype=bool)
    with pytest.raises(GaitTwinInputError, match="expected two contact onsets of one foot"):
        gait.root_path_from_stance(
            angles, contacts, height_m=1.8, vertical_acceleration_m_s2=np.zeros(200)
        )
    with pytest.raises(
        GaitTwinInputError,
        match=r"acceleration_m_s2: expected shape \(200\), found \(150,\)",
    ):
        fuse_position_with_acceleration(
            np.zeros(200), np.zeros(150), time_s=t, sampling_rate_hz=FS, crossover_hz=0.5
        )


@pytest.fixture(scope="module")
def virtual_walk(data_dir):
    virtual, _ = gait.virtual_imu_from_motion(_take(data_dir), rng=np.random.default_rng(3))
    return virtual


def _known_part(walk: gait.ImuWalk) -> gait.Motion:
    """The walk up to the last sample at which both feet's phases are closed by events."""
    events = walk.events
    stop = 1 + min(
        int(max(events.heel_strikes[side].max(), events.toe_offs[side].max()))
        for side in gait.SIDES
    )
    return walk.motion.slice_frames(0, stop)


def test_the_pelvis_acceleration_gives_the_bob_and_the_sway_the_legs_miss(virtual_walk, data_dir):
    """Without acceleration the path is the legs'; with it, closer to the mocap's sideways."""
    without = replace(virtual_walk.recording, acceleration_m_s2=None)
    assert pelvis_vertical_acceleration(without) is None
    legs_walk = gait.analyse_imu_walk(without, height_m=1.7)
    fused_walk = gait.analyse_imu_walk(virtual_walk.recording, height_m=1.7)
    legs, fused = legs_walk.motion, fused_walk.motion
    expected = gait.root_path_from_stance(
        legs.joint_angles, legs.foot_contacts, height_m=1.7,
        pelvis_quaternion=legs.root_quaternion,
    )  # fmt: skip
    np.testing.assert_array_equal(legs.root_position_m, expected)
    assert np.max(np.abs(fused.root_position_m[:, 2] - expected[:, 2])) > 0.003
    # the sideways path against the mocap's (largest distance of the chord-aligned paths):
    # 4.07 cm from the legs, 3.16 cm with the acceleration's sway (4.64 before either change)
    truth = _take(data_dir)
    offset = 2.5 + virtual_walk.recording.time_s[0] - truth.time_s[0]  # standing and ramp
    drift = {
        name: gait.clip_fidelity(_known_part(walk), truth, time_offset_s=offset).lateral_drift_m
        for name, walk in (("legs", legs_walk), ("fused", fused_walk))
    }
    assert drift["fused"] < 0.035
    assert drift["fused"] < drift["legs"] - 0.005


def test_horizontal_acceleration_needs_one_value_per_sample_and_a_stride(virtual_walk):
    motion = gait.analyse_imu_walk(virtual_walk.recording, height_m=1.7).motion
    n = motion.n_frames
    with pytest.raises(GaitTwinInputError, match=r"horizontal_acceleration_m_s2: expected shape"):
        gait.root_path_from_stance(
            motion.joint_angles, motion.foot_contacts, height_m=1.7,
            horizontal_acceleration_m_s2=np.zeros((n, 3)),
        )  # fmt: skip
    standing = np.ones((n, 2), dtype=bool)
    with pytest.raises(GaitTwinInputError, match="expected two contact onsets of one foot"):
        gait.root_path_from_stance(
            motion.joint_angles, standing, height_m=1.7,
            horizontal_acceleration_m_s2=np.zeros((n, 2)),
        )  # fmt: skip


def test_gravity_only_channels_carry_no_acceleration(virtual_walk):
    """As a ``.calc`` file written without acceleration reads back: the path uses the legs."""
    recording = virtual_walk.recording
    frames_sensors = recording.quaternions.shape[:2]
    world_to_sensor = Rotation.from_quat(recording.quaternions.reshape(-1, 4)).inv()
    still = world_to_sensor.apply(
        np.tile([0.0, 0.0, STANDARD_GRAVITY_M_S2], (len(world_to_sensor), 1))
    )
    gravity_only = replace(recording, acceleration_m_s2=still.reshape(*frames_sensors, 3))
    assert pelvis_vertical_acceleration(gravity_only) is None
    walk = gait.analyse_imu_walk(gravity_only, height_m=1.7)
    assert walk.motion.metadata["pelvis_height"] == "legs"
    fused = gait.analyse_imu_walk(recording, height_m=1.7)
    assert fused.motion.metadata["pelvis_height"] == "legs and pelvis acceleration"


def test_a_walk_without_a_whole_stride_takes_the_height_from_the_legs(virtual_walk, caplog):
    recording = virtual_walk.recording
    n = int(np.searchsorted(recording.time_s, recording.time_s[0] + 3.2))  # standing, a step
    short = recording.slice_frames(0, n)
    walk = gait.analyse_imu_walk(short, height_m=1.7)
    assert walk.motion.metadata["pelvis_height"] == "legs"
    assert "no foot makes a whole stride" in caplog.text


def test_virtual_pelvis_feels_the_roots_acceleration_plus_gravity(data_dir):
    """A smooth known root path: the accelerometer reads R^T (a + g) + bias + noise."""
    take = _take(data_dir)
    t = take.time_s - take.time_s[0]
    omega = 2 * np.pi * STEP_HZ
    root = np.column_stack((1.2 * t, 0.02 * np.sin(omega / 2 * t), 0.9 + 0.02 * np.sin(omega * t)))
    acceleration = np.column_stack(
        (
            0 * t,
            -0.02 * (omega / 2) ** 2 * np.sin(omega / 2 * t),
            -0.02 * omega**2 * np.sin(omega * t),
        )
    )
    motion = replace(take, root_position_m=root)
    virtual, _ = gait.virtual_imu_from_motion(
        motion, rng=np.random.default_rng(1), standing_s=0.0, ramp_s=0.0
    )
    recording = virtual.recording
    k = recording.segments.index("pelvis")
    sensor = Rotation.from_quat(virtual.segment_quaternions[:, k]) * Rotation.from_quat(
        virtual.mounting["pelvis"]
    )
    on_output = np.column_stack(
        [np.interp(recording.time_s, take.time_s, a) for a in acceleration.T]
    )
    expected = sensor.inv().apply(on_output + np.array([0.0, 0.0, STANDARD_GRAVITY_M_S2]))
    error = recording.acceleration_m_s2[:, k] - expected - virtual.accelerometer_bias_m_s2[k]
    inner = slice(20, -20)  # the low-pass before differentiation has edges
    np.testing.assert_allclose(np.std(error[inner], axis=0), 0.15, rtol=0.15)
    np.testing.assert_allclose(np.mean(error[inner], axis=0), 0.0, atol=0.03)
    assert np.all(np.abs(virtual.accelerometer_bias_m_s2) > 0)
    # the thighs' and shanks' positions are not known: gravity only (plus their noise)
    thigh = recording.segments.index("thigh_r")
    magnitude = np.linalg.norm(recording.acceleration_m_s2[:, thigh], axis=1)
    assert np.mean(magnitude) == pytest.approx(STANDARD_GRAVITY_M_S2, abs=0.1)


def test_virtual_pelvis_rests_while_standing_and_starts_smoothly(data_dir):
    virtual, _ = gait.virtual_imu_from_motion(
        _take(data_dir), rng=np.random.default_rng(2), accelerometer_noise_m_s2=0.0,
        accelerometer_bias_m_s2=0.0,
    )  # fmt: skip
    vertical = pelvis_vertical_acceleration(virtual.recording)
    standing = virtual.recording.time_s < 2.0
    # one gravity in the sensors and taken off: what is left is the 0.5 deg orientation noise
    np.testing.assert_allclose(vertical[standing], 0.0, atol=0.01)
    pelvis = virtual.recording.segments.index("pelvis")
    force = np.linalg.norm(virtual.recording.acceleration_m_s2[:, pelvis], axis=1)
    ramp = (virtual.recording.time_s >= 2.0) & (virtual.recording.time_s < 2.5)
    walking = virtual.recording.time_s >= 2.5
    assert np.max(np.abs(force[ramp] - STANDARD_GRAVITY_M_S2)) < np.max(
        np.abs(force[walking] - STANDARD_GRAVITY_M_S2)
    )


def test_a_dot_export_with_free_acceleration_only_gives_back_its_pelvis_free_acc_z(data_dir):
    """Xsens DOT ``Quat`` and ``FreeAcc`` without ``Acc``: the IMU route gets the pelvis data."""
    recording = imu.read_xsens_dot(data_dir / "xsens_dot_nonwalk")
    free = recording.metadata["free_acceleration_m_s2"][:, recording.segments.index("pelvis")]
    vertical = pelvis_vertical_acceleration(recording)
    assert vertical is not None
    np.testing.assert_allclose(vertical, free[:, 2], atol=1e-9)
    assert np.ptp(vertical) > 1.0  # the squats move the pelvis
