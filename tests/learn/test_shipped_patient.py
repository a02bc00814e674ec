"""The shipped patient model (models/patients/xsens_mtw_walk) is today's clip and still walks."""

from pathlib import Path

import numpy as np
import pytest

import gait
import learn

PATIENT = Path(__file__).resolve().parents[2] / "models" / "patients" / "xsens_mtw_walk"


def test_shipped_clip_is_what_the_pipeline_makes_of_the_bundled_walk(data_dir):
    """A change to the IMU route that alters the clip must retrain the shipped controller."""
    shipped = gait.Motion.load(PATIENT / "patient_clip.npz")
    model = learn.run_env_settings(PATIENT / "adapt").model
    made = learn.patient_reference(data_dir / "xsens_mtw_walk", model=model)
    assert made.n_frames == shipped.n_frames
    assert np.allclose(made.joint_angles.values_rad, shipped.joint_angles.values_rad, atol=1e-6)
    assert np.allclose(made.root_position_m, shipped.root_position_m, atol=1e-6)


def test_shipped_patient_controller_walks_its_clip_for_10_s():
    clip = gait.Motion.load(PATIENT / "patient_clip.npz")
    goal = learn.clip_goal(clip)
    settings = learn.run_env_settings(PATIENT / "adapt")
    controller = learn.Controller.load(PATIENT / "adapt")
    environment = learn.make_env([clip], settings)
    observation, _ = environment.reset(seed=0, options={"goal": goal})
    start = environment.simulation.state().root_position_m[0]
    for _ in range(300):  # 10 s at 30 Hz
        observation, _, terminated, truncated, _ = environment.step(controller.act(observation))
        assert not terminated, "the shipped patient controller fell"
        assert not truncated
    travelled = environment.simulation.state().root_position_m[0] - start
    environment.close()
    assert travelled / 10.0 == pytest.approx(goal[0], rel=0.1)  # within 10 % of the patient


def test_shipped_slope_controllers_walk_up_the_ramps_they_mastered():
    """Each level's controller (models/patients/xsens_mtw_walk/tasks/slope) climbs its ramp."""
    clip = gait.Motion.load(PATIENT / "patient_clip.npz")
    result = learn.runs.read_task_result(PATIENT / "tasks" / "slope")
    assert sorted(result.steps_to_master) == [0, 1, 2, 3]  # level 4 was not mastered
    settings = learn.run_env_settings(PATIENT / "adapt")
    for level in result.steps_to_master:
        folder, _ = result.controller(level)
        assert folder.name == f"level_{level}"
        env = learn.task_env(clip, "slope", settings=settings, level=level, stair_cue=False)
        try:
            rollout = learn.record_rollout(env, learn.Controller.load(folder).act, seed=0)
            terrain = env.simulation.terrain
        finally:
            env.close()
        assert not rollout.fell, level
        assert rollout.root_position_m[-1, 0] > terrain.end_x_m, level  # past the ramp's top
