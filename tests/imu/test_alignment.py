"""The shared alignment of multi-sensor streams: clocks, wrap-around, overlap, gaps."""

import numpy as np
import pytest
from scipy.spatial.transform import Rotation

import imu

RATE_HZ = 100.0


def spin(n: int, *, rate_hz: float = RATE_HZ, axis=(0.0, 0.6, 0.8), deg_s: float = 90.0):
    """Quaternions of a constant-rate rotation about a fixed axis (SLERP reproduces it exactly)."""
    t = np.arange(n) / rate_hz
    rotvec = np.outer(np.deg2rad(deg_s) * t, np.asarray(axis) / np.linalg.norm(axis))
    return Rotation.from_rotvec(rotvec).as_quat()


def ramp(n: int):
    """A vector signal linear in the sample index (linear interpolation reproduces it)."""
    k = np.arange(n, dtype=float)
    return np.column_stack((k, 2.0 * k + 1.0, -0.5 * k))


def stream(label, clock, quats, *, vectors=None, keep=None):
    clock = np.asarray(clock)
    keep = np.arange(clock.size) if keep is None else np.asarray(keep)
    return imu.SensorStream(
        label=label,
        path=f"{label}.txt",
        clock=clock[keep],
        lines=keep + 7,
        quaternions=quats[keep],
        vectors={name: v[keep] for name, v in (vectors or {}).items()},
    )


def align(streams, **options):
    options = {
        "clock_name": "PacketCounter",
        "ticks_per_sample": 1.0,
        "wrap": 2**16,
        "sampling_rate_hz": RATE_HZ,
        **options,
    }
    return imu.align_streams(streams, **options)


def angle_deg(q1, q2):
    return np.rad2deg((Rotation.from_quat(q1).inv() * Rotation.from_quat(q2)).magnitude())


def test_dropped_packets_are_reported_and_filled_exactly():
    n = 300
    quats, vectors = spin(n), {"acc": ramp(n)}
    dropped = [50, 51, 52, 200]
    keep = np.setdiff1d(np.arange(n), dropped)
    clock = 1000 + np.arange(n)
    out = align(
        [
            stream("a", clock, quats, vectors=vectors),
            stream("b", clock, quats, vectors=vectors, keep=keep),
        ]
    )
    assert out.quaternions.shape == (n, 2, 4)
    assert np.max(angle_deg(out.quaternions[:, 1], quats)) < 1e-6
    np.testing.assert_allclose(out.vectors["acc"][:, 1], vectors["acc"], atol=1e-12)
    gaps = out.metadata["gaps"]
    assert [(g["sensor"], g["n_missing"]) for g in gaps] == [("b", 3), ("b", 1)]
    assert gaps[0]["duration_s"] == pytest.approx(4 / RATE_HZ)
    assert gaps[0]["start_s"] == pytest.approx(50 / RATE_HZ)
    assert (gaps[0]["after_line"], gaps[0]["before_line"]) == (49 + 7, 53 + 7)
    assert (gaps[0]["clock_from"], gaps[0]["clock_to"]) == (1049, 1053)


def test_samples_present_in_the_file_are_returned_unchanged():
    n = 50
    quats = spin(n)
    keep = np.setdiff1d(np.arange(n), [10, 11])
    out = align([stream("a", np.arange(n), quats, keep=keep)])
    np.testing.assert_array_equal(out.quaternions[keep, 0], quats[keep])


def test_only_the_overlap_of_all_sensors_is_kept():
    quats = spin(400)
    out = align(
        [
            stream("early", 100 + np.arange(300), quats[:300]),
            stream("late", 150 + np.arange(300), quats[:300]),
        ]
    )
    assert out.time_s.size == 250
    assert out.metadata["clock_start"] == 150
    assert out.metadata["clock_stop"] == 399
    assert out.metadata["trimmed_samples"] == {"early": (50, 0), "late": (0, 50)}
    np.testing.assert_array_equal(out.quaternions[:, 0], quats[50:300])
    np.testing.assert_array_equal(out.quaternions[:, 1], quats[:250])
    assert "covered by every sensor" in out.metadata["overlap_only"]


def test_a_16_bit_packet_counter_wraps_around():
    n = 200
    quats = spin(n)
    clock = (65500 + np.arange(n)) % 2**16
    keep = np.setdiff1d(np.arange(n), [35, 36])
    out = align([stream("a", clock, quats), stream("b", clock, quats, keep=keep)], max_gap_s=0.05)
    assert out.time_s.size == n
    assert out.metadata["clock_start"] == 65500
    assert out.metadata["clock_stop"] == (65500 + n - 1) % 2**16
    assert [g["clock_from"] for g in out.metadata["gaps"]] == [65534]
    assert np.max(angle_deg(out.quaternions[:, 1], quats)) < 1e-6


def test_sample_time_fine_wraps_at_32_bits_and_aligns_sensors_started_apart():
    rate = 60.0
    n = 120
    quats = spin(n, rate_hz=rate)
    ticks = np.rint(np.arange(n) * 1e6 / rate).astype(np.int64)
    start = 2**32 - 500_000
    a = stream("a", (start + ticks) % 2**32, quats)
    b = stream("b", (start + ticks[10:]) % 2**32, quats[10:])
    out = align(
        [a, b],
        clock_name="SampleTimeFine",
        ticks_per_sample=1e6 / rate,
        wrap=2**32,
        sampling_rate_hz=rate,
    )
    assert out.time_s.size == n - 10
    np.testing.assert_allclose(np.diff(out.time_s), 1 / rate)
    np.testing.assert_array_equal(out.quaternions[:, 0], out.quaternions[:, 1])


def test_a_gap_longer_than_max_gap_s_names_sensor_lines_and_times():
    n = 100
    keep = np.setdiff1d(np.arange(n), np.arange(40, 52))
    streams = [stream("00B4227C (thigh_r)", np.arange(n), spin(n), keep=keep)]
    with pytest.raises(
        imu.GaitTwinInputError,
        match=r"00B4227C \(thigh_r\)\): expected gaps of at most 0.1 s \(max_gap_s\), found 12 "
        r"missing samples \(0.130 s\) between line 46 \(PacketCounter 39, t = 0.390 s\) and "
        r"line 59 \(PacketCounter 52, t = 0.520 s\)",
    ):
        align(streams)
    out = align(streams, max_gap_s=0.2)
    assert out.metadata["gaps"][0]["n_missing"] == 12


def test_a_counter_that_steps_back_is_rejected():
    clock = np.array([5, 6, 7, 6, 8])
    with pytest.raises(
        imu.GaitTwinInputError,
        match=r"line 10: expected PacketCounter to increase \(wrapping at 65536\), found 7 on "
        r"line 9 then 6",
    ):
        align([stream("a", clock, spin(5))])


def test_a_repeated_counter_is_rejected():
    with pytest.raises(imu.GaitTwinInputError, match="found 6 on line 8 then 6"):
        align([stream("a", np.array([5, 6, 6, 7]), spin(4))])


def test_a_timestamp_off_the_sampling_grid_is_rejected():
    clock = np.array([0, 10_000, 25_000, 30_000])
    with pytest.raises(imu.GaitTwinInputError, match=r"line 9: expected t on the 100 Hz grid"):
        align([stream("a", clock, spin(4))], clock_name="t", ticks_per_sample=10_000.0, wrap=2**32)


def test_sensors_that_never_overlap_are_rejected():
    quats = spin(10)
    with pytest.raises(imu.GaitTwinInputError, match="expected the sensors to overlap in time"):
        align([stream("a", np.arange(10), quats), stream("b", 20 + np.arange(10), quats)])


def test_a_negative_max_gap_is_rejected():
    with pytest.raises(imu.GaitTwinInputError, match=r"max_gap_s: expected a finite value >= 0"):
        align([stream("a", np.arange(10), spin(10))], max_gap_s=-1.0)


def test_streams_must_carry_the_same_fields():
    n = 10
    with pytest.raises(imu.GaitTwinInputError, match="expected the fields acc"):
        align(
            [
                stream("a", np.arange(n), spin(n), vectors={"acc": ramp(n)}),
                stream("b", np.arange(n), spin(n)),
            ]
        )
