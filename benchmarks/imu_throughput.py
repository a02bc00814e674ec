"""Throughput of the imu stage: quaternions -> JCS joint angles, and the ahrs orientation filters.

Prints frames per second for Earth-frame segment quaternions of the paper's five sensors (pelvis,
thighs, shanks) -> JCS joint angles, against a naive reference built on scipy ``Rotation`` in the
same run (goal: >= 1,000,000 frames/s on one core), and samples per second for each ahrs filter
through :func:`imu.estimate_orientation`, against calling ``ahrs`` directly.

Everything measured runs on one thread (numpy element-wise operations, scipy ``Rotation`` and
``sosfiltfilt``, the ahrs Python loops).

Run: ``.venv/bin/python benchmarks/imu_throughput.py [--frames N] [--repeats R]``.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable

import numpy as np
from ahrs.filters import EKF, Madgwick, Mahony
from scipy.spatial.transform import Rotation

import imu

SENSORS = imu.PAPER_SEGMENTS
FILTER_RATE_HZ = 100.0
FILTER_DURATION_S = 10.0


def best_time_s(function: Callable[[], object], repeats: int) -> float:
    """Smallest wall time of ``repeats`` calls after one untimed warm-up call, s."""
    function()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return min(times)


def walking_quaternions(n: int, rate_hz: float, rng: np.random.Generator) -> np.ndarray:
    """Smooth gait-like segment-to-world orientations ``(n, 5, 4)`` (1 Hz stride, turning)."""
    t = np.arange(n) / rate_hz
    heading = 0.3 * np.sin(2 * np.pi * 0.05 * t)
    quats = []
    for _ in SENSORS:
        amplitude = rng.uniform(0.1, 0.6, size=3)
        phase = rng.uniform(0, 2 * np.pi, size=3)
        swing = amplitude * np.sin(2 * np.pi * 1.0 * t[:, None] + phase)
        euler = np.column_stack((heading + 0.2 * swing[:, 2], swing[:, 0], 0.3 * swing[:, 1]))
        quats.append(Rotation.from_euler("ZYX", euler).as_quat())
    return np.stack(quats, axis=1)


def reference_angles(quats: np.ndarray) -> np.ndarray:
    """Naive reference: scipy ``Rotation`` per joint, intrinsic Y-X-Z of R_p^T R_d, then signs."""
    rotations = {name: Rotation.from_quat(quats[:, k]) for k, name in enumerate(SENSORS)}
    columns = []
    pelvis = rotations["pelvis"].as_euler("ZXY")  # yaw, obliquity, tilt (Baker 2001)
    columns += [pelvis[:, 2], pelvis[:, 1], np.unwrap(pelvis[:, 0])]
    for joint, (proximal, distal) in imu.JOINTS.items():
        if proximal in rotations and distal in rotations:
            abc = (rotations[proximal].inv() * rotations[distal]).as_euler("YXZ")
            columns += list((abc * np.asarray(imu.SIGNS[joint])).T)
    return np.column_stack(columns)


def jcs_rows(frames: int, repeats: int) -> list[tuple[str, float, str]]:
    """Benchmark the quaternion -> JCS path; return (label, frames/s, note) rows."""
    rate_hz = 100.0
    quats = walking_quaternions(frames, rate_hz, np.random.default_rng(0))
    time_s = np.arange(frames) / rate_hz
    rows = []

    def ours(heading_cutoff_hz: float | None) -> Callable[[], imu.JointAngles]:
        return lambda: imu.joint_angles_from_segments(
            quats, SENSORS, time_s, sampling_rate_hz=rate_hz, heading_cutoff_hz=heading_cutoff_hz
        )

    angles = ours(None)()
    reference = reference_angles(quats)
    deviation = np.max(np.abs(angles.values_rad - reference))
    seconds = best_time_s(lambda: reference_angles(quats), repeats)
    rows.append(("reference: scipy Rotation per joint", frames / seconds, "same angles"))
    seconds = best_time_s(ours(None), repeats)
    rows.append(
        (
            "joint_angles_from_segments (no heading filter)",
            frames / seconds,
            f"max |ours - ref| {deviation:.1e} rad",
        )
    )
    seconds = best_time_s(ours(0.3), repeats)
    rows.append(("joint_angles_from_segments (heading 0.3 Hz)", frames / seconds, "default"))

    recording = imu.ImuRecording(time_s, rate_hz, SENSORS, quats)
    calibration = imu.Calibration(
        segments=SENSORS,
        sensor_to_segment=np.tile([0.0, 0.0, 0.0, 1.0], (len(SENSORS), 1)),
        static_window_s=(0.0, 1.0),
        static_spread_rad=0.0,
    )
    seconds = best_time_s(lambda: imu.joint_angles(recording, calibration=calibration), repeats)
    rows.append(
        (
            "joint_angles(recording, calibration=...)",
            frames / seconds,
            "+ calibration, 6 Hz low-pass",
        )
    )
    return rows


def direct_ahrs(method: str, acc: np.ndarray, gyr: np.ndarray, mag: np.ndarray | None) -> None:
    """Run the ahrs filter on the whole series through its own constructor (the reference)."""
    if method == "madgwick":
        Madgwick(gyr=gyr, acc=acc, mag=mag, frequency=FILTER_RATE_HZ)
    elif method == "mahony":
        Mahony(gyr=gyr, acc=acc, mag=mag, frequency=FILTER_RATE_HZ)
    else:
        EKF(gyr=gyr, acc=acc, mag=mag, frequency=FILTER_RATE_HZ, magnetic_ref=60.0)


def filter_rows(repeats: int) -> list[tuple[str, float, str]]:
    """Benchmark the ahrs filters on virtual data; return (label, samples/s, note) rows."""
    time_s = np.arange(0.0, FILTER_DURATION_S, 1.0 / FILTER_RATE_HZ)
    quats = walking_quaternions(time_s.size, FILTER_RATE_HZ, np.random.default_rng(1))[:, :1]
    recording = imu.virtual_sensors(
        quats,
        ("pelvis",),
        time_s,
        rng=np.random.default_rng(2),
        sampling_rate_hz=FILTER_RATE_HZ,
        gyro_noise_rad_s=0.01,
        accelerometer_noise_m_s2=0.05,
        magnetometer_noise=0.01,
    ).recording
    acc = recording.acceleration_m_s2[:, 0]
    gyr = recording.angular_velocity_rad_s[:, 0]
    n = acc.shape[0]
    rows = []
    for method in ("madgwick", "mahony", "ekf"):
        for mag in (None, recording.magnetic_field[:, 0]):
            kind = "IMU" if mag is None else "MARG"
            ours = best_time_s(
                lambda method=method, mag=mag: imu.estimate_orientation(
                    acc, gyr, sampling_rate_hz=FILTER_RATE_HZ, magnetic_field=mag, method=method
                ),
                repeats,
            )
            direct = best_time_s(
                lambda method=method, mag=mag: direct_ahrs(method, acc, gyr, mag), repeats
            )
            rows.append((f"{method} {kind}", n / ours, f"ahrs direct {n / direct:,.0f}/s"))
    return rows


def print_table(title: str, unit: str, rows: list[tuple[str, float, str]]) -> None:
    """Print one compact table."""
    print(f"\n{title}")
    print(f"  {'path':<48} {unit:>14}  note")
    for label, rate, note in rows:
        print(f"  {label:<48} {rate:>14,.0f}  {note}")


def main() -> None:
    """Run both benchmarks and print the tables."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=1_000_000, help="frames for the JCS path")
    parser.add_argument("--repeats", type=int, default=3, help="best of this many runs")
    args = parser.parse_args()
    print(f"imu throughput, one thread, best of {args.repeats} runs")
    print_table(
        f"Earth-frame quaternions -> JCS angles, {len(SENSORS)} sensors, {args.frames:,} frames "
        "(goal >= 1,000,000 frames/s)",
        "frames/s",
        jcs_rows(args.frames, args.repeats),
    )
    print_table(
        f"ahrs filters via imu.estimate_orientation, {FILTER_DURATION_S:.0f} s at "
        f"{FILTER_RATE_HZ:.0f} Hz, 1 sensor",
        "samples/s",
        filter_rows(args.repeats),
    )


if __name__ == "__main__":
    main()
