import numpy as np
import pytest

from gait import Motion
from imu import GaitTwinInputError
from learn.env import ReferenceMotion, walking_cycle
from sim import Simulation


@pytest.fixture(scope="module")
def reference(walk_clip):
    with Simulation() as simulation:
        yield ReferenceMotion.from_motion(walk_clip, simulation)


def test_cycle_runs_between_two_strikes_of_one_foot(walk_clip):
    start, end = walking_cycle(walk_clip)
    contacts = walk_clip.foot_contacts
    foot = 0 if contacts[start, 0] and not contacts[start - 1, 0] else 1
    assert contacts[start, foot] and not contacts[start - 1, foot]
    assert contacts[end, foot] and not contacts[end - 1, foot]
    assert 0.8 < (end - start) / walk_clip.sampling_rate_hz < 1.5  # an adult stride


def test_reference_is_periodic_and_advances_one_stride(reference):
    first = reference.sample(0.0)
    later = reference.sample(2.0 * reference.cycle_duration_s)
    np.testing.assert_allclose(later.joint_positions_rad, first.joint_positions_rad, atol=1e-9)
    np.testing.assert_allclose(
        later.root_position_m - first.root_position_m,
        [2.0 * reference.stride_length_m, 0.0, 0.0],
        atol=1e-9,
    )
    assert reference.speed_m_s == pytest.approx(
        reference.stride_length_m / reference.cycle_duration_s
    )


def test_stance_feet_stand_on_the_ground(reference):
    soles_z = reference.feet_m[..., 2] + reference.root_position_m[:, None, 2]
    assert abs(np.median(soles_z[reference.foot_contacts])) < 1e-9
    assert np.percentile(soles_z[~reference.foot_contacts], 75) > 0.03  # swing feet lift


def test_resampling_keeps_poses_and_scales_velocities(reference):
    target_speed, target_stride = 2.0 * reference.speed_m_s, 1.5 * reference.stride_length_m
    faster = reference.resampled(target_speed, target_stride)
    assert faster.speed_m_s == pytest.approx(target_speed)
    assert faster.stride_length_m == pytest.approx(target_stride)
    ratio = reference.cycle_duration_s / faster.cycle_duration_s
    assert ratio == pytest.approx(2.0 / 1.5)
    np.testing.assert_allclose(faster.joint_positions_rad, reference.joint_positions_rad)
    np.testing.assert_allclose(
        faster.joint_velocities_rad_s, ratio * reference.joint_velocities_rad_s
    )
    mean_forward = faster.root_linear_velocity_m_s[:-1, 0].mean()
    assert mean_forward == pytest.approx(target_speed, rel=1e-3)
    with pytest.raises(GaitTwinInputError, match="expected positive speed and stride length"):
        reference.resampled(0.0, 1.0)


def test_integrated_velocities_reproduce_the_positions(reference):
    h = reference.cycle_duration_s / reference.n_grid
    velocity = reference.joint_velocities_rad_s
    integral = np.cumsum(0.5 * (velocity[1:] + velocity[:-1]) * h, axis=0)
    moved = reference.joint_positions_rad[1:] - reference.joint_positions_rad[0]
    span = np.ptp(reference.joint_positions_rad, axis=0).max()
    assert np.abs(integral - moved).max() < 0.05 * span


def test_clip_without_contacts_is_rejected(walk_clip):
    bare = Motion(walk_clip.root_position_m, walk_clip.root_quaternion, walk_clip.joint_angles)
    with pytest.raises(GaitTwinInputError, match="expected foot_contacts, found None"):
        walking_cycle(bare)
