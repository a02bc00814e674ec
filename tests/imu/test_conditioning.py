"""Signal conditioning: sign continuity, zero-phase low-pass, SLERP resampling."""

import numpy as np
import pytest
from scipy.spatial.transform import Rotation

import imu
from imu import GaitTwinInputError


def constant_rate_rotation(rate_hz: float, duration_s: float, speed_rad_s: float = 2.0):
    t = np.arange(int(duration_s * rate_hz)) / rate_hz
    return t, Rotation.from_rotvec(np.outer(speed_rad_s * t, [0.0, 1.0, 0.0])).as_quat()


def test_sign_continuity_keeps_rotations_and_removes_flips():
    _, q = constant_rate_rotation(100.0, 5.0)
    flipped = q * np.where(np.arange(len(q)) % 7 == 0, -1.0, 1.0)[:, None]
    fixed = imu.continuous_quaternions(flipped)
    assert np.all(np.sum(fixed[1:] * fixed[:-1], axis=1) > 0)
    np.testing.assert_allclose(np.abs(np.sum(fixed * q, axis=1)), 1.0)
    assert flipped[7, 3] == -q[7, 3]  # the input is not modified


def test_lowpass_is_zero_phase_and_keeps_trends():
    rate = 100.0
    t = np.arange(1000) / rate
    slow = np.sin(2 * np.pi * 1.0 * t)
    noisy = slow + 0.3 * np.sin(2 * np.pi * 30.0 * t) + 0.5 * t
    filtered = imu.lowpass(noisy, sampling_rate_hz=rate, cutoff_hz=6.0)
    np.testing.assert_allclose(filtered[50:-50], (slow + 0.5 * t)[50:-50], atol=0.01)
    assert np.argmax((filtered - 0.5 * t)[:150]) == np.argmax(slow[:150])  # no phase shift


@pytest.mark.parametrize("cutoff", [0.0, 50.0, 80.0])
def test_lowpass_rejects_cutoffs_outside_nyquist(cutoff):
    with pytest.raises(GaitTwinInputError, match=r"cutoff_hz: expected between 0 and .* 50.0 Hz"):
        imu.lowpass(np.zeros(100), sampling_rate_hz=100.0, cutoff_hz=cutoff)


def test_resample_by_slerp_is_exact_for_a_constant_rate_rotation():
    t, q = constant_rate_rotation(100.0, 3.0)
    recording = imu.ImuRecording(
        t, 100.0, ("thigh_r",), q[:, None], acceleration_m_s2=np.outer(t, [1.0, 2.0, 3.0])[:, None]
    )
    at_30 = imu.resample(recording, rate_hz=30.0)
    assert at_30.sampling_rate_hz == 30.0
    np.testing.assert_allclose(np.diff(at_30.time_s), 1 / 30.0)
    expected = Rotation.from_rotvec(np.outer(2.0 * at_30.time_s, [0.0, 1.0, 0.0]))
    residual = (expected.inv() * Rotation.from_quat(at_30.quaternions[:, 0])).magnitude()
    assert residual.max() < 1e-9
    np.testing.assert_allclose(at_30.acceleration_m_s2[:, 0, 2], 3.0 * at_30.time_s)
    assert at_30.metadata["resampled_from_hz"] == 100.0
