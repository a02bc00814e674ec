"""The whole prediction on the bundled Xsens walk (tiny budgets), its refusals and the CLI."""

from __future__ import annotations

import html
import json
import re
import shutil
import signal
import subprocess
import sys
import time

import numpy as np
import pandas as pd
import pytest

import gait
import learn
from imu import GaitTwinInputError
from learn.cli import main as cli_main
from sim import Simulation


@pytest.mark.parametrize("stiff_knee", [None, "left"])
def test_example_09_predicts_without_atlas_and_resumes(
    load_example, data_dir, tmp_path, capsys, stiff_knee
):
    out = tmp_path / "report"
    argv = [
        "--recording",
        str(data_dir / "xsens_mtw_walk"),
        "--out",
        str(out),
        "--levels",
        "0",
        "1",
        "--envs",
        "1",
        "--task-steps",
        "128",
        "--adapt-steps",
        "64",
        "--max-steps",
        "30",
    ]
    if stiff_knee is not None:
        argv += ["--stiff-knee", stiff_knee, "--stiff-knee-peak-deg", "25"]
    argv.append("--continue-if-falling")  # a 64-step scratch controller may fall
    result = load_example("09_patient_report").main(argv)
    text = result.report.read_text()
    clip = gait.Motion.load(out / "patient_clip.npz")
    peaks = [np.rad2deg(clip.joint_angles[f"knee_flexion_{s}"]).max() for s in "lr"]
    limits = learn.run_env_settings(out / "adapt").angle_limits_deg
    if stiff_knee is None:
        assert "made stiff" not in text and "impairments" not in clip.metadata
        assert min(peaks) > 50.0
        assert limits == ()
    else:  # the clip the controllers imitate has the stiff left knee, and the report says so
        assert peaks[0] == pytest.approx(25.0, abs=1.0) and peaks[1] > 50.0
        original = clip.metadata["impairments"][-1]["original_peak_flexion_deg"]
        assert 60.0 < original < 75.0  # the recorded walk's mean-cycle knee peak
        assert f"left knee made stiff: peak flexion {original:.1f} -&gt; 25.0 deg" in text
        assert "(left knee made stiff)</h1>" in text
        assert limits == (("knee_flexion_l", -5.0, 30.0),)  # the avatar's knee stops there too
    for task in ("slope", "stairs"):
        for level in (0, 1):
            assert f'id="{task}-{level}"' in text
            assert (out / "outcomes" / f"{task}_{level}.gif").is_file()
    assert 'id="slope-2"' not in text
    assert html.escape(learn.prediction.SCRATCH_NOTE) in text
    speed_m_s, stride_m = learn.clip_goal(clip)  # what the controllers were asked, above each task
    assert f"flat-ground speed, {speed_m_s:.2f} m/s" in text
    stair_pace = speed_m_s * 0.30 / (stride_m / 2)  # one 30 cm tread a step
    assert f"one step per tread at that cadence, is {stair_pace:.2f} m/s" in text
    assert re.search(
        r"Training: adapted controller 64 steps in \d+ s, slope trained 128 steps of a "
        r"128-step budget in \d+ s \(imitation reference: the patient&#39;s flat-ground walk; "
        r"levels promoted by the training episodes&#39; mean return\), stairs trained 128 steps "
        r"of a 128-step budget in \d+ s \(imitation reference: the walk retargeted to the "
        r"stairs, one step per tread, following the walker; levels promoted by 10 episodes with "
        r"deterministic actions at each checkpoint, the mean of 3 such evaluations with at most "
        r"1 fall\(s\) in them\);",
        text,
    )
    stairs = learn.runs.read_task_progress(out / "tasks" / "stairs")  # the default reference
    assert stairs["terrain_reference"] and stairs["tread_steps"] and stairs["follow_walker"]
    assert not learn.runs.read_task_progress(out / "tasks" / "slope")["terrain_reference"]
    status = learn.report.prediction_status(result.baseline, result.outcomes)
    assert result.status == status and status.kind in ("no prediction", "partial")
    assert html.escape(status.text) in text
    # nothing mastered in 128 steps: every level is labelled as no prediction
    assert text.count(": not a prediction</h3>") == 4
    assert "data:image/gif;base64," in text  # GIFs embedded
    assert "<td>xsens_mtw_walk</td>" in text and str(data_dir) not in text  # no machine path
    assert result.summary_png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert len(result.outcomes) == 4 and set(result.push_max_force_n) == {"forward"}
    # the outcomes as one table beside the report: the baseline, then a row per level
    table = pd.read_csv(out / "outcomes.csv")
    assert table["task"].tolist() == ["flat"] + [o.task for o in result.outcomes]
    assert not table["prediction"][1:].any()  # nothing mastered
    expected = result.outcomes_table()
    assert table["speed_m_s"].tolist() == pytest.approx(expected["speed_m_s"].tolist())
    printed = capsys.readouterr().out
    assert f"report: {result.report.resolve()}" in printed
    for line in learn.report.outcome_lines(result.baseline, result.outcomes):  # in plain lines
        assert line in printed
    # resumable: a second run finds every stage and trains nothing again
    stamps = {p: p.stat().st_mtime_ns for p in out.rglob("*.json")}
    again = load_example("09_patient_report").main(argv)
    assert {p: p.stat().st_mtime_ns for p in out.rglob("*.json")} == stamps
    assert repr(again.outcomes) == repr(result.outcomes)  # NaN (no step taken) compares equal
    assert "(exists)" in capsys.readouterr().out
    # a baseline that falls turns the report's status line into "no prediction"
    baseline = json.loads((out / "baseline.json").read_text())
    for falls, kind in ((0, "partial"), (2, "no prediction")):
        baseline.update(falls=falls, success=falls == 0)
        (out / "baseline.json").write_text(json.dumps(baseline))
        again = load_example("09_patient_report").main(argv)
        text = again.report.read_text()
        assert again.status.kind == kind
        assert (learn.report.NO_PREDICTION_TEXT in text) == (falls > 0)
    # a result saved by an older version (one circumduction value) is named, not misread
    (out / "baseline.json").write_text(json.dumps({**baseline, "circumduction_m": 0.03}))
    with pytest.raises(GaitTwinInputError, match=r"baseline\.json: expected a result saved by"):
        load_example("09_patient_report").main(argv)
    (out / "baseline.json").write_text(json.dumps(baseline))
    # a task stopped before its curriculum.json resumes from its last checkpoint (round 2 of 2)
    (out / "tasks" / "slope" / "curriculum.json").unlink()
    load_example("09_patient_report").main(argv)
    assert "slope: resuming training from" in capsys.readouterr().out
    record = json.loads((out / "tasks" / "slope" / "curriculum.json").read_text())
    assert record["resumed_from"].endswith("round_000002") and record["total_timesteps"] == 128
    # a run recorded before level controllers existed is named in the log
    del record["level_controllers"]
    record["steps_to_master"] = {"0": 64}
    (out / "tasks" / "slope" / "curriculum.json").write_text(json.dumps(record))
    load_example("09_patient_report").main(argv)
    assert f"slope: {out / 'tasks' / 'slope'} has no level controllers" in capsys.readouterr().out
    # the saved clip does not silently stand in for a clip made with other stiff-knee options
    other = argv[: argv.index("--stiff-knee")] if stiff_knee else [*argv, "--stiff-knee", "right"]
    with pytest.raises(GaitTwinInputError, match=r"patient clip .*: expected stiff knees"):
        load_example("09_patient_report").main(other)


def test_a_falling_baseline_stops_the_prediction(load_example, data_dir, tmp_path, capsys):
    """No push test, no task, a "no prediction" report, and exit code 3 from the command."""
    out = tmp_path / "report"
    argv = ["--recording", str(data_dir / "xsens_mtw_walk"), "--out", str(out)]
    argv += ["--adapt-steps", "64", "--envs", "1", "--max-steps", "30", "--push"]
    load_example("09_patient_report").main([*argv, "--tasks", "slope", "--levels", "0"])
    baseline = json.loads((out / "baseline.json").read_text())
    baseline.update(falls=1, success=False)  # whatever the 64-step controller did, it now fell
    (out / "baseline.json").write_text(json.dumps(baseline))
    for stale in ("tasks", "outcomes"):  # whatever the first run trained
        shutil.rmtree(out / stale, ignore_errors=True)
    (out / "push.json").unlink(missing_ok=True)
    result = load_example("09_patient_report").main([*argv, "--tasks", "slope", "--levels", "0"])
    assert result.outcomes == [] and result.push_max_force_n == {}
    assert result.status.kind == "no prediction"
    assert not (out / "tasks").exists() and not (out / "push.json").exists()
    text = result.report.read_text()
    status_at = text.index('class="status no-prediction"')
    assert status_at < text.index('class="note"')  # first thing under the title
    assert learn.report.NO_PREDICTION_TEXT in text[status_at:]
    assert result.summary_png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    capsys.readouterr()
    options = ["--allow-scratch", "--adapt-steps", "64", "--envs", "1", "--tasks", "slope"]
    code = cli_main([str(data_dir / "xsens_mtw_walk"), "--out", str(out), *options])
    assert code == 3
    assert learn.report.NO_PREDICTION_TEXT in capsys.readouterr().err


def test_prediction_refuses_a_missing_atlas(data_dir, tmp_path):
    walk = data_dir / "xsens_mtw_walk"
    with pytest.raises(GaitTwinInputError, match=r"examples/06_train_atlas\.py"):
        learn.predict_patient(walk, tmp_path)
    with pytest.raises(GaitTwinInputError, match=r"expected model\.zip and normaliser\.json"):
        learn.predict_patient(
            walk,
            tmp_path,
            learn.PredictionSettings(atlas_dir=tmp_path / "no_atlas", allow_scratch=True),
        )
    with pytest.raises(GaitTwinInputError, match=r"stiff_knee: expected one of \['left', 'r"):
        learn.predict_patient(
            walk, tmp_path, learn.PredictionSettings(allow_scratch=True), stiff_knee="l"
        )
    assert not any(tmp_path.iterdir())  # refused before writing anything


def test_cli_help_and_bad_input(tmp_path, capsys):
    with pytest.raises(SystemExit) as exit_info:
        cli_main(["--help"])
    assert exit_info.value.code == 0
    printed = capsys.readouterr().out
    assert "--stiff-knee {left,right}" in printed
    assert "--stairs-reference {flat,terrain,treads,follow}" in printed
    with pytest.raises(SystemExit) as exit_info:
        cli_main(
            [str(tmp_path), "--out", str(tmp_path / "o"), "--allow-scratch", "--stiff-knee", "up"]
        )
    assert exit_info.value.code == 2
    assert "invalid choice: 'up'" in capsys.readouterr().err
    code = cli_main([str(tmp_path / "missing"), "--out", str(tmp_path / "o"), "--allow-scratch"])
    assert code == 2
    error = capsys.readouterr().err
    assert "gaittwin-predict: error: recording" in error and "no such file" in error
    assert not (tmp_path / "o").exists()  # nothing half-written for a bad recording
    assert cli_main([str(tmp_path), "--out", str(tmp_path / "o"), "--atlas", "nope"]) == 2
    assert "No Healthy Motion Atlas is trained or shipped" in capsys.readouterr().err


@pytest.mark.parametrize("stiff", [[], ["--stiff-knee", "right"]])
def test_example_08_prints_outcomes_per_level(load_example, tmp_path, capsys, stiff):
    out = tmp_path / "ex08"
    tiny = ["--adapt-steps", "64", "--task-steps", "64", "--max-steps", "20", "--envs", "1"]
    table = load_example("08_predict_slopes_and_stairs").main(
        ["--out", str(out), "--tasks", "stairs", "--levels", "0", "2", *tiny, *stiff]
    )
    assert (out / "patient_gait_cycles.png").read_bytes()[:4] == b"\x89PNG"
    assert table["level"].tolist() == [0, 2]
    assert table["rise_cm"].tolist() == pytest.approx([0.0, 7.5])
    assert (table["activation_similarity_pct"].between(0, 100)).all()
    stairs = learn.runs.read_task_result(out / "tasks" / "stairs")
    assert table["controller_steps"].tolist() == [stairs.controller(k)[1] for k in (0, 2)]
    assert (out / "outcomes.csv").is_file() and (out / "outcomes" / "stairs_2.gif").is_file()
    printed = capsys.readouterr().out
    assert "trunk_sway_deg" in printed
    assert ("right knee made stiff: peak flexion 72.9 -> 30.0 deg" in printed) == bool(stiff)
    report = (out / "report.html").read_text()
    assert "CMU 16_15" in report and "trial 16_15" in report
    assert ("right knee made stiff: peak flexion 72.9 -&gt; 30.0 deg" in report) == bool(stiff)
    # the stiff knee's stairs reference climbs step-to behind it, and the report says so
    stairs_2 = json.loads((out / "outcomes" / "stairs_2.json").read_text())
    assert stairs_2["trailing_leg"] == ("right" if stiff else None)
    assert ("reference step-to, right leg trailing" in report) == bool(stiff)


@pytest.mark.parametrize("name", ["08_predict_slopes_and_stairs", "09_patient_report"])
def test_examples_have_help(load_example, name, capsys):
    with pytest.raises(SystemExit) as exit_info:
        load_example(name).main(["--help"])
    assert exit_info.value.code == 0
    assert "--out" in capsys.readouterr().out


def test_stiff_clip_plays_in_the_imitation_env(walk_clip):
    stiff = gait.stiffen_knee(walk_clip, "left", peak_flexion_deg=30.0)
    with Simulation() as simulation:
        reference = learn.env.ReferenceMotion.from_motion(stiff, simulation)
        names = [d.angle_name for d in simulation.spec.dofs]
        signs = [d.sign for d in simulation.spec.dofs]
    peaks = {
        side: np.rad2deg(
            signs[names.index(f"knee_flexion_{side}")]
            * reference.joint_positions_rad[:, names.index(f"knee_flexion_{side}")]
        ).max()
        for side in "lr"
    }
    assert peaks["l"] == pytest.approx(30.0, abs=3.0) and peaks["r"] > 55.0
    env = learn.ImitationEnv([stiff], max_steps=20)
    try:
        observation, _ = env.reset(seed=0)
        ended = []
        for _ in range(5):  # zero action: PD targets on the stiff reference pose
            observation, reward, terminated, truncated, _ = env.step(
                np.zeros(env.action_space.shape, dtype=np.float32)
            )
            ended.append(terminated or truncated)
        assert np.isfinite(observation).all() and np.isfinite(reward) and not any(ended)
    finally:
        env.close()


def test_a_prediction_killed_during_adaptation_reruns_into_the_same_folder(data_dir, tmp_path):
    """SIGKILL once adaptation has started (its manifest exists, no model yet), then rerun."""
    out = tmp_path / "killed"
    command = [sys.executable, "-m", "learn.cli", str(data_dir / "xsens_mtw_walk"), "--out"]
    command += [str(out), "--allow-scratch", "--adapt-steps", "20000", "--envs", "1"]
    command += ["--tasks", "slope", "--levels", "0", "--rollouts", "1", "--task-steps", "256"]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 120
        while not (out / "adapt" / "manifest.json").is_file():
            assert process.poll() is None and time.monotonic() < deadline
            time.sleep(0.2)
        time.sleep(1.0)  # training under way
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait()
    assert not (out / "adapt" / "model.zip").is_file()
    rerun = [*command[:8], "512", *command[9:]]  # a smaller budget, to finish quickly
    finished = subprocess.run(rerun, capture_output=True, text=True, timeout=600)
    assert finished.returncode in (0, 3), finished.stderr
    assert (out / "adapt" / "model.zip").is_file() and (out / "report.html").is_file()
