"""The report's training note: steps and wall time behind each prediction."""

import json

import pytest

from learn.prediction._report_stage import _task_text, duration_text, promotion_text
from learn.runs import CURRICULUM_FILE


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(4.4, "4 s"), (59.4, "59 s"), (517.7, "8.6 min"), (3569.0, "59.5 min"), (7500, "2 h 05 min")],
)
def test_duration_text(seconds, text):
    assert duration_text(seconds) == text


def test_a_resumed_task_names_the_time_of_its_last_sitting(tmp_path):
    record = {"wall_time_s": 1500.0, "start_timesteps": 18_595_840}
    (tmp_path / CURRICULUM_FILE).write_text(json.dumps(record))
    assert _task_text(tmp_path, 20_000_000, "follow") == (
        "20,000,000 steps, the last 1,404,160 in 25.0 min after resuming (imitation reference: "
        "the walk retargeted to the stairs, one step per tread, following the walker; levels "
        "promoted by the training episodes' mean return)"
    )
    record["budget_timesteps"] = 30_000_000  # the run's own budget, whatever the prediction asked
    (tmp_path / CURRICULUM_FILE).write_text(json.dumps(record))
    assert _task_text(tmp_path, 20_000_000, "follow").startswith(
        "20,000,000 steps of a 30,000,000-step budget, the last 1,404,160 in 25.0 min"
    )
    (tmp_path / CURRICULUM_FILE).write_text(json.dumps({"wall_time_s": 1500.0}))
    assert _task_text(tmp_path, 128, "flat") == (
        "128 steps in 25.0 min (imitation reference: the patient's flat-ground walk; levels "
        "promoted by the training episodes' mean return)"
    )


def test_the_note_names_each_task_runs_promotion_rule():
    rule = {"evaluation_episodes": 10, "evaluation_window": 3, "evaluation_max_falls": 1}
    assert promotion_text(rule) == (
        "levels promoted by 10 episodes with deterministic actions at each checkpoint, the mean "
        "of 3 such evaluations with at most 1 fall(s) in them"
    )
    assert promotion_text({**rule, "evaluation_max_falls": None}).endswith("3 such evaluations")
    assert promotion_text({}) == promotion_text({**rule, "evaluation_episodes": 0})
