"""Many patients at once: parallel jobs, a failing patient, resumption, manifests and the CLI."""

from __future__ import annotations

import inspect
from pathlib import Path

import pandas as pd
import pytest
from tiny_budgets import tiny_prediction_options

import learn
from imu import GaitTwinInputError
from learn import PatientRecording
from learn.cli import batch_main
from learn.prediction import PATIENTS_COLUMNS

XSENS_FILE = "MT_012005D6_009-001_00B421E6.txt"
SCRATCH = learn.PredictionSettings(allow_scratch=True)


@pytest.fixture
def bad_walk(data_dir, tmp_path) -> Path:
    """A recording folder whose one Xsens file is cut in the middle of line 26."""
    folder = tmp_path / "bad_walk"
    folder.mkdir()
    (folder / XSENS_FILE).write_bytes(
        (data_dir / "xsens_mtw_walk" / XSENS_FILE).read_bytes()[:3000]
    )
    return folder


def test_batch_runs_patients_as_jobs_reports_failures_and_resumes(
    data_dir, tmp_path, bad_walk, capsys
):
    walk = data_dir / "xsens_mtw_walk"
    patients = [PatientRecording(walk), PatientRecording(walk, height_m=1.6), bad_walk]
    out = tmp_path / "batch"
    table = learn.predict_patients(patients, out, jobs=2, options=tiny_prediction_options())
    assert table.columns.tolist() == list(PATIENTS_COLUMNS)
    assert table["patient"].tolist() == ["xsens_mtw_walk", "xsens_mtw_walk-2", "bad_walk"]
    assert table["status"].tolist() == ["ok", "ok", "failed"]
    failed = table.iloc[2]
    assert failed["error"].startswith("GaitTwinInputError: Xsens MTw file")
    assert f"{XSENS_FILE}', line 26: expected 26 values" in failed["error"]
    assert failed["report"] == "" and not table["skipped"].any()
    kinds = {"predicted", "partial", "no prediction"}
    assert set(table["prediction"][:2]) <= kinds and failed["prediction"] == ""
    for row, height in zip(table.iloc[:2].itertuples(), ["1.75 m", "1.60 m"], strict=True):
        assert row.report == str(out / row.patient / "report.html") and row.wall_time_s > 0
        assert f"({height}, 70 kg;" in Path(row.report).read_text()
        assert "[gaittwin-predict] report:" in (out / row.patient / "log.txt").read_text()
    assert "GaitTwinInputError" in (out / "bad_walk" / "log.txt").read_text()  # the traceback
    saved = pd.read_csv(out / "patients.csv", keep_default_na=False)
    assert saved["status"].tolist() == ["ok", "ok", "failed"] and saved["error"][2] == failed.error
    assert not list(out.rglob(".*tmp*"))  # atomic writes leave no temporary files
    # every finished patient's outcomes in one table, as each patient's own beside its report
    cohort = pd.read_csv(out / "outcomes.csv")
    assert cohort.columns.tolist() == ["patient", *learn.report.OUTCOME_COLUMNS]
    assert set(cohort["patient"]) == {"xsens_mtw_walk", "xsens_mtw_walk-2"}  # not the failed
    for patient_id, rows in cohort.groupby("patient"):
        own = pd.read_csv(out / patient_id / "outcomes.csv")
        pd.testing.assert_frame_equal(
            rows.drop(columns="patient").reset_index(drop=True), own, check_dtype=False
        )
        assert own["task"].tolist()[0] == "flat"
    printed = capsys.readouterr().out
    assert "[3/3]" in printed and "bad_walk: failed after" in printed
    assert "3 patients: 2 ok (0 skipped, finished before), 1 failed" in printed
    assert f"outcomes {out / 'outcomes.csv'}" in printed
    assert "[gaittwin-predict]" not in printed  # each patient's output is in its log.txt

    # run again: the finished patients are skipped, the failed one is tried again
    done = [p for p in out.rglob("*") if p.is_file() and "bad_walk" not in p.parts]
    stamps = {p: p.stat().st_mtime_ns for p in done if p.parent != out}  # the batch's tables
    again = learn.predict_patients(patients, out, jobs=2, options=tiny_prediction_options())
    assert again["skipped"].tolist() == [True, True, False]
    assert again["status"].tolist() == ["ok", "ok", "failed"]
    assert again["wall_time_s"][:2].tolist() == table["wall_time_s"][:2].tolist()
    assert {p: p.stat().st_mtime_ns for p in stamps} == stamps
    assert "xsens_mtw_walk-2: skipped (finished before)" in capsys.readouterr().out

    # a patient folder made for another body fails rather than being reused
    other = learn.predict_patients(
        [walk, PatientRecording(walk, height_m=1.9)],
        out,
        jobs=1,
        options=tiny_prediction_options(),
        progress=False,
    )
    assert other["status"].tolist() == ["ok", "failed"]
    assert "patient folder" in other["error"][1] and "'height_m': 1.6" in other["error"][1]


def test_manifest_rows_and_relative_paths(tmp_path):
    manifest = tmp_path / "clinic" / "patients.csv"
    manifest.parent.mkdir()
    manifest.write_text(  # with the byte-order mark that Excel writes
        "\ufeffrecording, height_m, mass_kg, stiff_knee\n"
        "walks/p01,1.62,58,\n"
        "\n"
        "/data/p02,1.80,81.5,left\n"
    )
    assert learn.prediction.read_patient_manifest(manifest) == [
        PatientRecording(tmp_path / "clinic" / "walks" / "p01", height_m=1.62, mass_kg=58.0),
        PatientRecording(Path("/data/p02"), height_m=1.8, mass_kg=81.5, stiff_knee="left"),
    ]
    defaults = learn.PredictionSettings()  # the body of one patient's prediction
    stiff_knee = inspect.signature(learn.predict_patient).parameters["stiff_knee"].default
    assert PatientRecording("x") == PatientRecording(
        "x", defaults.height_m, defaults.mass_kg, stiff_knee
    )


@pytest.mark.parametrize(
    ("text", "match"),
    [
        (
            "recording,height_cm,mass_kg\nw,175,70\n",
            r"patients\.csv': expected the columns recording, height_m, mass_kg and optionally "
            r"stiff_knee, standing, mounting, found the unknown column 'height_cm'",
        ),
        ("recording,height_m\nw,1.7\n", r"patients\.csv': .*found no column 'mass_kg'"),
        ("recording,height_m,mass_kg\nw,1.7,70\nv,tall,70\n", r"line 3: height_m: expected a nu"),
        ("recording,height_m,mass_kg\nw,1.7,-70\n", r"line 2: mass_kg: expected a positive"),
        ("recording,height_m,mass_kg,stiff_knee\nw,1.7,70,up\n", r"line 2: stiff_knee: expected"),
        ("recording,height_m,mass_kg\n", r"expected at least one patient row, found none"),
        ("", r"patients\.csv': expected a header line, found an empty file"),
        (
            "recording,height_m,mass_kg\nw,1.7,70,x\n",
            r"line 2: expected 3 values \(one per column\), found 4",
        ),
    ],
)
def test_manifest_errors_name_the_file_line_and_column(tmp_path, text, match):
    manifest = tmp_path / "patients.csv"
    manifest.write_text(text)
    with pytest.raises(GaitTwinInputError, match=match):
        learn.prediction.read_patient_manifest(manifest)


@pytest.mark.parametrize(
    ("recordings", "jobs", "options", "match"),
    [
        ([], None, {"settings": SCRATCH}, r"recordings: expected at least one patient"),
        (["w"], 0, {"settings": SCRATCH}, r"jobs: expected a positive number, found 0"),
        (["w"], 2, {"settings": SCRATCH, "height_m": 1.7}, r"'height_m' is set per patient"),
        (["w"], 2, {"settings": SCRATCH, "budget": 1}, r"predict_patient, found 'budget'"),
        (["w"], 2, {}, r"atlas: expected an atlas folder, found none"),
    ],
)
def test_batch_refuses_bad_options_before_running(tmp_path, recordings, jobs, options, match):
    with pytest.raises(GaitTwinInputError, match=match):
        learn.predict_patients(recordings, tmp_path / "out", jobs=jobs, options=options)
    assert not (tmp_path / "out").exists()


def test_batch_cli(tmp_path, bad_walk, capsys):
    with pytest.raises(SystemExit) as exit_info:
        batch_main(["--help"])
    assert exit_info.value.code == 0
    help_text = capsys.readouterr().out
    for option in ("--jobs JOBS", "--manifest MANIFEST", "--allow-scratch", "--stiff-knee {le"):
        assert option in help_text
    out = tmp_path / "out"
    manifest = tmp_path / "patients.csv"
    manifest.write_text("recording,height_m,weight_kg\nw,1.7,70\n")
    assert batch_main(["--manifest", str(manifest), "--out", str(out), "--allow-scratch"]) == 2
    error = capsys.readouterr().err
    assert f"gaittwin-predict-batch: error: patient manifest '{manifest}'" in error
    assert "unknown column 'weight_kg'" in error and not out.exists()
    for argv, message in [
        (["--manifest", str(manifest), "--height-m", "1.6"], "--height-m: not with --manifest"),
        ([], "expected RECORDING arguments or --manifest CSV"),
    ]:
        with pytest.raises(SystemExit) as exit_info:
            batch_main([*argv, "--out", str(out), "--allow-scratch"])
        assert exit_info.value.code == 2 and message in capsys.readouterr().err
    # failing patients: each reported, the command finishes the others and exits with 1
    missing = tmp_path / "missing_walk"
    argv = [str(bad_walk), str(missing), "--out", str(out), "--allow-scratch", "--jobs", "1"]
    assert batch_main([*argv, "--height-m", "1.6", "--mass-kg", "60"]) == 1
    table = pd.read_csv(out / "patients.csv")
    assert table["patient"].tolist() == ["bad_walk", "missing_walk"]
    assert table["status"].tolist() == ["failed", "failed"]
    assert "no such file" in table["error"][1]
    assert "2 patients: 0 ok (0 skipped, finished before), 2 failed" in capsys.readouterr().out
    assert '"height_m": 1.6' in (out / "bad_walk" / "patient.json").read_text()
