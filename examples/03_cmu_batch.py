"""Example 3: a folder of CMU mocap takes -> a clip library with a manifest, summary and scatter.

Runs on the bundled CMU takes (``tests/data/cmu``: subjects 02, 07 and 16, 13 straight walks).
Each take is read (ASF/AMC), converted to a gaittwin ``Motion`` (JCS joint angles, root path,
foot contacts), cut to whole steps and saved in the library with its speed, step length and
cadence. Run it twice: the second run skips the finished takes.

    python examples/03_cmu_batch.py --out out/example03
"""

from __future__ import annotations

import argparse
from pathlib import Path

import gait

BUNDLED = Path(__file__).resolve().parents[1] / "tests" / "data" / "cmu"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "tree",
        nargs="?",
        type=Path,
        default=BUNDLED,
        help="folder tree with <subject>.asf and <subject>_<trial>.amc (default: bundled takes)",
    )
    parser.add_argument("--out", type=Path, default=Path("out/example03"), help="output folder")
    parser.add_argument("--trials", nargs="+", metavar="TRIAL", help="only these trials")
    parser.add_argument("--workers", type=int, help="local processes (default: all cores)")
    args = parser.parse_args(argv)

    library = args.out / "library"
    summary = gait.process_cmu(
        args.tree, library, trials=args.trials, workers=args.workers, progress=False
    )
    print(
        f"{args.tree}: {summary.n_found} takes found, {summary.n_selected} selected; "
        f"{summary.n_processed} processed, {summary.n_skipped} skipped (already in the "
        f"library), {summary.n_failed} failed, in {summary.elapsed_s:.2f} s"
    )
    for failure in summary.failures.itertuples():
        print(f"  failed {failure.trial}: {failure.error}")
    manifest = summary.manifest
    columns = ["clip_id", "speed_m_s", "step_length_m", "cadence_steps_min", "n_steps", "quality"]
    print(manifest[columns].round(3).to_string(index=False))

    target = {"speed_m_s": 1.3, "step_length_m": 0.7}
    best = gait.nearest_clip(manifest, **target)
    clip = gait.resample_clip(gait.load_clip(library, best["clip_id"]), **target)
    print(
        f"nearest clip to {target}: {best['clip_id']} (distance {best['distance']:.3f}); "
        f"resampled to {clip.n_frames} frames ({clip.time_s[-1]:.2f} s)"
    )
    print(
        f"wrote {library / 'manifest.csv'}, {library / 'summary.json'}, "
        f"{library / 'step_length_vs_speed.png'} and {len(manifest)} clips in {library / 'clips'}"
    )


if __name__ == "__main__":
    main()
