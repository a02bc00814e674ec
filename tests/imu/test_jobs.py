"""The shared local job runner of the batch commands: results, failures as text, wall times."""

from __future__ import annotations

import pytest

from imu._jobs import run_jobs


@pytest.mark.parametrize("workers", [1, 2])
def test_jobs_report_failures_as_text_and_go_on(workers):
    jobs = {"a": ("7",), "b": ("seven",), "c": ("0x1f", 16)}
    results = {job.key: job for job in run_jobs(int, jobs, workers=workers)}
    assert set(results) == set(jobs)
    assert (results["a"].value, results["a"].error) == (7, None)
    assert (results["c"].value, results["c"].error) == (31, None)
    assert results["b"].value is None
    assert results["b"].error == "ValueError: invalid literal for int() with base 10: 'seven'"
    assert all(job.wall_time_s >= 0.0 for job in results.values())
