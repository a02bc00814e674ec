import functools

import numpy as np
import pandas as pd
import pytest

from imu import GaitTwinInputError
from learn import (
    Controller,
    EnvSettings,
    PPOSettings,
    adapt,
    clip_goal,
    evaluate,
    make_env,
    plot_evaluation,
    read_progress,
)
from learn.evaluation import EVALUATION_COLUMNS
from learn.training import samples_to_reward

TINY = PPOSettings(n_steps_per_env=128, batch_size=128, n_epochs=1)


@pytest.fixture(scope="module")
def adapted(walk_clip, tmp_path_factory):
    run = tmp_path_factory.mktemp("adapt")
    model = adapt(None, walk_clip, run, total_timesteps=128, n_envs=1, ppo=TINY, progress_bar=False)
    return run, model


def test_adaptation_fixes_the_goal_to_the_clip(adapted, walk_clip):
    run, model = adapted
    env = model.get_env()
    goals = [tuple(g) for g in env.get_attr("goal")]
    assert goals == [pytest.approx(clip_goal(walk_clip))]
    assert read_progress(run)["time/total_timesteps"].iloc[-1] == 128


def test_adaptation_from_an_atlas_starts_from_its_weights(adapted, walk_clip, tmp_path):
    atlas_run, atlas = adapted
    model = adapt(
        atlas_run,
        walk_clip,
        tmp_path,
        total_timesteps=128,
        n_envs=1,
        ppo=TINY,
        progress_bar=False,
    )
    assert model.num_timesteps == 128  # counters restart; weights came from the atlas
    start = atlas.policy.state_dict()["mlp_extractor.policy_net.0.weight"]
    now = model.policy.state_dict()["mlp_extractor.policy_net.0.weight"]
    assert (now - start).abs().max() < 0.1 * start.abs().max()


def test_evaluation_table_and_figure(adapted, walk_clip, tmp_path):
    _, model = adapted
    goal = clip_goal(walk_clip)
    factory = functools.partial(make_env, [walk_clip], EnvSettings(goal=goal, max_steps=40))
    table = evaluate(Controller.from_model(model), factory, [goal], n_rollouts=2, settle_s=0.2)
    assert list(table.columns) == list(EVALUATION_COLUMNS)
    row = table.iloc[0]
    assert row["target_speed_m_s"] == pytest.approx(goal[0])
    assert row["speed_p25_m_s"] <= row["speed_p75_m_s"]
    assert 0.0 <= row["fall_rate"] <= 1.0
    assert row["joint_angle_error_deg"] >= 0.0 and row["feet_error_cm"] >= 0.0
    assert 0.0 < row["mean_episode_s"] <= 40 / 30 + 1e-9
    figure = plot_evaluation(table, tmp_path / "eval.png")
    assert figure.stat().st_size > 1000
    with pytest.raises(GaitTwinInputError, match="expected at least one each"):
        evaluate(Controller.from_model(model), factory, [], n_rollouts=1)


def test_controller_loaded_from_a_folder_acts_like_the_trained_model(adapted, walk_clip):
    run, model = adapted
    loaded = Controller.load(run)
    trained = Controller.from_model(model)
    np.testing.assert_array_equal(loaded.obs_mean, trained.obs_mean)
    env = make_env([walk_clip], EnvSettings(goal=clip_goal(walk_clip)))
    observation, _ = env.reset(seed=0)
    env.close()
    np.testing.assert_allclose(loaded.act(observation), trained.act(observation), atol=1e-6)
    with pytest.raises(GaitTwinInputError, match=r"expected model\.zip, not found"):
        Controller.load(run / "missing")


def test_samples_to_reward_finds_the_first_crossing():
    progress = pd.DataFrame(
        {
            "time/total_timesteps": [100, 200, 300],
            "rollout/ep_rew_mean": [10.0, 30.0, 45.0],
            "rollout/ep_len_mean": [50.0, 50.0, 50.0],
        }
    )
    assert samples_to_reward(progress, 0.55) == 200
    assert np.isnan(samples_to_reward(progress, 0.95))
