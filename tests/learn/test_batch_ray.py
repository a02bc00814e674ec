"""Many patients on a real Ray head on the loopback address: the local jobs' table and outcomes.

The head is a ``ray start --head --block`` process of this test module, with token
authentication (a token of its own, not the user's ``~/.ray``) and its own temporary folder; the
finaliser ends it (the process group it started) and deletes the folder.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
from tiny_budgets import tiny_prediction_options

import imu
import learn
from imu import GaitTwinInputError
from learn import PatientRecording
from learn.cli import batch_main

#: Seconds the head may take to start on two busy cores.
HEAD_START_TIMEOUT_S = 120.0


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def ray_head() -> Iterator[str]:
    """Start a Ray head with 2 CPUs on 127.0.0.1; yield its address; stop it afterwards.

    This process, the driver, gets the head's token through ``RAY_AUTH_MODE`` and
    ``RAY_AUTH_TOKEN_PATH``, which Ray reads once per process: its cached authentication state is
    reset with Ray's own test helper after they are set, and again after they are removed.
    """
    pytest.importorskip("ray")
    from ray._private.authentication_test_utils import reset_auth_token_state

    folder = Path(tempfile.mkdtemp(prefix="ray"))  # short: Ray's socket paths must fit 107 bytes
    token = folder / "token"
    token.write_text(secrets.token_hex(32))
    auth = {"RAY_AUTH_MODE": "token", "RAY_AUTH_TOKEN_PATH": str(token)}
    port = _free_port()
    log_path = folder / "head.log"
    with open(log_path, "w") as log:
        head = subprocess.Popen(
            [
                str(Path(sys.executable).with_name("ray")),
                "start",
                "--head",
                "--block",
                "--node-ip-address=127.0.0.1",
                f"--port={port}",
                "--num-cpus=2",
                "--include-dashboard=false",
                "--disable-usage-stats",
                f"--temp-dir={folder / 'tmp'}",
            ],
            env={**os.environ, **auth},
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group, ended as a whole below
        )
    try:
        deadline = time.monotonic() + HEAD_START_TIMEOUT_S
        while "Ray runtime started" not in log_path.read_text():
            if head.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"the Ray head did not start:\n{log_path.read_text()[-2000:]}")
            time.sleep(0.5)
        with pytest.MonkeyPatch.context() as environment:
            for name, value in auth.items():
                environment.setenv(name, value)
            reset_auth_token_state()
            yield f"127.0.0.1:{port}"
        reset_auth_token_state()
    finally:
        head.terminate()  # `ray start --block` stops the processes it started
        try:
            head.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(head.pid, signal.SIGKILL)
            head.wait()
        shutil.rmtree(folder, ignore_errors=True)


def _outcomes(folder: Path) -> dict[str, dict]:
    """Return a patient folder's saved results (baseline and per level), without media paths."""
    saved = {}
    for path in [folder / "baseline.json", *sorted((folder / "outcomes").glob("*.json"))]:
        record = json.loads(path.read_text())
        record.pop("media", None)
        saved[path.name] = record
    return saved


def test_ray_batch_equals_the_local_batch(ray_head, data_dir, tmp_path, capsys):
    """Two tiny patients and one whose recording is missing: same rows, same numbers."""
    walk = data_dir / "xsens_mtw_walk"
    patients = [
        PatientRecording(walk, height_m=1.6),
        PatientRecording(walk, mass_kg=80.0),
        PatientRecording(tmp_path / "no_walk"),
    ]
    options = tiny_prediction_options()
    local = learn.predict_patients(patients, tmp_path / "local", jobs=1, options=options)
    capsys.readouterr()
    on_ray = learn.predict_patients(
        patients, tmp_path / "ray", ray_address=ray_head, options=options
    )
    printed = capsys.readouterr()
    assert f"on the Ray cluster at {ray_head} (1 CPU(s) per patient)" in printed.out
    assert "patients: 100%" in printed.err and "3/3 [" in printed.err  # the patients' bar
    same = ["patient", "recording", "status", "prediction", "skipped"]
    assert on_ray[same].equals(local[same])
    assert on_ray["status"].tolist() == ["ok", "ok", "failed"]
    assert on_ray["error"][2] == local["error"][2] and "no_walk" in on_ray["error"][2]
    for patient in on_ray["patient"][:2]:
        assert _outcomes(tmp_path / "ray" / patient) == _outcomes(tmp_path / "local" / patient)
        log = (tmp_path / "ray" / patient / "log.txt").read_text()
        assert "[gaittwin-predict] report:" in log
    one, other = (_outcomes(tmp_path / "ray" / p) for p in on_ray["patient"][:2])
    assert one != other  # the bodies differ, and so do the outcomes compared
    saved = pd.read_csv(tmp_path / "ray" / "patients.csv", keep_default_na=False)
    assert saved.columns.tolist() == local.columns.tolist()
    assert saved["status"].tolist() == ["ok", "ok", "failed"]

    # run again: the finished patients are skipped, the failed one runs again on the cluster
    again = learn.predict_patients(
        patients, tmp_path / "ray", ray_address=ray_head, options=options, progress=False
    )
    assert again["skipped"].tolist() == [True, True, False]
    assert again["status"].tolist() == ["ok", "ok", "failed"]


def test_ray_batch_command(ray_head, tmp_path, capsys):
    """--ray-address runs the patients there; failures give exit status 1 as local jobs do."""
    missing = tmp_path / "missing_walk"
    argv = [str(missing), "--out", str(tmp_path / "out"), "--allow-scratch", "--height-m", "1.7"]
    assert batch_main([*argv, "--mass-kg", "60", "--ray-address", ray_head]) == 1
    table = pd.read_csv(tmp_path / "out" / "patients.csv")
    assert table["status"].tolist() == ["failed"] and "no such file" in table["error"][0]
    assert f"on the Ray cluster at {ray_head}" in capsys.readouterr().out


def test_without_ray_the_extra_is_named(monkeypatch, tmp_path, capsys):
    monkeypatch.setitem(sys.modules, "ray", None)  # `import ray` fails as when not installed
    with pytest.raises(GaitTwinInputError, match=r"pip install 'gaittwin\[cluster\]'"):
        imu.run_ray_jobs(int, {"a": ("1",)}, address="auto")
    argv = ["walk", "--out", str(tmp_path / "out"), "--allow-scratch", "--height-m", "1.7"]
    assert batch_main([*argv, "--mass-kg", "60", "--ray-address", "auto"]) == 2
    error = capsys.readouterr().err.strip().splitlines()
    assert error == [
        "gaittwin-predict-batch: error: ray_address='auto': expected the 'ray' package for "
        "cluster runs, found it not installed (pip install 'gaittwin[cluster]'), or leave "
        "ray_address unset for local processes"
    ]
    assert not (tmp_path / "out" / "patients.csv").exists()


def test_jobs_and_ray_address_exclude_each_other(tmp_path, capsys):
    argv = ["walk", "--out", str(tmp_path / "out"), "--allow-scratch", "--jobs", "2"]
    with pytest.raises(SystemExit) as exit_info:
        batch_main([*argv, "--ray-address", "auto"])
    assert exit_info.value.code == 2
    assert "argument --ray-address: not allowed with argument --jobs" in capsys.readouterr().err


def test_ray_needs_the_environment_processes_of_each_patient(tmp_path):
    options = tiny_prediction_options()
    options["settings"] = learn.PredictionSettings(allow_scratch=True, n_envs=None)
    with pytest.raises(GaitTwinInputError, match=r"settings.n_envs: expected the environment"):
        learn.predict_patients(["walk"], tmp_path, ray_address="auto", options=options)
    with pytest.raises(GaitTwinInputError, match=r"jobs=2, ray_address='auto': expected at most"):
        learn.predict_patients(["walk"], tmp_path, jobs=2, ray_address="auto", options=options)
