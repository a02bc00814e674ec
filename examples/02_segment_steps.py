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
        help="folder of Xsens MTw .txt exports (default: the bundled walk)",
    )
    parser.add_argument("--out", type=Path, default=Path("out/example02"), help="output folder")
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

    recording = imu.read_xsens_mtw(args.recording)
    calibration = imu.calibrate(recording)
    angles = imu.joint_angles(recording, calibration=calibration)
    fs = angles.sampling_rate_hz
    pelvis = calibration.apply(recording)[:, calibration.segments.index("pelvis")]
    heading = imu.pelvis_angles_world(pelvis)[:, 0]
    print(f"read {args.recording}: {recording.duration_s:.1f} s at {fs:g} Hz")

    turning = gait.turning_mask(heading, sampling_rate_hz=fs)
    steady = None
    for side in gait.SIDES:
        seg = gait.segment_cycles(
            angles[f"hip_flexion_{side}"],
            sampling_rate_hz=fs,
            include=~turning,
            include_reason="turning",
        )
        steady = seg.steady if steady is None else steady & seg.steady
        print(
            f"hip_flexion_{side}: stride frequency {seg.frequency_hz:.3f} Hz "
            f"({seg.period_s:.2f} s), {len(seg.kept)} of {len(seg.cycles)} cycles kept"
        )
        for dropped in seg.dropped:
            print(f"  dropped {dropped.start_s:6.2f}-{dropped.end_s:6.2f} s: {dropped.reason}")

    events = gait.events_from_leg_angles(angles)
    contacts = gait.contacts_from_events(events)
    root = gait.root_path_from_stance(
        angles,
        contacts,
        height_m=args.height_m,
        heading_rad=heading,
        walkway_distance_m=args.walkway_m,
    )
    params = gait.gait_parameters(events, root_position_m=root, angles=angles, include=steady)
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
    print(f"wrote {table}, {cycles_png} and {params_png}")


if __name__ == "__main__":
    main()
