"""Example 4: physics-based contact correction of a CMU walk and of the bundled IMU recording.

Two clips: a CMU mocap take (default: the bundled subject 07, trial 01) and the steady walking of
the bundled Xsens MTw recording (IMU joint angles, pelvis path rebuilt from the stance leg by
``gait.analyse_imu_walk``). For each, the avatar's height is fitted to the clip, and foot
penetration, floating, stance-foot sliding and vibration are removed with
:func:`sim.correct_contacts`. Prints each artefact before and after, and saves a figure and a
side-by-side video (recorded left, corrected right) per clip.

    python examples/04_contact_correction.py --out out/example04
"""

from __future__ import annotations

import argparse
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

import gait
import imu
import sim

DATA = Path(__file__).resolve().parents[1] / "tests" / "data"
BUNDLED = DATA / "cmu" / "07"


def _figure(result: sim.CorrectionResult, recorded: gait.Motion, path: Path) -> None:
    spec = sim.DEFAULT_MODEL
    body = sim.body_dimensions(result.motion.metadata["contact_correction"]["height_m"], 70.0)
    with sim.Simulation(spec, body=body, fixed_root=True) as world:
        before = sim.track_feet(world, recorded).clearance_m
        after = sim.track_feet(world, result.motion).clearance_m
    t = recorded.time_s
    figure, axes = plt.subplots(3, 1, figsize=(8.0, 8.0), sharex=True)
    for side, label in enumerate(("left", "right")):
        axes[0].plot(t, 100 * before[:, side], "--", label=f"{label} foot, recorded")
        axes[0].plot(t, 100 * after[:, side], label=f"{label} foot, corrected")
    axes[0].axhline(0.0, color="k", lw=0.8)
    axes[0].set_ylabel("foot-terrain distance (cm)")
    axes[0].legend(fontsize=7, ncol=2)
    axes[1].plot(t, recorded.root_position_m[:, 2], "--", label="recorded")
    axes[1].plot(t, result.motion.root_position_m[:, 2], label="corrected")
    axes[1].set_ylabel("pelvis height (m)")
    axes[1].legend(fontsize=7)
    for name in ("hip_flexion_r", "knee_flexion_r"):
        axes[2].plot(t, np.rad2deg(recorded.joint_angles[name]), "--", label=f"{name}, recorded")
        axes[2].plot(t, np.rad2deg(result.motion.joint_angles[name]), label=f"{name}, corrected")
    axes[2].set_ylabel("angle (deg)")
    axes[2].set_xlabel("time (s)")
    axes[2].legend(fontsize=7, ncol=2)
    summary = result.summary()
    axes[0].set_title(
        "penetration {:.1f} -> {:.1f} cm, floating frames {:.0f} -> {:.0f}, "
        "sliding {:.1f} -> {:.1f} cm/step".format(
            *summary.loc["max_penetration_cm"],
            *summary.loc["floating_frames"],
            *summary.loc["max_sliding_per_step_cm"],
        ),
        fontsize=9,
    )
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    plt.close(figure)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--asf", type=Path, default=BUNDLED / "07.asf", help="CMU skeleton")
    parser.add_argument("--amc", type=Path, default=BUNDLED / "07_01.amc", help="CMU take")
    parser.add_argument("--out", type=Path, default=Path("out/example04"), help="output folder")
    parser.add_argument("--max-frames", type=int, help="use only the first N frames")
    parser.add_argument("--video-fps", type=float, default=30.0, help="video frame rate, Hz")
    parser.add_argument("--width", type=int, default=320, help="video panel width, pixels")
    parser.add_argument("--height", type=int, default=240, help="video panel height, pixels")
    args = parser.parse_args(argv)

    clips = {
        "cmu_" + args.amc.stem: gait.motion_from_mocap(
            gait.read_amc(args.amc, gait.read_asf(args.asf))
        ),
        "xsens_walk": gait.analyse_imu_walk(
            imu.read_xsens_mtw(DATA / "xsens_mtw_walk")
        ).steady_clip(),
    }
    args.out.mkdir(parents=True, exist_ok=True)
    camera = sim.Camera(width=args.width, height=args.height)
    for name, motion in clips.items():
        if args.max_frames:
            motion = motion.slice_frames(0, min(args.max_frames, motion.n_frames))
        height = sim.fit_height_to_motion(motion)
        body = sim.body_dimensions(height, 70.0)
        print(
            f"{name}: {motion.n_frames} frames at {motion.sampling_rate_hz:.0f} Hz; "
            f"avatar height fitted to the clip: {height:.3f} m"
        )
        result = sim.correct_contacts(motion, body=body, progress=True)
        print(result.summary().round(2).to_string())
        figure = args.out / f"{name}_contact_correction.png"
        _figure(result, motion, figure)
        video = sim.render_motions(
            [motion, result.motion],
            args.out / f"{name}_before_after.mp4",
            body=body,
            camera=camera,
            fps=args.video_fps,
        )
        print(f"wrote {figure} and {video} (left: recorded, right: corrected)")


if __name__ == "__main__":
    main()
