"""The stairs' imitation reference of a prediction (``PredictionSettings.stairs_reference``)."""

from __future__ import annotations

import html
import re
from dataclasses import replace

import pytest
from tiny_budgets import tiny_prediction_options

import learn
from imu import GaitTwinInputError
from learn._constants import STAIRS_REFERENCES
from learn.cli import build_batch_parser, build_parser, prediction_options

REFERENCE_OPTIONS = ("terrain_reference", "tread_steps", "follow_walker")


def _reference_options(settings: learn.TaskSettings) -> tuple[bool, bool, bool]:
    return tuple(getattr(settings, name) for name in REFERENCE_OPTIONS)


def test_the_stairs_train_on_the_walker_following_reference_by_default():
    settings = learn.PredictionSettings(allow_scratch=True)
    assert settings.stairs_reference == "follow"
    assert _reference_options(settings.task_training_settings("stairs")) == (True, True, True)
    assert settings.task_training_settings("slope") == settings.task_settings
    assert _reference_options(settings.task_training_settings("slope")) == (False, False, False)


@pytest.mark.parametrize(
    ("name", "options"),
    [
        ("flat", (False, False, False)),
        ("terrain", (True, False, False)),
        ("treads", (True, True, False)),
        ("follow", (True, True, True)),
    ],
)
def test_each_stairs_reference_switches_on_its_options(name, options):
    given = learn.TaskSettings(n_envs=3, max_steps=77)
    settings = learn.PredictionSettings(task_settings=given, stairs_reference=name)
    stairs = settings.task_training_settings("stairs")
    assert _reference_options(stairs) == options
    assert replace(stairs, **dict.fromkeys(REFERENCE_OPTIONS, False)) == given  # nothing else
    assert settings.task_training_settings("slope") == given


def test_a_bad_stairs_reference_is_refused():
    with pytest.raises(
        GaitTwinInputError,
        match=r"stairs_reference: expected one of \['flat', 'terrain', 'treads', 'follow'\], "
        r"found 'tread'",
    ):
        learn.PredictionSettings(stairs_reference="tread")


@pytest.mark.parametrize("name", REFERENCE_OPTIONS)
def test_task_settings_with_a_reference_option_are_refused(name):
    on = {"terrain_reference": True}
    on |= {"tread_steps": True} if name != "terrain_reference" else {}
    on |= {name: True}
    with pytest.raises(
        GaitTwinInputError,
        match=r"task_settings\.terrain_reference: expected False .* found True; choose the "
        r"stairs reference with stairs_reference \(--stairs-reference\)",
    ):
        learn.PredictionSettings(task_settings=learn.TaskSettings(**on))


@pytest.mark.parametrize("build", [build_parser, build_batch_parser])
def test_the_commands_pass_the_stairs_reference(build, tmp_path):
    base = [str(tmp_path), "--out", str(tmp_path / "o"), "--allow-scratch"]
    default = prediction_options(build().parse_args(base))["settings"]
    assert (default.stairs_reference, default.stairs_promotion) == ("follow", "evaluation")
    options = ["--stairs-reference", "treads", "--stairs-promotion", "training"]
    chosen = prediction_options(build().parse_args([*base, *options]))["settings"]
    assert (chosen.stairs_reference, chosen.stairs_promotion) == ("treads", "training")
    with pytest.raises(SystemExit):
        build().parse_args([*base, "--stairs-reference", "steps"])


def test_the_stairs_are_trained_and_evaluated_on_their_reference(walk_clip, tmp_path, monkeypatch):
    """The run records the options, every stairs environment has them, the report names them."""
    made = []
    task_env = learn.prediction._evaluation_stages.task_env

    def recording_task_env(motion, task, **kwargs):
        env = task_env(motion, task, **kwargs)
        made.append((task, env.follow_walker))
        return env

    monkeypatch.setattr(learn.prediction._evaluation_stages, "task_env", recording_task_env)
    settings = replace(tiny_prediction_options()["settings"], tasks=("stairs",), levels=(2,))
    result = learn.predict_from_clip(
        walk_clip, tmp_path, settings, patient_id="CMU 07_01", source="CMU 07_01"
    )
    progress = learn.runs.read_task_progress(tmp_path / "tasks" / "stairs")
    assert tuple(progress[name] for name in REFERENCE_OPTIONS) == (True, True, True)
    rule = ("evaluation_episodes", "evaluation_window", "evaluation_max_falls")
    assert tuple(progress[name] for name in rule) == (10, 3, 1)  # the default stairs promotion
    assert made == [("flat", False), ("flat", False), ("stairs", True)]  # baseline, push, level 2
    assert result.outcomes[0].task == "stairs" and result.outcomes[0].level == 2
    text = html.unescape(result.report.read_text())
    follow = re.escape(STAIRS_REFERENCES["follow"].description)
    trained = r"stairs trained 64 steps of a 64-step budget in \d+ s \(imitation reference: "
    trained += rf"{follow}; levels promoted by 10 episodes"
    assert re.search(trained, text)
    # a stopped training is not resumed on another reference or promotion rule: refused before
    # any stage runs
    (tmp_path / "tasks" / "stairs" / "curriculum.json").unlink()
    (tmp_path / "report.html").unlink()
    refusals = {
        "stairs_reference": ("flat", r"tasks/stairs': expected a stopped stairs training on the "
                             r"'flat' reference to resume, found one on 'follow' .*; pass "
                             r"--stairs-reference follow \(stairs_reference='follow'\) to resume "
                             r"it, or delete .*tasks/stairs' to train the stairs anew on 'flat'"),
        "stairs_promotion": ("training", r"tasks/stairs': expected a stopped stairs training "
                             r"promoted by .*'evaluation_episodes': 0.* found one promoted by "
                             r".*'evaluation_episodes': 10.*; pass --stairs-promotion evaluation "
                             r"\(stairs_promotion='evaluation'\) to resume it"),
    }  # fmt: skip
    for name, (value, message) in refusals.items():
        with pytest.raises(GaitTwinInputError, match=message):
            learn.predict_from_clip(walk_clip, tmp_path, replace(settings, **{name: value}),
                                    patient_id="CMU 07_01", source="CMU 07_01")  # fmt: skip
    assert not (tmp_path / "report.html").exists()
