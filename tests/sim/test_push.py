import numpy as np
import pytest
from winter_clips import winter_joint_angles

import sim
from gait import Motion
from imu import GaitTwinInputError


def _hold(world: sim.Simulation):
    return lambda state: world.spec.default_action()


def test_push_bisection_brackets_the_largest_force_survived():
    with sim.Simulation() as world:
        controller = _hold(world)
        force, trials = sim.max_push_force(world, controller, direction="forward", tolerance_n=20.0)
        assert 20.0 < force < 2000.0
        assert trials[0].force_n == 0.0 and trials[0].survived
        assert not trials[1].survived  # 2000 N topples the standing avatar
        assert all(t.duration_s == sim.PUSH_DURATION_S for t in trials)
        assert sim.push_test(world, controller, force_n=force).survived
        assert not sim.push_test(world, controller, force_n=force + 40.0).survived


def test_push_moves_the_pelvis_in_the_push_direction():
    with sim.Simulation() as world:
        controller = _hold(world)
        world.reset()
        result = sim.rollout(
            world, controller, 20, push_at_s=0.1, push_force_n=np.array([0.0, 150.0, 0.0])
        )
    y = result.motion.root_position_m[:, 1]
    assert y.max() > y[0] + 0.005  # the standing avatar tips to the left first
    assert np.argmax(y) < np.argmin(y)
    assert result.fell_at_s is None
    assert result.actions.shape == (20, world.spec.action_size)
    assert len(result.measurements) == 21


def test_bad_push_direction_raises():
    with sim.Simulation() as world:
        with pytest.raises(GaitTwinInputError, match="direction: expected one of"):
            sim.push_test(world, _hold(world), force_n=10.0, direction="up")


def test_clip_tracker_targets_the_clip_one_step_ahead():
    angles, contacts = winter_joint_angles(n_cycles=1.0, sampling_rate_hz=30.0)
    n = angles.time_s.size
    motion = Motion(np.zeros((n, 3)), np.tile([0, 0, 0, 1.0], (n, 1)), angles, contacts)
    spec = sim.DEFAULT_MODEL
    tracker = sim.ClipTracker(motion, spec, dt=1 / 30)
    with sim.Simulation(spec, fixed_root=True) as world:
        world.reset_pose([0, 0, 1.5], [0, 0, 0, 1], spec.joint_positions_from_angles(angles)[0])
        result = sim.rollout(world, tracker, n - 1)
    reference = spec.joint_positions_from_angles(angles)
    assert np.allclose(result.actions[:, : spec.n_dofs], reference[1:], atol=1e-9)
    tracked = spec.joint_positions_from_angles(result.motion.joint_angles)
    assert np.rad2deg(np.sqrt(np.mean((tracked[1:] - reference[1:]) ** 2))) < 2.0


def test_push_force_turns_with_the_heading():
    assert sim.push_force(100.0, "forward", 0.0) == pytest.approx([100.0, 0.0, 0.0])
    assert sim.push_force(100.0, "left", 0.0) == pytest.approx([0.0, 100.0, 0.0])
    # facing +y: forward is +y, right is +x
    assert sim.push_force(50.0, "forward", np.pi / 2) == pytest.approx([0.0, 50.0, 0.0], abs=1e-9)
    assert sim.push_force(50.0, "right", np.pi / 2) == pytest.approx([50.0, 0.0, 0.0], abs=1e-9)
    with pytest.raises(GaitTwinInputError, match="direction: expected one of"):
        sim.push_force(10.0, "up", 0.0)
    with pytest.raises(GaitTwinInputError, match="force_n: expected >= 0 N, found -1"):
        sim.push_force(-1.0, "left", 0.0)


@pytest.mark.parametrize(("threshold", "expected"), [(-1.0, 0.0), (333.0, 333.0), (5000.0, 1000.0)])
def test_bisection_finds_the_largest_survived_force(threshold, expected):
    tried = []

    def survives(force):
        tried.append(force)
        return force <= threshold

    found = sim.largest_survived_force(survives, high_n=1000.0, tolerance_n=5.0)
    assert expected - 5.0 <= found <= expected
    assert found <= max(threshold, 0.0) or threshold > 1000.0
    assert len(tried) <= 2 + int(np.ceil(np.log2(1000.0 / 5.0)))
