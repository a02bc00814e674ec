"""Example 1: a wearable-IMU walk -> calibrated JCS joint angles (CSV, OpenSim .mot, figure).

Runs on the bundled Xsens MTw walk (OpenSim's OpenSense example, MIT): about 5 s of quiet
standing, then level walking around a loop. Prints what it found and writes to ``--out``.

    python examples/01_imu_to_joint_angles.py --out out/example01

A take without standing is calibrated with ``--standing FILE`` (a recording of quiet standing with
the same sensors) or ``--mounting FILE`` (a calibration JSON, e.g. the ``calibration.json`` this
example writes for a take with standing); see ``docs/calibration.md``.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

import imu

BUNDLED = Path(__file__).resolve().parents[1] / "tests" / "data" / "xsens_mtw_walk"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "recording",
        nargs="?",
        type=Path,
        default=BUNDLED,
        help="folder of Xsens MTw .txt exports, a .calc file or a gaittwin IMU CSV "
        "(default: the bundled walk)",
    )
    parser.add_argument("--out", type=Path, default=Path("out/example01"), help="output folder")
    imu.add_recording_options(parser)
    parser.add_argument("--cutoff-hz", type=float, default=6.0, help="low-pass cutoff, Hz")
    without_standing = parser.add_mutually_exclusive_group()
    without_standing.add_argument(
        "--standing",
        type=Path,
        help="for a take without standing: a recording of quiet standing with the same sensors "
        "(docs/calibration.md)",
    )
    without_standing.add_argument(
        "--mounting",
        type=Path,
        help="for a take without standing: a calibration JSON (a known mounting, or the "
        "calibration.json this example wrote for another take of the session)",
    )
    args = parser.parse_args(argv)

    recording = imu.read_recording(args.recording, **imu.recording_options(args))
    print(
        f"read {args.recording}: {len(recording.segments)} sensors "
        f"({', '.join(recording.segments)}), {recording.duration_s:.1f} s at "
        f"{recording.sampling_rate_hz:g} Hz"
    )
    gaps = recording.metadata.get("gaps", [])
    print(f"gaps filled: {len(gaps)}")

    if args.mounting is not None:
        calibration = imu.read_calibration(args.mounting)
        print(f"calibration: the mounting in {args.mounting}")
    else:
        standing = None
        if args.standing is not None:
            standing = imu.read_recording(args.standing, **imu.recording_options(args))
        calibration = imu.calibrate(recording, standing=standing)
        start, stop = calibration.static_window_s
        print(
            f"standing window found at {start:.2f}-{stop:.2f} s of {args.standing or 'the take'} "
            f"(orientation spread {np.rad2deg(calibration.static_spread_rad):.2f} deg RMS)"
        )
    from_this_take = args.standing is None and args.mounting is None
    window = calibration.static_window_s if from_this_take else None  # standing in this take
    for key, value in calibration.metadata.items():
        if key.startswith("knee_axis_concentration"):
            print(f"{key}: {value:.2f} (1 = ideal hinge)")

    angles = imu.joint_angles(recording, calibration=calibration, cutoff_hz=args.cutoff_hz)
    walking = angles.time_s > (window[1] + 1.0 if window else -np.inf)
    print(f"{'angle':24s} {'p2 (deg)':>9s} {'p98 (deg)':>9s}")
    for name in angles.names:
        values = np.rad2deg(angles[name][walking])
        print(f"{name:24s} {np.percentile(values, 2):9.1f} {np.percentile(values, 98):9.1f}")

    args.out.mkdir(parents=True, exist_ok=True)
    csv = imu.write_joint_angles_csv(angles, args.out / "joint_angles.csv")
    mot = imu.write_mot(angles, args.out / "joint_angles.mot")
    saved = imu.write_calibration(calibration, args.out / "calibration.json")
    figure = args.out / "joint_angles.png"
    imu.plot_joint_angles(
        angles,
        path=figure,
        shade_s=window,
        title=f"{args.recording.name}: joint angles (grey: standing window)",
    )
    print(f"wrote {csv}, {mot}, {saved} and {figure}")


if __name__ == "__main__":
    main()
