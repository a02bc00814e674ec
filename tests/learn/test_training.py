import json

import numpy as np
import pandas as pd
import pytest
from stable_baselines3 import PPO

import gait
import learn
import sim
from imu import GaitTwinInputError
from learn import (
    EnvSettings,
    PPOSettings,
    adapt,
    make_env,
    read_progress,
    run_env_settings,
    train_atlas,
)
from learn.runs import latest_checkpoint, load_policy
from learn.training import make_vec_env, train

TINY = PPOSettings(n_steps_per_env=128, batch_size=128, n_epochs=1)


def test_tiny_run_checkpoints_and_resumes_to_the_same_total(walk_clip, tmp_path):
    run = tmp_path / "atlas"
    first = train_atlas(
        [walk_clip],
        run,
        total_timesteps=256,
        n_envs=2,
        ppo=TINY,
        checkpoint_every_steps=256,
        progress_bar=False,
    )
    assert first.num_timesteps == 256
    assert latest_checkpoint(run).name == "step_0000000256"
    weights = {k: v.clone() for k, v in first.policy.state_dict().items()}

    resumed = train_atlas(
        [walk_clip],
        run,
        total_timesteps=512,
        n_envs=2,
        ppo=TINY,
        checkpoint_every_steps=256,
        resume=True,
        progress_bar=False,
    )
    assert resumed.num_timesteps == 512
    assert json.loads((latest_checkpoint(run) / "state.json").read_text())["num_timesteps"] == 512
    changed = [not np.allclose(weights[k], v) for k, v in resumed.policy.state_dict().items()]
    assert any(changed)  # training continued from the checkpoint and updated the weights

    manifest = json.loads((run / "manifest.json").read_text())
    assert [p["end_timesteps"] for p in manifest["parts"]] == [256, 512]
    assert manifest["parts"][1]["resumed_from"].endswith("step_0000000256")
    assert manifest["parts"][0]["seed"] == 0
    assert "stable-baselines3" in manifest["parts"][0]["packages"]
    progress = read_progress(run)
    assert progress["time/total_timesteps"].iloc[-1] == 512
    assert progress["time/total_timesteps"].is_monotonic_increasing

    venv = make_vec_env([walk_clip], EnvSettings(), n_envs=1, seed=5)
    model, normaliser = load_policy(run, venv)
    assert model.num_timesteps == 512
    assert normaliser.obs_rms.count > 512  # the saved running statistics came back
    normaliser.training = False
    action, _ = model.predict(normaliser.reset(), deterministic=True)
    assert action.shape == (1, 14)
    venv.close()


def test_resume_without_checkpoint_raises(walk_clip, tmp_path):
    with pytest.raises(GaitTwinInputError, match="resume: expected a checkpoint"):
        train_atlas([walk_clip], tmp_path, total_timesteps=10, resume=True, progress_bar=False)


def test_env_settings_pick_the_avatar_by_name(walk_clip):
    env = make_env([walk_clip], EnvSettings(model=sim.ANKLE_MODEL.name))
    assert env.action_space.shape == (sim.ANKLE_MODEL.action_size,)
    env.close()
    with pytest.raises(GaitTwinInputError, match=r"EnvSettings.model: expected one of \["):
        EnvSettings(model="legs7")


def test_env_settings_set_the_pd_servos_and_the_reference_state(walk_clip):
    env = make_env([walk_clip], EnvSettings(pd_frequency_rad_s=30.0, reference_state=True))
    assert {j.natural_frequency_rad_s for j in env.model.joints} == {30.0}
    assert env.frame_size == 116 + 22
    env.close()
    with pytest.raises(GaitTwinInputError, match=r"pd_frequency_rad_s: expected \(0, 120\]"):
        EnvSettings(pd_frequency_rad_s=0.0)
    with pytest.raises(GaitTwinInputError, match="goal: expected None"):
        train_atlas([walk_clip], "unused", total_timesteps=1, env_settings=EnvSettings(goal=(1, 1)))


def test_a_run_records_its_avatar_and_ppo_and_adaptation_inherits_them(walk_clip, tmp_path):
    settings = EnvSettings(model=sim.ANKLE_MODEL.name, height_m=1.58, mass_kg=54.0)
    train(
        [walk_clip], tmp_path / "atlas", total_timesteps=128, env_settings=settings, n_envs=1,
        ppo=TINY, progress_bar=False,
    )  # fmt: skip
    assert run_env_settings(tmp_path / "atlas") == settings
    model = adapt(
        tmp_path / "atlas", walk_clip, tmp_path / "patient", total_timesteps=128, n_envs=1,
        progress_bar=False,
    )  # fmt: skip
    assert (
        learn.runs.run_ppo_settings(tmp_path / "patient") == TINY
    )  # the atlas's, not the defaults
    assert learn.training.adaptation_ppo(None) == learn.PPOSettings()
    adapted = run_env_settings(tmp_path / "patient")
    assert adapted.model == sim.ANKLE_MODEL.name and adapted.height_m == 1.58
    assert adapted.goal == pytest.approx(learn.clip_goal(walk_clip))
    assert model.action_space.shape == (sim.ANKLE_MODEL.action_size,)
    env = make_env([walk_clip], adapted)
    assert env.simulation.body.mass_kg == pytest.approx(54.0)
    env.close()
    with pytest.raises(GaitTwinInputError, match=r"expected manifest\.json"):
        run_env_settings(tmp_path)
    with pytest.raises(GaitTwinInputError, match=r"expected 1.0-2.3 m and 25-200 kg, found 3.0 m"):
        EnvSettings(height_m=3.0)


def test_a_patients_angle_limits_are_recorded_and_rebuild_the_same_avatar(walk_clip, tmp_path):
    limited = [["knee_flexion_l", -5, 35]]  # as a manifest's JSON gives it back
    settings = EnvSettings(model=sim.ANKLE_MODEL.name, angle_limits_deg=limited)
    assert settings.angle_limits_deg == (("knee_flexion_l", -5.0, 35.0),)
    train(
        [walk_clip], tmp_path / "run", total_timesteps=128, env_settings=settings, n_envs=1,
        ppo=TINY, progress_bar=False,
    )  # fmt: skip
    recorded = run_env_settings(tmp_path / "run")
    assert recorded == settings
    env = make_env([walk_clip], recorded)
    knee = next(d for d in env.model.dofs if d.angle_name == "knee_flexion_l")
    assert np.rad2deg(knee.upper_rad) == pytest.approx(35.0)
    env.close()
    with pytest.raises(GaitTwinInputError, match="expected angles of the 'legs9' model"):
        EnvSettings(angle_limits_deg=(("ankle_dorsiflexion_l", -10.0, 10.0),))
    with pytest.raises(GaitTwinInputError, match=r"\(angle name, low deg, high deg\) triples"):
        EnvSettings(angle_limits_deg=(("knee_flexion_l", 35.0),))


def test_a_stiff_knee_clip_gets_its_knee_range_on_the_avatar(walk_clip):
    stiff = gait.stiffen_knee(walk_clip, "right", peak_flexion_deg=28.0)
    assert learn.env.impairment_angle_limits(walk_clip, "legs9") == ()
    limits = learn.env.impairment_angle_limits(stiff, sim.ANKLE_MODEL.name)
    assert limits == (("knee_flexion_r", -5.0, 28.0 + learn.env.STIFF_KNEE_RANGE_MARGIN_DEG),)
    EnvSettings(model=sim.ANKLE_MODEL.name, angle_limits_deg=limits)  # a valid range


def test_a_stopped_part_stays_in_the_manifest(walk_clip, tmp_path, monkeypatch):
    def stop(self, *args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(PPO, "learn", stop)
    with pytest.raises(KeyboardInterrupt):
        train([walk_clip], tmp_path, total_timesteps=128, n_envs=1, ppo=TINY, progress_bar=False)
    (part,) = json.loads((tmp_path / "manifest.json").read_text())["parts"]
    assert part["finished"] is None and part["end_timesteps"] is None
    assert part["start_timesteps"] == 0 and part["env_settings"]["model"] == "legs9"
    assert run_env_settings(tmp_path) == EnvSettings()


def test_progress_leaves_out_steps_discarded_by_a_resume(tmp_path):
    for start, steps in ((0, [100, 200, 300]), (200, [300, 400])):
        folder = tmp_path / "logs" / f"from_{start:010d}"
        folder.mkdir(parents=True)
        pd.DataFrame({"time/total_timesteps": steps}).to_csv(folder / "progress.csv", index=False)
    assert read_progress(tmp_path)["time/total_timesteps"].tolist() == [100, 200, 300, 400]
    with pytest.raises(
        GaitTwinInputError, match=r"expected logs/from_\*/progress\.csv, found none"
    ):
        read_progress(tmp_path / "no_logs")
    (tmp_path / "empty" / "logs" / "from_0000000000").mkdir(parents=True)
    (tmp_path / "empty" / "logs" / "from_0000000000" / "progress.csv").write_text("")
    with pytest.raises(GaitTwinInputError, match="found only empty files"):
        read_progress(tmp_path / "empty")


def test_adaptation_starts_from_the_atlas_settings_or_the_defaults(walk_clip, tmp_path):
    settings = EnvSettings(model=sim.ANKLE_MODEL.name, mass_kg=60.0)
    train(
        [walk_clip], tmp_path, total_timesteps=64, env_settings=settings, n_envs=1,
        ppo=PPOSettings(n_steps_per_env=64, batch_size=64, n_epochs=1), progress_bar=False,
    )  # fmt: skip
    assert learn.training.adaptation_settings(tmp_path) == settings
    assert learn.training.adaptation_settings(None) == EnvSettings()
