import pandas as pd


def test_atlas_and_adaptation_examples_run_on_a_tiny_budget(load_example, tmp_path, capsys):
    atlas = tmp_path / "atlas"
    load_example("06_train_atlas").main(
        ["--out", str(atlas), "--steps", "256", "--envs", "1", "--eval-rollouts", "1", "--no-video"]
    )
    table = pd.read_csv(atlas / "evaluation.csv")
    assert table["target_speed_m_s"].tolist() == [0.6, 0.9, 1.2]
    assert (atlas / "learning_curve.png").is_file() and (atlas / "manifest.json").is_file()
    load_example("07_adapt_to_patient").main(
        [
            "--atlas",
            str(atlas),
            "--out",
            str(tmp_path / "adapt"),
            "--steps",
            "256",
            "--envs",
            "1",
            "--eval-rollouts",
            "1",
            "--no-video",
        ]
    )
    adapted = pd.read_csv(tmp_path / "adapt" / "evaluation.csv")
    assert adapted["start"].tolist() == ["atlas", "scratch"]
    assert "steps to reach" in capsys.readouterr().out
