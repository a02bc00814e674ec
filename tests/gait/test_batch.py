import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

import gait
from gait._batch import main
from imu import GaitTwinInputError

DATA = Path(__file__).parents[1] / "data" / "cmu"
N_TAKES = 13


@pytest.fixture
def tree(tmp_path):
    """The vendored CMU takes (linked) plus a truncated copy of 07_01 as trial 07_99."""
    root = tmp_path / "cmu"
    for source in DATA.rglob("*"):
        if source.suffix in (".asf", ".amc"):
            target = root / source.relative_to(DATA)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.symlink_to(source)
    lines = (DATA / "07" / "07_01.amc").read_text().splitlines()
    (root / "07" / "07_99.amc").write_text("\n".join(lines[:-10]) + "\n")
    return root


def test_batch_reports_the_broken_take_and_resumes(tree, tmp_path):
    library = tmp_path / "library"
    first = gait.process_cmu(tree, library, workers=2, progress=False)
    assert (first.n_found, first.n_processed, first.n_skipped, first.n_failed) == (
        N_TAKES + 1, N_TAKES, 0, 1,
    )  # fmt: skip
    failure = first.failures.iloc[0]
    assert failure["trial"] == "07_99" and failure["file"].endswith("07_99.amc")
    assert "07_99.amc', line" in failure["error"] and "incomplete" in failure["error"]
    assert pd.read_csv(library / "failures.csv")["trial"].tolist() == ["07_99"]
    manifest = gait.read_manifest(library)
    assert sorted(manifest["clip_id"]) == sorted(t for t in gait.find_cmu_takes(DATA))
    assert (manifest["n_steps"] >= 2).all()
    assert manifest["speed_m_s"].between(0.85, 1.75).all()
    assert len(list((library / "clips").glob("*.npz"))) == N_TAKES
    assert not list(library.rglob(".*tmp*"))  # atomic writes leave no temporary files
    assert (library / "step_length_vs_speed.png").stat().st_size > 1000
    summary = json.loads((library / "summary.json").read_text())
    assert summary["n_processed"] == N_TAKES and summary["n_failed"] == 1

    clip_file = library / "clips" / "16_15.npz"
    stamp = clip_file.stat().st_mtime_ns
    second = gait.process_cmu(tree, library, workers=1, progress=False)
    assert (second.n_processed, second.n_skipped, second.n_failed) == (0, N_TAKES, 1)
    assert clip_file.stat().st_mtime_ns == stamp
    assert len(second.manifest) == N_TAKES

    # a deleted clip file makes its trial unfinished: only it is redone
    clip_file.unlink()
    third = gait.process_cmu(tree, library, workers=1, progress=False)
    assert (third.n_processed, third.n_skipped) == (1, N_TAKES - 1)
    assert clip_file.exists()


def test_batch_trial_list(tree, tmp_path):
    summary = gait.process_cmu(
        tree, tmp_path / "lib", trials=["07_01", "16_15", "99_01"], workers=1, progress=False
    )
    assert (summary.n_selected, summary.n_processed, summary.n_failed) == (3, 2, 1)
    assert sorted(summary.manifest["clip_id"]) == ["07_01", "16_15"]
    assert "no .amc file" in summary.failures.set_index("trial").loc["99_01", "error"]


def test_batch_take_without_skeleton_is_a_failure(tmp_path):
    root = tmp_path / "tree"
    root.mkdir()
    (root / "05_01.amc").symlink_to(DATA / "16_15" / "16_15.amc")
    summary = gait.process_cmu(root, tmp_path / "lib", progress=False)
    assert summary.n_failed == 1
    assert "expected its skeleton" in summary.failures["error"].iloc[0]


def test_ray_without_ray_installed_raises(tree, tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "ray", None)  # `import ray` fails as when not installed
    with pytest.raises(
        GaitTwinInputError, match=r"expected the 'ray' package .*pip install 'gaittwin\[cluster\]'"
    ):
        gait.process_cmu(tree, tmp_path / "lib", ray_address="auto", progress=False)


def test_command_line(tree, tmp_path, capsys):
    with pytest.raises(SystemExit) as stop:
        main(["--help"])
    assert stop.value.code == 0
    assert "resumable" in capsys.readouterr().out
    trials = tmp_path / "walks.txt"
    trials.write_text("# walking takes\n07_02\n07_99\n")
    status = main([str(tree), str(tmp_path / "lib"), "--trials-file", str(trials),
                   "--workers", "1", "--no-progress"])  # fmt: skip
    out = capsys.readouterr().out
    assert status == 1
    assert "1 processed, 0 skipped" in out and "1 failed" in out and "failed 07_99" in out


def test_example_03_runs_on_two_takes(tmp_path):
    example = Path(__file__).parents[2] / "examples" / "03_cmu_batch.py"
    out = tmp_path / "out"
    done = subprocess.run(
        [sys.executable, str(example), "--out", str(out), "--trials", "07_01", "16_15",
         "--workers", "1"],
        capture_output=True, text=True, check=True, timeout=120,
    )  # fmt: skip
    assert "2 processed" in done.stdout
    assert sorted(gait.read_manifest(out / "library")["clip_id"]) == ["07_01", "16_15"]
    assert (out / "library" / "step_length_vs_speed.png").exists()
    assert (out / "library" / "summary.json").exists()


def test_batch_fails_a_take_with_an_implausible_value(tmp_path):
    root = tmp_path / "tree"
    root.mkdir()
    (root / "07.asf").symlink_to(DATA / "07" / "07.asf")
    lines = (DATA / "07" / "07_01.amc").read_text().splitlines()
    k = next(i for i, line in enumerate(lines) if line.startswith("rtibia"))
    lines[k] = "rtibia 1e300"
    (root / "07_01.amc").write_text("\n".join(lines) + "\n")
    status = main([str(root), str(tmp_path / "lib"), "--workers", "1", "--no-progress"])
    assert status == 1
    error = pd.read_csv(tmp_path / "lib" / "failures.csv").set_index("trial").loc["07_01", "error"]
    assert f"07_01.amc', line {k + 1}: expected rotations of bone 'rtibia'" in error
    assert len(gait.read_manifest(tmp_path / "lib")) == 0


def test_batch_reports_a_trial_name_found_in_two_folders(tmp_path):
    root = tmp_path / "tree"
    for folder in ("a", "b"):
        (root / folder).mkdir(parents=True)
        for name in ("16.asf", "16_15.amc"):
            (root / folder / name).symlink_to(DATA / "16_15" / name)
    (root / "a" / "07.asf").symlink_to(DATA / "07" / "07.asf")
    (root / "a" / "07_01.amc").symlink_to(DATA / "07" / "07_01.amc")
    summary = gait.process_cmu(root, tmp_path / "lib", workers=1, progress=False)
    assert (summary.n_found, summary.n_processed, summary.n_failed) == (3, 1, 1)
    error = summary.failures.set_index("trial").loc["16_15", "error"]
    assert "expected one take per trial name" in error
    assert str(root / "a" / "16_15.amc") in error and str(root / "b" / "16_15.amc") in error
    with pytest.raises(GaitTwinInputError, match=r"trial '16_15': expected one take per trial"):
        gait.find_cmu_takes(root)
