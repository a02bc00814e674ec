"""The outcomes' table: the baseline and every level, a row each, with units in the names."""

from __future__ import annotations

import dataclasses
import json
import math
import re
from pathlib import Path

import pandas as pd
import pytest

from learn.evaluation import GaitMeasures, LevelOutcome
from learn.prediction._batch_table import write_cohort_outcomes
from learn.report import OUTCOME_COLUMNS, outcome_lines, outcomes_table, write_outcomes_csv


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


def test_outcome_lines_say_what_is_predicted_for_a_console():
    lines = outcome_lines(_measures(), _levels())
    assert lines[0].startswith("Not mastered within the training budget")  # the status line
    assert lines[1] == "flat ground: no fall, 0.90 m/s"
    assert lines[2] == (
        "stairs 1 (3.75 cm risers): reached the end, no fall, 0.90 m/s; mastered in 3.60 M steps"
    )
    assert lines[3] == (
        "stairs 2 (7.50 cm risers): fell (2 times), 0.90 m/s; not mastered: not a prediction"
    )
    # after a falling baseline nothing is a prediction, mastered or not
    falling = outcome_lines(_measures(falls=1), _levels())
    assert falling[0].startswith("No prediction") and falling[1].startswith("flat ground: fell")
    assert falling[2].endswith("; not a prediction")


def test_the_docs_example_reads_a_batchs_outcomes(tmp_path, monkeypatch):
    """The pandas block of docs/report.md, on a batch's outcomes.csv of two patients."""
    folder = tmp_path / "out" / "clinic"
    folder.mkdir(parents=True)
    tables = [outcomes_table(_measures(), _levels()).assign(patient=p) for p in ("A", "B")]
    cohort = pd.concat(tables)[["patient", *OUTCOME_COLUMNS]]
    cohort.to_csv(folder / "outcomes.csv", index=False)
    docs = Path(__file__).resolve().parents[2] / "docs" / "report.md"
    blocks = re.findall(r"```python\n(.*?)```", docs.read_text(encoding="utf-8"), re.S)
    (code,) = [block for block in blocks if "outcomes.csv" in block]
    monkeypatch.chdir(tmp_path)
    names: dict = {}
    exec(compile(code, str(docs), "exec"), names)  # the page's own example
    # the predicted stairs levels: level 1 of each patient (level 2 was not mastered)
    assert names["stairs"]["patient"].tolist() == ["A", "B"]


def test_a_cohorts_table_reads_the_saved_results_and_leaves_out_what_it_cannot(tmp_path, caplog):
    for patient_id in ("a", "b", "c"):
        (tmp_path / patient_id / "outcomes").mkdir(parents=True)
    for patient_id, baseline in (("a", _measures()), ("c", _measures(falls=1))):
        (tmp_path / patient_id / "baseline.json").write_text(
            json.dumps(dataclasses.asdict(baseline))
        )
    for level in _levels():  # saved out of order: read back by task and level
        record = dataclasses.asdict(level)
        (tmp_path / "a" / "outcomes" / f"stairs_{level.level}.json").write_text(json.dumps(record))
    rows = {p: {"status": "ok"} for p in ("a", "b", "c")} | {"d": {"status": "failed"}}
    table = write_cohort_outcomes(tmp_path, ["c", "a", "b", "d"], rows)
    # "b" has no baseline (named in a warning), "d" failed: neither has rows
    assert table["patient"].tolist() == ["c", "a", "a", "a"]
    assert table["task"].tolist() == ["flat", "flat", "stairs", "stairs"]
    assert table["level"].tolist()[2:] == [1, 2]
    assert "b: left out of outcomes.csv" in caplog.text and "baseline.json" in caplog.text
    assert pd.read_csv(tmp_path / "outcomes.csv")["patient"].tolist() == ["c", "a", "a", "a"]
