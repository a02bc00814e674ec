"""Example 11 on the committed stairs run of CMU 16_15 against gaitmap's stair ascent.

The run: the terrain-aware reference with steps of one tread (levels 0 and 1 mastered in the
tread-step sittings) and following the walker (levels 2-4, the last mastered in session 15).
"""

from pathlib import Path

import numpy as np

import learn

ROOT = Path(__file__).resolve().parents[2]
MODELS = ROOT / "models" / "in_progress"
ADAPTED = MODELS / "stairs_16_15" / "adapted"
TREAD_STEPS = MODELS / "stairs_16_15_tread_steps" / "run" / "checkpoints"
#: Level 0's and level 1's mastery checkpoints, then every checkpoint of the sitting that
#: follows the walker (level 2's mastery one and the newest).
CHECKPOINTS = [
    TREAD_STEPS / "round_000063",
    TREAD_STEPS / "round_000789",
    *sorted((MODELS / "stairs_16_15_tread_follow" / "run" / "checkpoints").glob("round_*")),
]


def test_stair_prediction_next_to_the_recording(load_example, tmp_path):
    run = tmp_path / "run"
    args = ["--run", str(run), "--adapted", str(ADAPTED), "--rollouts", "1"]
    args += ["--checkpoints", *map(str, CHECKPOINTS), "--out", str(tmp_path)]
    table = load_example("11_stairs_against_recording").main(args)

    result = learn.runs.read_task_result(run)
    last = max(result.steps_to_master)
    assert last >= 2  # levels 0-2 mastered by this run
    below_top = last + 1 < learn.tasks.N_LEVELS  # a level above the mastered ones is left
    levels = range(last + 1 + below_top)
    heights = [learn.tasks.task_terrain("stairs", k).rise_m * 100 for k in levels]
    assert table["source"].tolist() == [
        "recording",
        *(f"level {k} ({heights[k]:.2f} cm, mastered)" for k in range(last + 1)),
        *([f"level {last + 1} ({heights[last + 1]:.2f} cm, not mastered)"] if below_top else []),
    ]
    recording = table.iloc[0]
    # gaitmap's healthy climber: about one stride per second, 38 strides on both feet
    assert recording["n_strides"] >= 30
    assert 110 < recording["cadence_steps_per_min"] < 135
    stride_s = recording["stride_time_s"]
    assert np.isclose(recording["cadence_steps_per_min"] * stride_s, 120, rtol=0.1)

    mastered = table.iloc[1 : last + 2]
    assert (mastered["falls"] == 0).all()  # these controllers climb their flights
    assert (mastered["climbed"] == 1).all()
    assert (mastered["n_strides"] > 0).all()
    assert mastered["stance_percent"].between(40, 80).all()
    # the run's tread steps: one tread (0.30 m) per step on the flights, the clip's 1.1 m
    # strides on flat ground
    assert mastered["stride_length_m"].iloc[0] > 0.9
    assert mastered["stride_length_m"].iloc[1:].between(0.5, 0.7).all()
    # each level's controller is the one saved at the round its level was mastered (a round
    # is 16 environments x 256 steps), the level not mastered gets the newest
    mastered_at = np.cumsum([result.steps_to_master[k] for k in range(last + 1)])
    after = mastered["controller_steps"].to_numpy(int) - mastered_at
    assert ((after >= 0) & (after < 16 * 256)).all()
    if below_top:  # the level not mastered: the newest controller
        assert table["controller_steps"].iloc[-1] == result.total_timesteps
    assert (tmp_path / "stairs_vs_recording.png").read_bytes()[:4] == b"\x89PNG"
    assert (tmp_path / "stairs_vs_recording.csv").exists()
