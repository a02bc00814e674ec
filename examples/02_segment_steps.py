"""Example 2: a wearable-IMU walk -> steady-walking cycles, gait events, parameters and figures.

Runs on the bundled Xsens MTw walk (OpenSim's OpenSense example, MIT): about 5 s of quiet
standing, then level walking around a loop with turns. The standing and the turns are left out;
the steady strides are cut by spectral-peak segmentation of hip flexion, heel strikes and toe
offs come from the shank angles, the pelvis path from the stance leg (body height assumed,
``--height-m``). Prints what it found and writes a step table and two figures to ``--out``.

    python examples/02_segment_steps.py --out out/example02
"""

from __future__ import annotations

import argparse
from pathlib import Path

import gait
import imu

ROOT = Path(__file__).resolve().parents[1]
BUNDLED = ROOT / "tests" / "data" / "xsens_mtw_walk"
WINTER = ROOT / "tests" / "data" / "normative" / "Winter_normal.csv"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "recording",
        nargs="?",
        type=Path,
        default=BUNDLED,
        help="a recording imu.read_recording reads (default: the bundled Xsens walk)",
    )
    parser.add_argument("--out", type=Path, default=Path("out/example02"), help="output folder")
    imu.add_recording_options(parser)
    parser.add_argument(
        "--height-m", type=float, default=1.75, help="body height for the leg lengths, m"
    )
    parser.add_argument(
        "--walkway-m",
        type=float,
        default=None,
        help="known walked distance to rescale the pelvis path, m (e.g. 20)",
    )
    args = parser.parse_args(argv)

    recording = imu.read_recording(args.recording, **imu.recording_options(args))
    walk = gait.analyse_imu_walk(
        recording, height_m=args.height_m, walkway_distance_m=args.walkway_m
    )
    angles, params = walk.motion.joint_angles, walk.parameters
    print(
        f"read {args.recording}: {recording.duration_s:.1f} s at {recording.sampling_rate_hz:g} Hz"
    )
    for side, seg in walk.segmentations.items():
        print(
            f"hip_flexion_{side}: stride frequency {seg.frequency_hz:.3f} Hz "
            f"({seg.period_s:.2f} s), {len(seg.kept)} of {len(seg.cycles)} cycles kept"
        )
        for dropped in seg.dropped:
            print(f"  dropped {dropped.start_s:6.2f}-{dropped.end_s:6.2f} s: {dropped.reason}")
    s = params.summary
    print(
        f"steady walking: {len(params.steps)} steps, {len(params.strides)} strides; "
        f"cadence {s['cadence_steps_per_min']:.0f} steps/min, speed {s['speed_m_s']:.2f} m/s, "
        f"step length {s['step_length_m']:.2f} m, stance {s['stance_percent']:.0f} %, "
        f"knee flexion range {s['knee_flexion_range_deg']:.0f} deg, step-time symmetry index "
        f"{s['symmetry_step_time_s_percent']:.1f} %"
    )

    args.out.mkdir(parents=True, exist_ok=True)
    table = args.out / "strides.csv"
    with imu.atomic_path(table) as tmp:
        params.strides.to_csv(tmp, index=False)
    normative = gait.read_winter_normative(WINTER)
    cycles_png = args.out / "gait_cycles.png"
    gait.plot_gait_cycles(
        angles,
        params.strides,
        normative=normative,
        path=cycles_png,
        title=f"{args.recording.name}: steady strides vs Winter's normal gait",
    )
    params_png = args.out / "stride_parameters.png"
    gait.plot_step_parameters(params, path=params_png, title="parameters per stride")
    clip = walk.steady_clip().save(args.out / "steady_clip.npz")
    print(f"wrote {table}, {cycles_png}, {params_png} and the steady clip {clip}")


if __name__ == "__main__":
    main()
