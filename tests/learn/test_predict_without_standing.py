"""``gaittwin-predict --standing / --mounting`` on the bundled walk cut after its standing part."""

from __future__ import annotations

from learn.cli import NO_PREDICTION_EXIT_CODE, USER_ERROR_EXIT_CODE
from learn.cli import main as cli_main

TINY = ["--allow-scratch", "--tasks", "slope", "--levels", "0", "--envs", "1", "--rollouts", "1"]
TINY += ["--adapt-steps", "64", "--task-steps", "256"]


def test_a_walk_without_standing_is_refused_naming_both_options(takes, tmp_path, capsys):
    _, walk = takes
    assert cli_main([str(walk), "--out", str(tmp_path / "refused"), *TINY]) == USER_ERROR_EXIT_CODE
    error = capsys.readouterr().err
    assert "expected a standing window" in error
    assert "--standing FILE" in error and "--mounting FILE" in error
    assert not (tmp_path / "refused").exists()


def test_a_bad_mounting_file_is_named(takes, tmp_path, capsys):
    _, walk = takes
    mounting = tmp_path / "mounting.json"
    mounting.write_text('{"sensor_to_segment": {}}')
    out = tmp_path / "refused"
    assert (
        cli_main([str(walk), "--out", str(out), "--mounting", str(mounting), *TINY])
        == USER_ERROR_EXIT_CODE
    )
    assert "mounting.json': unknown key 'sensor_to_segment'" in capsys.readouterr().err


def test_a_walk_without_standing_is_predicted_with_a_given_standing_pose(takes, tmp_path):
    standing, walk = takes
    out = tmp_path / "report"
    code = cli_main([str(walk), "--out", str(out), "--standing", str(standing), *TINY])
    # a 64-step scratch controller may fall on flat ground: that is a report without prediction
    assert code in (0, NO_PREDICTION_EXIT_CODE)
    assert (out / "patient_clip.npz").is_file()
    assert (out / "report.html").is_file()
