"""Batch re-processing of a CMU ASF/AMC tree into a clip library, and its command line.

One call, :func:`process_cmu`, walks a folder tree, converts every selected take
(:func:`gait.read_asf`, :func:`gait.read_amc`, :func:`gait.motion_from_mocap`), cuts it to whole
steps (:func:`gait.cut_walk`, or any function passed as ``segment``) and adds it to a library
(:mod:`gait._library`). Takes run in parallel over local cores (``ProcessPoolExecutor``) or on a
Ray cluster. Finished takes (clip file present and listed in the manifest) are skipped, so an
interrupted batch resumes where it stopped. A take that fails is recorded in ``failures.csv``
and the batch goes on.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import re
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from gait._asf_amc import read_amc, read_asf
from gait._library import (
    clip_path,
    cut_walk,
    manifest_row,
    read_manifest,
    write_manifest_rows,
)
from gait._mocap_motion import motion_from_mocap
from gait._motion import Motion
from gait._plots import _save
from imu import (
    GaitTwinInputError,
    command_parser,
    configure_logging,
    progress_bar,
    run_jobs,
    run_ray_jobs,
    write_text_atomic,
)

#: A segmentation step: walk -> (clip with the manifest values in its metadata, values).
Segmenter = Callable[[Motion], tuple[Motion, dict]]

FAILURES_NAME = "failures.csv"
SUMMARY_NAME = "summary.json"
SCATTER_NAME = "step_length_vs_speed.png"

logger = logging.getLogger(__name__)

_AMC_NAME = re.compile(r"^(?P<subject>[^_]+)_(?P<trial>[^_.]+)\.amc$", re.IGNORECASE)


@dataclass(frozen=True)
class BatchSummary:
    """What :func:`process_cmu` did.

    Parameters
    ----------
    n_found
        Takes (AMC files) found in the tree, counting each copy of a repeated trial name.
    n_selected
        Takes selected by the trial list (all found when no list was given).
    n_processed
        Takes converted and added in this run.
    n_skipped
        Takes skipped because they were finished in an earlier run.
    n_failed
        Takes (or listed trials) that failed in this run.
    elapsed_s
        Wall time of the run, s.
    failures
        One row per failure: ``trial``, ``file``, ``error``.
    manifest
        The library's manifest after the run.

    """

    n_found: int
    n_selected: int
    n_processed: int
    n_skipped: int
    n_failed: int
    elapsed_s: float
    failures: pd.DataFrame
    manifest: pd.DataFrame

    def to_dict(self) -> dict:
        """Return the counts, the time and the failures as plain Python values."""
        return {
            "n_found": self.n_found,
            "n_selected": self.n_selected,
            "n_processed": self.n_processed,
            "n_skipped": self.n_skipped,
            "n_failed": self.n_failed,
            "n_clips_in_library": len(self.manifest),
            "elapsed_s": self.elapsed_s,
            "failures": self.failures.to_dict(orient="records"),
        }


def find_cmu_takes(tree: str | os.PathLike) -> dict[str, tuple[Path, Path]]:
    """Return ``{trial: (asf, amc)}`` for every ``<subject>_<trial>.amc`` under ``tree``.

    The skeleton of ``07_01.amc`` is ``07.asf`` in the same folder (CMU layout). A missing
    skeleton is not checked here; reading the take reports it.

    Raises
    ------
    GaitTwinInputError
        If ``tree`` is not a folder, or a trial name is found in more than one folder (clip ids
        are trial names, so one would overwrite the other), naming the files.

    """
    takes, duplicates = _scan_cmu_tree(tree)
    if duplicates:
        raise GaitTwinInputError(_duplicate_message(*next(iter(duplicates.items()))))
    return takes


def _scan_cmu_tree(
    tree: str | os.PathLike,
) -> tuple[dict[str, tuple[Path, Path]], dict[str, list[Path]]]:
    """Return the takes whose trial name is unique and ``{trial: amc files}`` for the others."""
    root = Path(tree)
    if not root.is_dir():
        raise GaitTwinInputError(f"CMU tree {str(root)!r}: expected a folder, found none")
    found: dict[str, list[Path]] = {}
    for amc in sorted(root.rglob("*.amc")):
        if _AMC_NAME.match(amc.name):
            found.setdefault(amc.stem, []).append(amc)
    takes = {
        trial: (amcs[0].with_name(f"{_AMC_NAME.match(amcs[0].name)['subject']}.asf"), amcs[0])
        for trial, amcs in found.items()
        if len(amcs) == 1
    }
    return takes, {trial: amcs for trial, amcs in found.items() if len(amcs) > 1}


def _duplicate_message(trial: str, amcs: list[Path]) -> str:
    return (
        f"trial {trial!r}: expected one take per trial name (the clip id), found "
        f"{len(amcs)}: {', '.join(str(a) for a in amcs)}; rename or remove all but one"
    )


def convert_take(
    asf: Path, amc: Path, library_dir: Path, segment: Segmenter, sampling_rate_hz: float
) -> dict:
    """Convert one take, save its clip and return its manifest row (runs in a worker).

    Raises
    ------
    GaitTwinInputError
        If the skeleton file is missing or a file is malformed (from the readers).

    """
    if not asf.exists():
        raise GaitTwinInputError(
            f"amc file {str(amc)!r}: expected its skeleton {str(asf)!r}, found none"
        )
    take = read_amc(amc, read_asf(asf), sampling_rate_hz=sampling_rate_hz)
    clip, _ = segment(motion_from_mocap(take))
    clip_id = take.metadata["trial"]
    clip.save(clip_path(library_dir, clip_id))
    return manifest_row(clip_id, clip)


def _finished(library_dir: Path, manifest: pd.DataFrame) -> set[str]:
    """Trials whose manifest row and clip file both exist."""
    return {
        str(clip_id)
        for clip_id in manifest["clip_id"]
        if clip_path(library_dir, str(clip_id)).exists()
    }


def process_cmu(
    tree: str | os.PathLike,
    library_dir: str | os.PathLike,
    *,
    trials: Iterable[str] | None = None,
    workers: int | None = None,
    ray_address: str | None = None,
    segment: Segmenter = cut_walk,
    sampling_rate_hz: float = 120.0,
    progress: bool = True,
) -> BatchSummary:
    """Convert a tree of CMU ASF/AMC takes into a clip library.

    Parameters
    ----------
    tree
        Folder searched recursively for ``<subject>_<trial>.amc`` files, each beside its
        ``<subject>.asf``.
    library_dir
        Library folder: ``manifest.csv``, ``clips/``, ``failures.csv``, ``summary.json`` and
        the scatter ``step_length_vs_speed.png`` are written there (atomically).
    trials
        Trial names to process (e.g. the walking takes, ``["07_01", "16_15"]``); all when
        ``None``. A listed trial with no file in the tree is recorded as a failure, and so is
        a trial name found in more than one folder (none of its copies is processed).
    workers
        Local processes; ``None`` uses every core (``os.cpu_count()``), ``1`` runs in this
        process.
    ray_address
        Run the takes as Ray tasks on this cluster (``"host:port"`` of its head, or ``"auto"``
        for the one this machine has joined) instead of local processes
        (:func:`imu.run_ray_jobs`, one CPU per take). Needs the ``cluster`` extra, and the tree
        and library folders at the same paths on every node.
    segment
        The segmentation step applied to each converted walk; it returns the clip (metadata with
        the manifest values) and those values. Must be picklable for local processes (a
        module-level function).
    sampling_rate_hz
        Frame rate of the AMC files, Hz.
    progress
        Show a progress bar of the takes with the time left (:func:`imu.progress_bar`).

    Returns
    -------
    BatchSummary
        Counts, failures and the manifest; also written to ``summary.json``.

    Raises
    ------
    GaitTwinInputError
        If ``tree`` is not a folder, ``workers`` is not positive, or ``ray_address`` is given
        and Ray is not installed or no cluster answers there.

    """
    start = time.perf_counter()
    if workers is not None and workers < 1:
        raise GaitTwinInputError(f"workers: expected a positive number, found {workers}")
    library = Path(library_dir)
    found, duplicates = _scan_cmu_tree(tree)
    wanted = [*found, *duplicates] if trials is None else list(dict.fromkeys(trials))
    failures = [
        {"trial": t, "file": str(Path(tree)), "error": "listed trial: no .amc file in the tree"}
        if t not in duplicates
        else {
            "trial": t,
            "file": str(duplicates[t][0]),
            "error": _duplicate_message(t, duplicates[t]),
        }
        for t in wanted
        if t not in found
    ]
    selected = [t for t in wanted if t in found]
    manifest = read_manifest(library)
    done = _finished(library, manifest)
    todo = [t for t in selected if t not in done]
    # absolute paths: a Ray worker's current folder is not this process's
    jobs = {
        t: (*(path.absolute() for path in found[t]), library.absolute(), segment, sampling_rate_hz)
        for t in todo
    }
    rows: list[dict] = []
    n_processed = 0
    bar = progress_bar(total=len(todo), desc="CMU takes", unit="take", logger=logger, show=progress)
    last_flush = time.monotonic()
    for job in _run(jobs, workers=workers, ray_address=ray_address):
        bar.update()
        if job.error is None:
            rows.append(job.value)
            n_processed += 1
        else:
            failures.append({"trial": job.key, "file": str(found[job.key][1]), "error": job.error})
        if rows and time.monotonic() - last_flush > 2.0:
            manifest, rows, last_flush = write_manifest_rows(library, rows), [], time.monotonic()
    bar.close()
    if rows or not (library / "manifest.csv").exists():
        manifest = write_manifest_rows(library, rows)
    table = pd.DataFrame(failures, columns=["trial", "file", "error"])
    write_text_atomic(library / FAILURES_NAME, table.to_csv(index=False))
    summary = BatchSummary(
        n_found=len(found) + sum(len(amcs) for amcs in duplicates.values()),
        n_selected=len(wanted),
        n_processed=n_processed,
        n_skipped=len(selected) - len(todo),
        n_failed=len(failures),
        elapsed_s=time.perf_counter() - start,
        failures=table,
        manifest=manifest,
    )
    write_text_atomic(library / SUMMARY_NAME, json.dumps(summary.to_dict(), indent=2))
    if len(manifest):
        plot_step_length_vs_speed(manifest, path=library / SCATTER_NAME)
    return summary


def _run(jobs: dict[str, tuple], *, workers: int | None, ray_address: str | None):
    """Yield a :class:`imu.JobResult` per take as the jobs finish, locally or on Ray."""
    if ray_address is not None:
        return run_ray_jobs(convert_take, jobs, address=ray_address)
    return run_jobs(convert_take, jobs, workers=workers)


def plot_step_length_vs_speed(manifest: pd.DataFrame, *, path: str | os.PathLike | None = None):
    """Scatter of step length against walking speed, one point per clip (paper Figure 2e).

    Parameters
    ----------
    manifest
        From :func:`gait.read_manifest`.
    path
        If given, the figure is saved there (format by suffix), atomically.

    Returns
    -------
    matplotlib.figure.Figure
        The figure; points coloured by subject.

    """
    fig = Figure(figsize=(5, 4))
    ax = fig.add_subplot()
    for subject, rows in manifest.groupby("subject"):
        ax.scatter(rows["speed_m_s"], rows["step_length_m"], s=18, label=f"subject {subject}")
    speed = manifest["speed_m_s"].to_numpy(float)
    length = manifest["step_length_m"].to_numpy(float)
    ok = np.isfinite(speed) & np.isfinite(length)
    if ok.sum() >= 2:
        slope, intercept = np.polyfit(speed[ok], length[ok], 1)
        grid = np.linspace(speed[ok].min(), speed[ok].max(), 2)
        ax.plot(grid, slope * grid + intercept, "k--", lw=1, label="linear fit")
    ax.set_xlabel("walking speed (m/s)")
    ax.set_ylabel("step length (m)")
    ax.set_title(f"clip library: {len(manifest)} clips")
    ax.legend(fontsize=7)
    fig.tight_layout()
    _save(fig, path)
    return fig


def _read_trials_file(path: Path) -> list[str]:
    """Return the lines of a ``--trials-file``; a missing or unreadable file is a user error."""
    try:
        return path.read_text().splitlines()
    except (OSError, UnicodeDecodeError) as error:
        raise GaitTwinInputError(
            f"--trials-file {str(path)!r}: expected a text file of trial names, found {error}"
        ) from error


def _parser() -> argparse.ArgumentParser:
    parser = command_parser(
        "gaittwin-cmu-batch",
        description="Convert a tree of CMU ASF/AMC takes into a gaittwin clip library "
        "(resumable; failures are reported, not fatal).",
    )
    parser.add_argument(
        "tree", type=Path, help="folder with <subject>.asf and <subject>_<trial>.amc"
    )
    parser.add_argument("library", type=Path, help="library folder to create or extend")
    parser.add_argument(
        "--trials", nargs="+", metavar="TRIAL", help="only these trials (07_01 ...)"
    )
    parser.add_argument(
        "--trials-file", type=Path, help="file with one trial name per line (e.g. walking takes)"
    )
    parser.add_argument("--workers", type=int, help="local processes (default: all cores)")
    parser.add_argument(
        "--ray-address",
        help="run the takes on this Ray cluster, host:port of its head or 'auto' "
        "(needs the 'cluster' extra; docs/cluster.md)",
    )
    parser.add_argument(
        "--no-progress", action="store_true", help="hide the progress bar (as -q does)"
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``gaittwin-cmu-batch`` command; return the exit status.

    0 when every take was converted, 1 if any take failed (the others are in the library), 2
    with one line on stderr for a user error (no such tree, unreadable ``--trials-file``,
    bad ``--workers``): nothing is run.
    """
    args = _parser().parse_args(argv)
    configure_logging(args, "gaittwin-cmu-batch")
    trials = list(args.trials or [])
    try:
        if args.trials_file is not None:
            lines = _read_trials_file(args.trials_file)
            trials += [line.strip() for line in lines if line.strip() and not line.startswith("#")]
        summary = process_cmu(
            args.tree,
            args.library,
            trials=trials or None,
            workers=args.workers,
            ray_address=args.ray_address,
            progress=not (args.no_progress or args.quiet),
        )
    except GaitTwinInputError as error:
        logger.error("%s", error)
        return 2
    print(
        f"{summary.n_found} takes found, {summary.n_selected} selected: "
        f"{summary.n_processed} processed, {summary.n_skipped} skipped (done before), "
        f"{summary.n_failed} failed in {summary.elapsed_s:.1f} s; "
        f"library {args.library} holds {len(summary.manifest)} clips"
    )
    for failure in summary.failures.itertuples():
        print(f"  failed {failure.trial}: {failure.error}")
    return 1 if summary.n_failed else 0
