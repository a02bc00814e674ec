"""A prediction's wall-time budget: planned per stage, enforced, and stated in the report."""

from __future__ import annotations

import dataclasses
import html

import pytest
from tiny_budgets import tiny_prediction_options

import learn
from imu import GaitTwinInputError
from learn.cli import build_parser, prediction_options
from learn.prediction import TrainingClock


def test_the_budget_is_shared_by_steps_and_leftovers_go_to_later_stages(monkeypatch):
    now = [100.0]
    monkeypatch.setattr("learn.prediction._time_budget.time.monotonic", lambda: now[0])
    clock = TrainingClock(420.0, {"adapt": 2, "slope": 20, "stairs": 20})
    assert clock.limit_for("adapt") == pytest.approx(420.0 * 2 / 42)
    now[0] += 5.0  # adaptation used 5 of its 20 s: the rest is shared by the tasks
    assert clock.limit_for("slope") == pytest.approx(415.0 / 2)
    now[0] += 415.0  # the slope took all the time left
    assert clock.limit_for("stairs") == learn.prediction._time_budget.MIN_STAGE_TIME_S
    with pytest.raises(GaitTwinInputError, match="stage: expected one of"):
        clock.limit_for("stairs")


def test_a_stage_gets_at_least_its_minimum_part_of_the_budget(monkeypatch):
    now = [0.0]
    monkeypatch.setattr("learn.prediction._time_budget.time.monotonic", lambda: now[0])
    clock = TrainingClock(
        100.0, {"adapt": 1, "slope": 2, "stairs": 2}, min_fractions={"adapt": 0.4}
    )
    assert clock.limit_for("adapt") == pytest.approx(40.0)  # its steps' share would be 20 s
    now[0] += 10.0  # it reached its step budget in 10 s: the tasks share the other 90
    assert clock.limit_for("slope") == pytest.approx(45.0)
    late = TrainingClock(100.0, {"adapt": 1, "slope": 1}, min_fractions={"adapt": 0.4})
    now[0] += 70.0  # never more than the time left
    assert late.limit_for("adapt") == pytest.approx(30.0)


def test_without_a_budget_no_stage_is_limited():
    clock = TrainingClock(None, {"adapt": 1, "slope": 1})
    assert clock.limit_for("adapt") is None and clock.limit_for("slope") is None
    with pytest.raises(GaitTwinInputError, match="time_limit_s: expected a positive"):
        TrainingClock(0.0, {"adapt": 1})


def test_a_prediction_within_a_time_budget_ends_stages_early_and_says_so(data_dir, tmp_path):
    settings = tiny_prediction_options()["settings"]
    budgets = learn.Budgets(adapt_steps=10**6, task_steps=10**6, time_limit_s=4.0)
    result = learn.predict_patient(
        data_dir / "xsens_mtw_walk", tmp_path, dataclasses.replace(settings, budgets=budgets)
    )
    slope = learn.runs.read_task_result(tmp_path / "tasks" / "slope")
    assert 64 <= slope.total_timesteps < 10**4  # whole rounds (64 steps) until its time was spent
    assert learn.runs.trained_steps(tmp_path / "adapt") < 10**6
    text = html.unescape(result.report.read_text())
    assert "within a time budget of 4 s (it ended adaptation, slope early)" in text


@pytest.mark.parametrize(
    ("argv", "limit_s"),
    [([], 60.0 * learn.prediction.DEFAULT_TIME_BUDGET_MIN), (["--time-budget", "0"], None)],
)
def test_the_command_plans_within_a_time_budget_by_default(argv, limit_s, tmp_path):
    args = build_parser().parse_args(["walk", "--out", str(tmp_path), "--allow-scratch", *argv])
    assert prediction_options(args)["settings"].budgets.time_limit_s == limit_s
