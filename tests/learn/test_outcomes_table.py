"""The outcomes' table: the baseline and every level, a row each, with units in the names."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from learn.evaluation import GaitMeasures, LevelOutcome
from learn.report import OUTCOME_COLUMNS, outcomes_table, write_outcomes_csv


def _measures(falls: int = 0, steps: tuple[float, float] | None = (0.55, 0.65)) -> GaitMeasures:
    return GaitMeasures(
        success=falls == 0,
        falls=falls,
        max_trunk_sway_rad=math.radians(6.0),
        max_pelvis_hike_rad=math.radians(4.0),
        circumduction_m=(0.02, 0.11),
        knee_flexion_peak_rad=(math.radians(62.0), math.radians(35.0)),
        speed_m_s=0.9,
        step_length_m=0.6,
        step_length_by_side_m=steps,
    )


def _levels() -> list[LevelOutcome]:
    mastered = LevelOutcome("stairs", 1, _measures(), 3_600_000, 3_700_000, 0.93, 0.4, None, "left")
    missed = LevelOutcome("stairs", 2, _measures(falls=2, steps=None), None, 4_100_000, 0.8, 0.1)
    return [mastered, missed]


def test_one_row_per_level_after_the_baseline_with_units_in_the_names():
    table = outcomes_table(_measures(), _levels())
    assert table.columns.tolist() == list(OUTCOME_COLUMNS)
    assert table["task"].tolist() == ["flat", "stairs", "stairs"]
    assert table["level"].tolist()[1:] == [1, 2] and pd.isna(table["level"][0])
    # a prediction: the baseline walks and the level was mastered
    assert table["prediction"].tolist() == [True, True, False]
    assert table["steps_to_master"].tolist()[1] == 3_600_000 and pd.isna(
        table["steps_to_master"][2]
    )
    first = table.iloc[1]
    assert first["knee_flexion_peak_left_deg"] == pytest.approx(62.0)
    assert first["knee_flexion_peak_right_deg"] == pytest.approx(35.0)
    assert first["circumduction_right_cm"] == pytest.approx(11.0)
    assert first["pelvic_hike_deg"] == pytest.approx(4.0)
    assert (first["step_length_left_m"], first["step_length_right_m"]) == (0.55, 0.65)
    assert first["trailing_leg"] == "left" and first["falls"] == 0 and first["reached_end"]
    # each side's step length not recorded (an older result): empty, not zero
    assert pd.isna(table["step_length_left_m"][2]) and table["falls"][2] == 2
    # the baseline has no training figures
    assert pd.isna(table["controller_steps"][0]) and pd.isna(table["discriminator_output"][0])


def test_a_falling_baseline_makes_no_row_a_prediction(tmp_path):
    table = outcomes_table(_measures(falls=1), _levels())
    assert not table["prediction"].any()
    path = write_outcomes_csv(_measures(falls=1), _levels(), tmp_path / "outcomes.csv")
    saved = pd.read_csv(path)
    assert saved["prediction"].tolist() == [False, False, False]
    assert saved.columns.tolist() == list(OUTCOME_COLUMNS)
    assert not list(tmp_path.glob(".*tmp*"))  # written atomically
    # the baseline alone: a prediction that stopped after it
    alone = outcomes_table(_measures(), [])
    assert alone["task"].tolist() == ["flat"] and alone["prediction"].tolist() == [True]
