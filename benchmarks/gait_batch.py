"""Throughput of CMU re-processing: ASF/AMC -> Motion -> whole-step clip -> library.

Prints takes per second for :func:`gait.process_cmu` on the bundled CMU takes (13 straight
walks, ``tests/data/cmu``) on one core (in this process) and on all cores (a process pool, its
start-up included), each into a fresh library, best of ``--repeats`` runs. Goal: the 13 takes in
under 5 s. Also prints where one take's time goes (read, convert, cut and save).

Run: ``.venv/bin/python benchmarks/gait_batch.py [--repeats R] [--tree DIR]``.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

import gait

BUNDLED = Path(__file__).resolve().parents[1] / "tests" / "data" / "cmu"


def batch_time_s(tree: Path, workers: int, repeats: int) -> tuple[float, int]:
    """Best wall time of a full batch into a fresh library, s, and the number of clips made."""
    best, clips = float("inf"), 0
    for _ in range(repeats):
        with tempfile.TemporaryDirectory() as library:
            start = time.perf_counter()
            summary = gait.process_cmu(tree, library, workers=workers, progress=False)
            best = min(best, time.perf_counter() - start)
            clips = summary.n_processed
    return best, clips


def stage_times_s(tree: Path) -> dict[str, float]:
    """Time of each stage for the first take of the tree, s."""
    trial, (asf, amc) = next(iter(gait.find_cmu_takes(tree).items()))
    times = {}
    start = time.perf_counter()
    take = gait.read_amc(amc, gait.read_asf(asf))
    times[f"read ASF/AMC ({trial}, {take.n_frames} frames)"] = time.perf_counter() - start
    start = time.perf_counter()
    motion = gait.motion_from_mocap(take)
    times["FK, frames, JCS angles, contacts"] = time.perf_counter() - start
    start = time.perf_counter()
    clip, _ = gait.cut_walk(motion)
    with tempfile.TemporaryDirectory() as folder:
        clip.save(Path(folder) / "clip.npz")
    times["cut to steps, segment, save"] = time.perf_counter() - start
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tree", type=Path, default=BUNDLED, help="CMU folder tree")
    parser.add_argument("--repeats", type=int, default=3, help="runs per setting (best kept)")
    args = parser.parse_args()
    cores = os.cpu_count() or 1
    for label, seconds in stage_times_s(args.tree).items():
        print(f"{label:45s} {1000 * seconds:8.1f} ms")
    print(f"{'setting':28s} {'takes':>6s} {'time (s)':>9s} {'takes/s':>8s}")
    for label, workers in (
        ("single core (in process)", 1),
        (f"all cores ({cores} processes)", cores),
    ):
        seconds, clips = batch_time_s(args.tree, workers, args.repeats)
        print(f"{label:28s} {clips:6d} {seconds:9.2f} {clips / seconds:8.1f}")
    print("goal: the 13 bundled takes in under 5 s")


if __name__ == "__main__":
    main()
