"""Per-patient ``standing`` and ``mounting`` in the patient manifest and the batch."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
from tiny_budgets import tiny_prediction_options

import imu
import learn
from imu import GaitTwinInputError
from learn import PatientRecording
from learn.prediction import given_calibration, read_patient_manifest


def test_manifest_calibration_columns_are_optional_paths_beside_the_manifest(tmp_path):
    manifest = tmp_path / "clinic" / "patients.csv"
    manifest.parent.mkdir()
    manifest.write_text(
        "recording,height_m,mass_kg,standing,mounting\n"
        "walks/p01,1.62,58,walks/p01_standing,\n"
        "walks/p02,1.80,81.5,,/suits/s3.json\n"
        "walks/p03,1.70,70,,\n"
    )
    walks = tmp_path / "clinic" / "walks"
    assert read_patient_manifest(manifest) == [
        PatientRecording(walks / "p01", 1.62, 58.0, standing=walks / "p01_standing"),
        PatientRecording(walks / "p02", 1.8, 81.5, mounting=Path("/suits/s3.json")),
        PatientRecording(walks / "p03", 1.7, 70.0),
    ]


def test_manifest_row_with_standing_and_mounting_names_file_line_and_columns(tmp_path):
    manifest = tmp_path / "patients.csv"
    manifest.write_text(
        "recording,height_m,mass_kg,mounting,standing\nw1,1.7,70,,\nw2,1.7,70,m.json,s\n"
    )
    with pytest.raises(
        GaitTwinInputError,
        match=r"patient manifest '.*patients\.csv', line 3: standing, mounting: expected at "
        r"most one .*, found both: '.*s' and '.*m\.json'",
    ):
        read_patient_manifest(manifest)
    with pytest.raises(GaitTwinInputError, match=r"^standing, mounting: expected at most one"):
        PatientRecording("w", standing="s", mounting="m.json")


def test_given_calibration_reads_the_mounting_or_calibrates_with_the_standing(takes, tmp_path):
    standing, walk = takes
    assert given_calibration(PatientRecording(walk)) is None
    from_standing = given_calibration(PatientRecording(walk, standing=standing))
    mounting = imu.write_calibration(from_standing, tmp_path / "mounting.json")
    from_mounting = given_calibration(PatientRecording(walk, mounting=mounting))
    assert from_mounting.segments == from_standing.segments
    assert from_standing.metadata["standing_path"] == str(standing)
    np.testing.assert_allclose(
        from_mounting.sensor_to_segment, from_standing.sensor_to_segment, atol=1e-9
    )


def test_batch_calibrates_each_patient_from_its_own_columns(takes, tmp_path):
    """The walk without standing runs with its standing recording, fails without it."""
    standing, walk = takes
    clinic = tmp_path / "clinic"
    clinic.mkdir()
    for path in (standing, walk):
        shutil.copy(path, clinic / path.name)
    (clinic / "bad_mounting.json").write_text('{"sensor_to_segment": {}}')
    manifest = clinic / "patients.csv"
    manifest.write_text(
        "recording,height_m,mass_kg,standing,mounting\n"
        "walk.csv,1.75,70,standing.csv,\n"
        "walk.csv,1.75,70,,\n"
        "walk.csv,1.75,70,,bad_mounting.json\n"
    )
    out = tmp_path / "out"
    table = learn.predict_patients(
        read_patient_manifest(manifest),
        out,
        jobs=1,
        options=tiny_prediction_options(),
        progress=False,
    )
    assert table["status"].tolist() == ["ok", "failed", "failed"]
    assert "expected a standing window" in table["error"][1]
    assert "bad_mounting.json': unknown key 'sensor_to_segment'" in table["error"][2]
    request = json.loads((out / "walk" / "patient.json").read_text())
    assert request["standing"] == str(clinic / "standing.csv") and request["mounting"] is None
    # the folder is for that calibration: another standing file is not served its outputs
    other = learn.predict_patients(
        [PatientRecording(clinic / "walk.csv", standing=clinic / "walk.csv")],
        out,
        jobs=1,
        options=tiny_prediction_options(),
        progress=False,
    )
    assert other["status"].tolist() == ["failed"] and "patient folder" in other["error"][0]


def test_a_shared_calibration_does_not_override_a_patients_own(takes, tmp_path):
    standing, walk = takes
    mounting = imu.Calibration(segments=("pelvis",), sensor_to_segment=np.array([[0, 0, 0, 1.0]]))
    options = {**tiny_prediction_options(), "calibration": mounting}
    patients = [PatientRecording(walk, standing=standing)]
    with pytest.raises(GaitTwinInputError, match=r"expected one calibration, found its own"):
        learn.predict_patients(patients, tmp_path, options=options)
    assert not (tmp_path / "patients.csv").exists()
