"""Task environments (terrain switching, stair cue) and a tiny task training run."""

from __future__ import annotations

import dataclasses
import functools
import json
import shutil

import numpy as np
import pandas as pd
import pytest
import torch
from stable_baselines3 import PPO
from stable_baselines3.common.vec_env import DummyVecEnv
from tiny_budgets import TINY_TASK_SETTINGS as TINY

import learn
import sim
from imu import GaitTwinInputError


def test_terrain_level_changes_at_the_next_reset_through_env_method(walk_clip):
    venv = DummyVecEnv([lambda: learn.task_env(walk_clip, "stairs", max_steps=5)])
    try:
        venv.reset()
        env = venv.envs[0]
        x = np.array([2.45])  # on the second tread
        assert env.simulation.terrain.level == 0
        np.testing.assert_allclose(env.simulation.probe_heights(x), [0.0], atol=1e-3)
        venv.env_method("set_terrain_level", 2)
        assert env.simulation.terrain.level == 0  # not before the reset
        venv.reset()
        assert env.simulation.terrain.level == 2
        np.testing.assert_allclose(env.simulation.probe_heights(x), [2 * 0.075], atol=1e-3)
        assert env.stair_cue.terrain.level == 2
        venv.env_method("set_stair_cue", False)
        assert env.stair_cue.active
        venv.reset()
        assert not env.stair_cue.active
    finally:
        venv.close()


def test_slope_task_and_the_stair_cue_term(walk_clip):
    slope = learn.task_env(walk_clip, "slope", level=4, max_steps=5)
    try:
        np.testing.assert_allclose(
            slope.simulation.probe_heights(np.array([6.5])), [0.75 * 4.5 / 9.0], atol=1e-2
        )
        assert slope.stair_cue is None
        with pytest.raises(GaitTwinInputError, match="set_stair_cue: expected the stairs task"):
            slope.set_stair_cue(True)
    finally:
        slope.close()
    stairs = learn.task_env(walk_clip, "stairs", level=3, max_steps=5)
    try:
        stairs.reset(seed=0)
        _, _, _, _, info = stairs.step(np.zeros(14, dtype=np.float32))
        assert info["stair_cue"] in (0.0, -0.1)  # weight * (cue - 1)
        assert not stairs.speed_goal  # no speed target on stairs
    finally:
        stairs.close()


def test_flat_environment_has_no_curriculum(walk_clip):
    env = learn.ImitationEnv([walk_clip])
    try:
        with pytest.raises(GaitTwinInputError, match="expected a slope or stairs task"):
            env.set_terrain_level(1)
        with pytest.raises(GaitTwinInputError, match="task: expected one of"):
            learn.ImitationEnv([walk_clip], task="hill")
    finally:
        env.close()
    slope = learn.task_env(walk_clip, "slope")
    try:
        with pytest.raises(GaitTwinInputError, match="level: expected 0 to 4"):
            slope.set_terrain_level(5)
    finally:
        slope.close()


def test_train_task_runs_and_records_steps_per_level(adapted_run, walk_clip, tmp_path):
    result = learn.train_task(
        adapted_run,
        walk_clip,
        "stairs",
        tmp_path / "stairs",
        total_timesteps=256,
        curriculum=learn.CurriculumSettings(
            min_episodes=1, window_episodes=1, flat_ground_episodes=1
        ),
        settings=TINY,
    )
    record = json.loads((tmp_path / "stairs" / "curriculum.json").read_text())
    assert record["total_timesteps"] == 256 and record["rounds"] == 2
    assert record["resumed_from"] is None
    assert record["distilled"] is False  # same observation space: pi' = pi
    assert result.steps_to_master == {int(k): v for k, v in record["steps_to_master"].items()}
    assert all(0 < v <= 256 for v in result.steps_to_master.values())
    assert result.final_level == len(result.steps_to_master) or result.final_level == 4
    for name in ("model.zip", "normaliser.json", "discriminator.pt"):
        assert (tmp_path / "stairs" / name).is_file()
    assert sorted(p.name for p in (tmp_path / "stairs" / "checkpoints").iterdir()) == [
        "round_000001",
        "round_000002",
    ]
    d = learn.runs.load_discriminator(tmp_path / "stairs")
    obs = np.zeros((3, 348), dtype=np.float32)
    p = d(obs, np.zeros((3, 14), dtype=np.float32))
    assert p.shape == (3,) and np.all((p > 0.0) & (p < 1.0))
    assert learn.runs.read_task_result(tmp_path / "stairs") == result


def test_train_task_refuses_a_budget_below_one_round(adapted_run, walk_clip, tmp_path):
    with pytest.raises(GaitTwinInputError, match="at least one GAIL round of 128 steps"):
        learn.train_task(
            adapted_run, walk_clip, "slope", tmp_path, total_timesteps=100, settings=TINY
        )
    with pytest.raises(GaitTwinInputError, match="task: expected one of"):
        learn.train_task(adapted_run, walk_clip, "flat", tmp_path, total_timesteps=256)


def test_task_env_takes_the_adapted_runs_avatar(walk_clip):
    avatar = learn.EnvSettings(model=sim.ANKLE_MODEL.name, height_m=1.6, mass_kg=58.0)
    env = learn.task_env(walk_clip, "stairs", settings=avatar, level=2, max_steps=5)
    try:
        assert env.action_space.shape == (sim.ANKLE_MODEL.action_size,)
        assert env.simulation.body.mass_kg == pytest.approx(58.0)
        env.set_terrain_level(4)
        env.reset(seed=0)  # the rebuilt world keeps the body
        assert env.simulation.terrain.level == 4
        assert env.simulation.body.height_m == pytest.approx(1.6)
    finally:
        env.close()


#: Four rounds of 128 steps; alpha_BC decays over them (so that its value tells the step).
RESUMABLE = dataclasses.replace(TINY, bc_decay_steps=1024)
#: Every third episode promotes (the threshold is below any return).
PROMOTING = learn.CurriculumSettings(min_episodes=3, window_episodes=1, flat_ground_return=-1e6)


class _Stopped(Exception):
    """Raised to stop a training run after its second round, as a kill would."""


def _train_stairs(
    adapted_run, walk_clip, out, *, total_timesteps=512, curriculum=PROMOTING, **options
):
    """The stairs run of the resume tests: 4 rounds (512 steps) unless told otherwise."""
    return learn.train_task(
        adapted_run,
        walk_clip,
        "stairs",
        out,
        total_timesteps=total_timesteps,
        curriculum=curriculum,
        settings=RESUMABLE,
        **options,
    )


@pytest.fixture(scope="module")
def stopped_run(adapted_run, walk_clip, tmp_path_factory):
    """A 4-round stairs run stopped after round 2 (checkpoints of rounds 1 and 2, no outputs)."""
    out = tmp_path_factory.mktemp("stopped") / "stairs"
    train = learn.algorithms.HybridGAIL.train

    def stop_after_round_2(self, total_timesteps, callback=None, until=None):
        def after_round(round_index):
            callback(round_index)
            if round_index == 1:
                raise _Stopped

        return train(self, total_timesteps, after_round, until=until)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(learn.algorithms.HybridGAIL, "train", stop_after_round_2)
        with pytest.raises(_Stopped):
            _train_stairs(adapted_run, walk_clip, out)
    assert not (out / "curriculum.json").exists()
    return out


def _resume(adapted_run, walk_clip, out, monkeypatch) -> dict:
    """Resume ``out`` to 512 steps; return what the trainer held before its first round."""
    seen = {}
    train = learn.algorithms.HybridGAIL.train

    def spy(self, total_timesteps, callback=None, until=None):
        seen["num_timesteps"] = self.gen_algo.num_timesteps
        seen["policy"] = {k: v.clone() for k, v in self.gen_algo.policy.state_dict().items()}
        seen["discriminator"] = {k: v.clone() for k, v in self._reward_net.state_dict().items()}
        seen["adam_step"] = self._disc_opt.state_dict()["state"][0]["step"].item()
        seen["disc_step"] = self._disc_step
        seen["discriminator_learning_rate"] = self.discriminator_learning_rate
        cues = self.venv.get_attr("stair_cue")  # GAIL's reward wrapper has reset the envs
        seen["levels"] = [cue.terrain.level for cue in cues]
        seen["cue_active"] = [cue.active for cue in cues]
        seen["progress"] = learn.read_task_progress(out)
        return train(self, total_timesteps, callback, until=until)

    monkeypatch.setattr(learn.algorithms.HybridGAIL, "train", spy)
    seen["result"] = _train_stairs(adapted_run, walk_clip, out, resume=True)
    return seen


def test_a_stopped_task_run_resumes_from_its_newest_checkpoint(
    stopped_run, adapted_run, walk_clip, tmp_path, monkeypatch
):
    out = shutil.copytree(stopped_run, tmp_path / "stairs")
    checkpoint = out / "checkpoints" / "round_000002"
    assert learn.runs.latest_task_checkpoint(out) == checkpoint
    saved = json.loads((checkpoint / "state.json").read_text())
    level = saved["curriculum"]["level"]
    assert (saved["rounds"], saved["num_timesteps"]) == (2, 256)
    assert 0 < level < 4  # promoted, not finished: the curriculum has more to do
    gail = torch.load(checkpoint / "gail.pt")
    policy = PPO.load(checkpoint / "model.zip", device="cpu").policy.state_dict()

    seen = _resume(adapted_run, walk_clip, out, monkeypatch)

    # before training resumed: the checkpoint's networks, optimiser, counters, schedules, envs
    assert seen["num_timesteps"] == 256 and seen["disc_step"] == saved["disc_step"] == 4
    for name, tensor in gail["reward_net"].items():
        assert torch.equal(seen["discriminator"][name], tensor), name
    assert seen["adam_step"] == gail["optimizer"]["state"][0]["step"].item() == 4
    for name, tensor in policy.items():
        assert torch.equal(seen["policy"][name], tensor), name
    assert seen["discriminator_learning_rate"] == pytest.approx(
        0.5 * learn.algorithms.GAIL_LEARNING_RATE
    )
    assert seen["levels"] == [level] * RESUMABLE.n_envs
    assert seen["cue_active"] == [saved["curriculum"]["stair_cue_active"]] * RESUMABLE.n_envs
    # after: the counters of an uninterrupted 4-round run
    record = json.loads((out / "curriculum.json").read_text())
    assert (record["total_timesteps"], record["rounds"]) == (512, 4)
    assert (record["resumed_from"], record["start_timesteps"]) == (str(checkpoint), 256)
    assert PPO.load(out / "model.zip", device="cpu")._n_updates == 4  # one epoch per round
    final = json.loads((out / "checkpoints" / "round_000004" / "state.json").read_text())
    assert (final["disc_step"], final["global_step"]) == (8, 4)  # two discriminator steps a round
    # the curriculum continued: counts accumulated, earlier masteries kept
    before = {int(k): v for k, v in saved["curriculum"]["episodes_per_level"].items()}
    after = {int(k): v for k, v in record["episodes_per_level"].items()}
    assert all(after[k] >= n for k, n in before.items()) and sum(after.values()) > sum(
        before.values()
    )
    assert saved["curriculum"]["steps_to_master"].items() <= record["steps_to_master"].items()
    assert seen["result"].final_level >= level
    # the first resumed update (at 384 steps) used the schedules' values there
    first = pd.read_csv(out / "logs" / "from_0000000256" / "progress.csv").iloc[0]
    assert first["mean/gen/time/total_timesteps"] == 384
    assert first["mean/gen/train/bc_weight"] == pytest.approx(
        learn.algorithms.bc_weight(384, decay_steps=1024)
    )
    assert first["mean/gen/train/learning_rate"] == pytest.approx(
        learn.algorithms.PPO_LEARNING_RATE * (1.0 - 384 / 512)
    )


def test_resuming_a_run_ended_early_drops_its_finished_record(
    stopped_run, adapted_run, walk_clip, tmp_path, monkeypatch
):
    out = shutil.copytree(stopped_run, tmp_path / "stairs")
    learn.finish_task_run(adapted_run, out)
    assert learn.read_task_progress(out)["finished"] is True
    seen = _resume(adapted_run, walk_clip, out, monkeypatch)
    # while training again, progress comes from the checkpoints, not the ended run's record
    assert seen["progress"]["finished"] is False and seen["progress"]["num_timesteps"] == 256
    record = json.loads((out / "curriculum.json").read_text())
    assert record["total_timesteps"] == 512 and not record.get("finished_early", False)


def test_resume_ignores_a_checkpoint_interrupted_before_its_state_file(
    stopped_run, adapted_run, walk_clip, tmp_path, monkeypatch
):
    out = shutil.copytree(stopped_run, tmp_path / "stairs")
    partial = out / "checkpoints" / "round_000003"
    partial.mkdir()
    shutil.copyfile(out / "checkpoints" / "round_000002" / "model.zip", partial / "model.zip")
    assert learn.runs.latest_task_checkpoint(out) == out / "checkpoints" / "round_000002"
    seen = _resume(adapted_run, walk_clip, out, monkeypatch)
    assert seen["num_timesteps"] == 256
    assert json.loads((partial / "state.json").read_text())["rounds"] == 3  # rewritten whole


def test_resume_refuses_no_checkpoint_and_other_options(
    stopped_run, adapted_run, walk_clip, tmp_path
):
    with pytest.raises(GaitTwinInputError, match=r"resume: expected a complete checkpoint"):
        learn.train_task(
            adapted_run,
            walk_clip,
            "stairs",
            tmp_path,
            total_timesteps=512,
            settings=RESUMABLE,
            resume=True,
        )
    assert learn.runs.latest_task_checkpoint(tmp_path) is None
    with pytest.raises(GaitTwinInputError, match=r"was written with seed = 0, found 1"):
        learn.train_task(
            adapted_run,
            walk_clip,
            "stairs",
            stopped_run,
            total_timesteps=512,
            curriculum=PROMOTING,
            settings=RESUMABLE,
            resume=True,
            seed=1,
        )


def test_a_resumed_run_takes_a_larger_budget_and_its_rates_follow_it(
    stopped_run, adapted_run, walk_clip, tmp_path
):
    out = shutil.copytree(stopped_run, tmp_path / "stairs")
    _train_stairs(adapted_run, walk_clip, out, total_timesteps=768, resume=True)
    record = json.loads((out / "curriculum.json").read_text())
    assert (record["total_timesteps"], record["rounds"], record["budget_timesteps"]) == (
        768,
        6,
        768,
    )
    first = pd.read_csv(out / "logs" / "from_0000000256" / "progress.csv").iloc[0]
    assert first["mean/gen/time/total_timesteps"] == 384
    # the rate of the new budget at 384 steps (the old one would give 2e-5 * (1 - 384 / 512))
    assert first["mean/gen/train/learning_rate"] == pytest.approx(
        learn.algorithms.PPO_LEARNING_RATE * (1.0 - 384 / 768)
    )


def test_resume_builds_the_environments_at_the_saved_level_and_cue(
    stopped_run, adapted_run, walk_clip, tmp_path, monkeypatch
):
    out = shutil.copytree(stopped_run, tmp_path / "stairs")
    path = out / "checkpoints" / "round_000002" / "state.json"
    saved = json.loads(path.read_text())
    curriculum = saved["curriculum"]  # edited: the top level mastered, the cue switched off
    curriculum["steps_to_master"].update({str(k): 10 for k in range(curriculum["level"], 5)})
    curriculum["episodes_per_level"].update({str(k): 3 for k in range(curriculum["level"], 5)})
    curriculum.update(level=4, stair_cue_active=False)
    path.write_text(json.dumps(saved))
    seen = _resume(adapted_run, walk_clip, out, monkeypatch)
    assert seen["levels"] == [4, 4] and seen["cue_active"] == [False, False]
    record = json.loads((out / "curriculum.json").read_text())
    assert record["episodes_per_level"] == curriculum["episodes_per_level"]  # finished: no more


def test_a_new_run_deletes_the_checkpoints_and_logs_of_an_earlier_one(
    stopped_run, adapted_run, walk_clip, tmp_path
):
    out = shutil.copytree(stopped_run, tmp_path / "stairs")
    (out / "logs" / "from_0000000256").mkdir()
    _train_stairs(adapted_run, walk_clip, out, total_timesteps=128)
    assert [p.name for p in (out / "checkpoints").iterdir()] == ["round_000001"]
    assert [p.name for p in (out / "logs").iterdir()] == ["from_0000000000"]
    state = json.loads((out / "checkpoints" / "round_000001" / "state.json").read_text())
    assert state["run"]["total_timesteps"] == 128


def test_a_task_run_stops_once_the_requested_level_is_mastered(adapted_run, walk_clip, tmp_path):
    out = tmp_path / "stairs"
    result = _train_stairs(
        adapted_run, walk_clip, out, total_timesteps=16 * 128, stop_after_level=1
    )
    record = json.loads((out / "curriculum.json").read_text())
    assert sorted(result.steps_to_master) == [0, 1] and result.final_level == 2
    assert record["rounds"] < 16 and record["total_timesteps"] == 128 * record["rounds"]
    newest = learn.runs.latest_task_checkpoint(out)
    assert newest.name == f"round_{record['rounds']:06d}"  # saved at the stop
    progress = learn.read_task_progress(out)
    assert progress["finished"] and progress["level"] == 2
    assert progress["steps_to_master"] == result.steps_to_master
    # finishing an ended run writes its outputs anew and keeps what its record said
    shutil.rmtree(out / "levels")
    assert learn.finish_task_run(adapted_run, out) == result
    again = json.loads((out / "curriculum.json").read_text())
    assert again["finished_early"] is False
    assert (again["wall_time_s"], again["resumed_from"]) == (record["wall_time_s"], None)
    assert sorted(p.name for p in (out / "levels").iterdir()) == ["level_0", "level_1"]
    with pytest.raises(GaitTwinInputError, match="stop_after_level: expected 0 to 4, found 5"):
        _train_stairs(adapted_run, walk_clip, out, total_timesteps=128, stop_after_level=5)


def test_each_mastered_level_keeps_the_controller_saved_at_its_promotion(
    adapted_run, walk_clip, tmp_path
):
    out = tmp_path / "stairs"
    rare = dataclasses.replace(RESUMABLE, checkpoint_every_rounds=100)  # only promotions, end
    result = learn.train_task(
        adapted_run,
        walk_clip,
        "stairs",
        out,
        total_timesteps=6 * 128,
        curriculum=PROMOTING,
        settings=rare,
    )
    mastered = sorted(result.steps_to_master)
    assert mastered and mastered == sorted(result.level_controller_steps)
    for level in mastered:  # saved at the end of the round in which the level was mastered
        mastered_at = sum(result.steps_to_master[k] for k in range(level + 1))
        steps = result.level_controller_steps[level]
        assert steps == 128 * -(-mastered_at // 128) < result.total_timesteps or level == 4
        checkpoint = out / "checkpoints" / f"round_{steps // 128:06d}"
        folder, controller_steps = result.controller(level)
        assert (folder, controller_steps) == (out / "levels" / f"level_{level}", steps)
        assert (folder / "model.zip").read_bytes() == (checkpoint / "model.zip").read_bytes()
        assert (folder / "normaliser.json").is_file()
        learn.Controller.load(folder)
    assert learn.runs.load_discriminator(result.controller(mastered[0])[0]) is not None
    if result.final_level not in result.steps_to_master:
        assert result.controller(result.final_level) == (out, result.total_timesteps)
    assert learn.runs.read_task_result(out) == result


def test_old_checkpoints_are_deleted_but_each_levels_mastery_one(adapted_run, walk_clip, tmp_path):
    out = tmp_path / "stairs"
    partial = out / "checkpoints" / "round_000000"  # an interrupted save: no state.json
    partial.mkdir(parents=True)
    train = functools.partial(
        learn.train_task, adapted_run, walk_clip, "stairs", out, curriculum=PROMOTING
    )
    result = train(total_timesteps=10 * 128, settings=RESUMABLE, keep_checkpoints=2)
    kept = sorted(p.name for p in (out / "checkpoints").iterdir())
    mastery = {f"round_{n // 128:06d}" for n in result.level_controller_steps.values()}
    assert mastery and kept == sorted(mastery | {"round_000009", "round_000010"})
    assert len(kept) <= 7 and not partial.exists()  # of 10 saved: 5 levels at most, 2 newest
    assert learn.runs.read_task_result(out) == result  # the level controllers survived the pruning
    with pytest.raises(GaitTwinInputError, match="keep_checkpoints: expected at least 1"):
        train(total_timesteps=128, settings=RESUMABLE, keep_checkpoints=0)


def test_read_task_progress_of_a_run_still_training(stopped_run, tmp_path):
    progress = learn.read_task_progress(stopped_run)
    saved = json.loads((stopped_run / "checkpoints" / "round_000002" / "state.json").read_text())
    assert progress["finished"] is False and progress["num_timesteps"] == 256
    assert (progress["task"], progress["use_stair_cue"]) == ("stairs", True)
    assert progress["min_pace_fraction"] == PROMOTING.min_pace_fraction > 0.0
    assert progress["pace_floor"] == RESUMABLE.pace_floor > 0.0
    assert progress["level"] == saved["curriculum"]["level"] > 0
    assert sorted(progress["steps_to_master"]) == list(range(progress["level"]))
    assert sum(progress["episodes_per_level"].values()) >= 3 * progress["level"]
    with pytest.raises(GaitTwinInputError, match=r"expected curriculum\.json or a complete"):
        learn.read_task_progress(tmp_path)


def test_a_task_runs_controllers_act_with_the_reference_it_trained_with(
    adapted_run, stopped_run, tmp_path
):
    adapted = learn.run_env_settings(adapted_run)
    assert learn.task_run_env_settings(adapted_run, stopped_run) == adapted
    run = tmp_path / "stairs"
    shutil.copytree(stopped_run, run)
    state_file = run / "checkpoints" / "round_000002" / "state.json"
    state = json.loads(state_file.read_text())
    state["run"]["task_settings"]["terrain_reference"] = True
    state_file.write_text(json.dumps(state))
    settings = learn.task_run_env_settings(adapted_run, run)
    assert settings.terrain_reference is True and adapted.terrain_reference is False
    assert dataclasses.replace(settings, terrain_reference=False) == adapted


def test_example_10_tabulates_and_plots_steps_to_master(load_example, stopped_run, tmp_path):
    table = load_example("10_task_mastery").main(
        ["--compare", str(stopped_run), "--out", str(tmp_path)]
    )
    progress = learn.read_task_progress(stopped_run)
    assert table["level"].tolist() == [0, 1, 2, 3, 4]
    assert table["rise_cm"].tolist() == pytest.approx([0.0, 3.75, 7.5, 11.25, 15.0])
    assert table["paper_steps_to_master"].tolist() == list(
        learn.tasks.PAPER_STEPS_TO_MASTER["stairs"]
    )
    mastered = table["steps_to_master"].dropna()
    assert mastered.index.tolist() == sorted(progress["steps_to_master"])
    assert mastered.tolist() == [progress["steps_to_master"][k] for k in mastered.index]
    for name in ("mastery.png", "training.png"):
        assert (tmp_path / name).read_bytes()[:4] == b"\x89PNG"
    log = learn.read_progress(stopped_run, steps_column=learn.runs.TASK_STEPS_COLUMN)
    pace = log[load_example("10_task_mastery").PACE_COLUMN]  # the training plot's bottom row
    assert pace.notna().any() and pace.dropna().between(-1.0, 3.0).all()
    assert pd.read_csv(tmp_path / "mastery.csv")["run_steps"].eq(256).all()


def test_a_stopped_run_is_finished_at_its_newest_checkpoint(
    load_example, stopped_run, adapted_run, tmp_path
):
    out = shutil.copytree(stopped_run, tmp_path / "stairs")
    progress = learn.read_task_progress(out)
    table = load_example("10_task_mastery").main(
        ["--adapted", str(adapted_run), "--out", str(out), "--finish"]
    )
    result = learn.runs.read_task_result(out)
    assert table["finished"].all() and table["run_steps"].eq(256).all()
    record = json.loads((out / "curriculum.json").read_text())
    assert record["finished_early"] is True and record["checkpoint"].endswith("round_000002")
    assert (record["total_timesteps"], record["budget_timesteps"]) == (256, 512)
    assert result.steps_to_master == progress["steps_to_master"]
    assert result.final_level == progress["level"]
    newest = PPO.load(out / "checkpoints" / "round_000002" / "model.zip", device="cpu")
    for name, tensor in newest.policy.state_dict().items():
        assert torch.equal(PPO.load(out / "model.zip").policy.state_dict()[name], tensor), name
    d = learn.runs.load_discriminator(out)(
        np.zeros((2, 348), np.float32), np.zeros((2, 14), np.float32)
    )
    assert d.shape == (2,) and np.all((d > 0.0) & (d < 1.0))
    with pytest.raises(GaitTwinInputError, match="expected a complete checkpoint"):
        learn.finish_task_run(adapted_run, tmp_path / "empty")
    # the finished run's controller rolled out at stairs level 2
    reach_args = ["--adapted", str(adapted_run), "--reach-level", "2", "--rollouts", "2"]
    load_example("10_task_mastery").main(
        ["--compare", str(out), *reach_args, "--out", str(tmp_path / "reach")]
    )
    reach = pd.read_csv(tmp_path / "reach" / "reach.csv")
    assert reach["rollout"].tolist() == [0, 1] and (reach["steps"] > 0).all()
    edges = sim.Terrain("stairs", 2).step_edges_x_m
    assert reach["risers_passed"].tolist() == [int((edges < x).sum()) for x in reach["reach_m"]]
    np.testing.assert_allclose(reach["return"], reach["reward_per_step"] * reach["steps"])
    no_cue = 0.5 * reach["goal"] + 0.5 * reach["imitation"] - reach["physics"]
    np.testing.assert_allclose(reach["reward_per_step"], no_cue)  # rolled out without the cue


@pytest.mark.parametrize("task", ["slope", "stairs"])
def test_no_episode_reaches_the_far_edge_or_a_side_of_the_landing(walk_clip, task):
    env = learn.task_env(walk_clip, task, level=4)
    try:
        terrain = env.simulation.terrain
        fastest_reach_m = max(learn.env.SPEED_RANGE_M_S) * env.max_steps * env.dt
        assert terrain.end_x_m + terrain.landing_length_m > 1.2 * fastest_reach_m
        assert 0.5 * terrain.width_m > 1.2 * fastest_reach_m  # nor walks off a side
        # an episode lengthened to the end of the course (to_the_end) lasts PACE_MARGIN times
        # the course at the walker's pace: at twice that pace it stays on the landing
        lengthened_reach_m = 2.0 * learn.env.PACE_MARGIN * terrain.end_x_m
        assert terrain.end_x_m + terrain.landing_length_m > lengthened_reach_m
    finally:
        env.close()


def test_a_run_with_rehearsal_trains_records_and_resumes_only_with_it(
    adapted_run, walk_clip, stopped_run, tmp_path
):
    """One of the two environments rehearses mastered levels: the run trains through levels
    (``env_method`` on one sub-process), saves the option and resumes only with it."""
    assert learn.read_task_progress(stopped_run)["rehearsal_envs"] == 0
    out = tmp_path / "stairs"
    rehearsing = dataclasses.replace(PROMOTING, rehearsal_envs=1)
    _train_stairs(adapted_run, walk_clip, out, total_timesteps=384, curriculum=rehearsing)
    progress = learn.read_task_progress(out)
    assert progress["rehearsal_envs"] == 1 and progress["level"] >= 1
    with pytest.raises(GaitTwinInputError, match="rehearsal_envs"):
        _train_stairs(adapted_run, walk_clip, out, total_timesteps=512, resume=True)
