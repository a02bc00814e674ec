from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy.signal import periodogram

import gait
from imu import GaitTwinInputError

DATA = Path(__file__).resolve().parents[1] / "data" / "gaitmap_foot"
FS = 100.0


def gyro_like(period_s: float, n_cycles: int, *, fs: float = FS, phase0: float = 0.3):
    """A periodic signal with two maxima per cycle (1.0 and 0.6) and its true main-peak samples."""
    t = np.arange(round(n_cycles * period_s * fs)) / fs
    phase = 2 * np.pi * t / period_s + phase0
    signal = np.sin(phase) + 0.6 * np.sin(2 * phase + 1.0)
    peak_phase = np.linspace(0, 2 * np.pi, 100001)
    shape = np.sin(peak_phase) + 0.6 * np.sin(2 * peak_phase + 1.0)
    best = peak_phase[np.argmax(shape)]
    k = np.arange(-1, n_cycles + 1)
    peaks = ((best - phase0 + 2 * np.pi * k) / (2 * np.pi) * period_s * fs).round().astype(int)
    return signal, peaks[(peaks > 0) & (peaks < t.size - 1)]


def test_dominant_frequency_refines_between_bins():
    t = np.arange(0, 30, 1 / FS)
    for f in (0.7013, 0.937, 1.2481):
        found = gait.dominant_frequency(np.sin(2 * np.pi * f * t) + 0.1 * t, sampling_rate_hz=FS)
        assert abs(found - f) < 0.001


def test_dominant_frequency_stays_in_band_despite_a_stronger_harmonic():
    t = np.arange(0, 20, 1 / FS)
    x = 0.5 * np.sin(2 * np.pi * 0.9 * t) + 1.0 * np.sin(2 * np.pi * 1.8 * t)
    assert abs(gait.dominant_frequency(x, sampling_rate_hz=FS) - 0.9) < 0.002


def test_dominant_frequency_stays_in_band_when_the_power_rises_below_it():
    """A short, mostly slow signal: the largest bin in the band is its low edge."""
    t = np.arange(0, 4, 1 / FS)
    x = np.sin(2 * np.pi * 0.15 * t) + 0.01 * np.sin(2 * np.pi * 1.2 * t)
    found = gait.dominant_frequency(x, sampling_rate_hz=FS, band_hz=(0.55, 1.5))
    assert 0.3 <= found <= 1.5


def test_cycles_start_at_the_larger_of_two_similar_maxima():
    signal, peaks = gyro_like(1.1, 12)
    seg = gait.segment_cycles(signal, sampling_rate_hz=FS)
    assert abs(seg.frequency_hz - 1 / 1.1) < 0.002
    starts = [c.start_sample for c in seg.kept]
    assert len(seg.kept) >= len(peaks) - 2
    for start in starts:
        assert np.min(np.abs(peaks - start)) <= 1


def test_cadence_drift_is_followed():
    fs = FS
    t = np.arange(0, 40, 1 / fs)
    frequency = 0.8 + 0.3 * t / t[-1]  # 0.8 -> 1.1 Hz
    phase = 2 * np.pi * np.cumsum(frequency) / fs
    seg = gait.segment_cycles(np.cos(phase), sampling_rate_hz=fs, window_fraction=0.3)
    true_starts = np.flatnonzero(np.diff(np.floor(phase / (2 * np.pi))) > 0) + 1
    found = np.array([c.start_sample for c in seg.cycles])
    assert len(found) >= len(true_starts) - 3
    assert np.all(np.min(np.abs(found[:, None] - true_starts[None, :]), axis=1) <= 2)


def test_standing_pause_and_excluded_parts_are_dropped_with_reasons():
    rng = np.random.default_rng(1)
    walk, _ = gyro_like(1.0, 10)
    still = 0.01 * rng.standard_normal(500)
    signal = np.concatenate((still, walk, still, walk, still))
    n = signal.size
    include = np.ones(n, dtype=bool)
    turn = slice(500 + walk.size + 500 + 300, 500 + walk.size + 500 + 600)
    include[turn] = False
    seg = gait.segment_cycles(signal, sampling_rate_hz=FS, include=include, include_reason="turn")
    pause = slice(500 + walk.size, 500 + walk.size + 500)
    for cycle in seg.kept:
        covered = np.zeros(n, dtype=bool)
        covered[cycle.start_sample : cycle.end_sample] = True
        assert not covered[:450].any() and not covered[pause][50:-50].any()
        assert not covered[turn].any()
    reasons = {d.reason.split(" ")[0] for d in seg.dropped}
    assert {"low", "turn"} <= reasons
    low = [d for d in seg.dropped if d.reason.startswith("low")]
    assert low[0].start_s == 0.0 and low[0].end_s > 4.0
    assert any(d.start_sample < pause.start + 100 and d.end_sample > pause.stop - 100 for d in low)
    assert len(seg.kept) >= 12
    assert not seg.steady[turn].any() and seg.steady[600:900].all()


def test_a_distorted_cycle_is_rejected_for_its_shape():
    signal, peaks = gyro_like(1.0, 10)
    a, b = peaks[4], peaks[5]
    signal[a + 5 : b - 5] = -signal[a + 5 : b - 5]
    seg = gait.segment_cycles(signal, sampling_rate_hz=FS)
    rejected = [c for c in seg.cycles if not c.kept]
    assert rejected and all("shape" in c.reason for c in rejected)
    in_rejected = np.zeros(signal.size, dtype=bool)
    for c in rejected:
        in_rejected[c.start_sample : c.end_sample] = True
    assert in_rejected[a + 5 : b - 5].all()
    assert all(c.correlation >= 0.8 for c in seg.kept)
    table = seg.to_dataframe()
    assert list(table["kept"]) == [c.kept for c in seg.cycles]
    assert np.allclose(table["duration_s"], table["end_s"] - table["start_s"])


def test_short_clip_with_two_strides_yields_two_cycles():
    signal, peaks = gyro_like(1.05, 2.6, fs=120.0)
    seg = gait.segment_cycles(signal, sampling_rate_hz=120.0)
    assert len(peaks) == 3
    assert [c.start_sample for c in seg.kept] == list(peaks[:2])
    assert all(abs(c.duration_s - 1.05) < 0.03 for c in seg.kept)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"extremum": "peak"}, "extremum: expected 'max' or 'min', found 'peak'"),
        ({"window_fraction": 1.5}, r"window_fraction: expected a value in \(0, 1\), found 1.5"),
        ({"band_hz": (0.5, 80.0)}, r"band_hz: expected 0 < low < high < 50.0 Hz"),
        ({"include": np.ones(5, dtype=bool)}, r"include: expected a boolean mask of shape"),
    ],
)
def test_bad_options_raise(kwargs, message):
    signal, _ = gyro_like(1.0, 5)
    with pytest.raises(GaitTwinInputError, match=message):
        gait.segment_cycles(signal, sampling_rate_hz=FS, **kwargs)


def test_too_short_or_non_finite_signal_raises():
    # 0.5 s: shorter than one stride at the band's upper edge (1.5 Hz)
    with pytest.raises(GaitTwinInputError, match=r"expected at least one period of 0\.3 Hz"):
        gait.segment_cycles(np.sin(np.arange(50) / 10), sampling_rate_hz=FS)
    bad = np.sin(np.arange(1000) / 10)
    bad[7] = np.nan
    with pytest.raises(GaitTwinInputError, match=r"signal: expected finite values, found nan"):
        gait.segment_cycles(bad, sampling_rate_hz=FS)


def test_gaitmap_hand_labelled_strides_are_found_within_50_ms():
    """Both borders of >= 95 % of gaitmap's 58 labelled strides within 50 ms of a kept cycle."""
    imu = pd.read_csv(DATA / "imu_sample_gyr_y.csv", header=[0, 1], index_col=0)
    labels = pd.read_csv(DATA / "stride_borders_sample.csv")
    fs = 204.8
    tolerance = 0.05 * fs
    matched = 0
    for foot in ("left", "right"):
        seg = gait.segment_cycles(imu[(f"{foot}_sensor", "gyr_y")].to_numpy(), sampling_rate_hz=fs)
        assert 0.85 < seg.frequency_hz < 0.97
        cycles = np.array([[c.start_sample, c.end_sample] for c in seg.kept])
        for start, end in labels.loc[labels["foot"] == foot, ["start", "end"]].to_numpy():
            near = (np.abs(cycles[:, 0] - start) <= tolerance) & (
                np.abs(cycles[:, 1] - end) <= tolerance
            )
            matched += bool(near.any())
        assert seg.dropped[0].reason.startswith("low amplitude")
        assert seg.dropped[-1].end_sample == imu.shape[0]
    assert len(labels) == 58
    assert matched / len(labels) >= 0.95


def test_turning_mask_flags_a_turn_only():
    fs = FS
    t = np.arange(0, 12, 1 / fs)
    sway = 0.08 * np.sin(2 * np.pi * 1.8 * t)
    turn = np.clip((t - 5) / 2.5, 0, 1) * np.pi
    mask = gait.turning_mask(sway + turn, sampling_rate_hz=fs)
    assert mask[(t > 5.8) & (t < 6.7)].all()
    assert not mask[(t < 4) | (t > 8.5)].any()


def two_bursts(stride_s: float, second: float, *, duration_s: float = 40.0, fs: float = FS):
    """A stride of two swing-like bursts half a stride apart, the second ``second`` times as big."""
    t = np.arange(round(duration_s * fs)) / fs
    half = stride_s / 2
    burst = np.exp(-(((np.mod(t, half) - 0.3 * half) / (0.08 * half)) ** 2))
    return burst * np.where(np.mod(t, stride_s) < half, 1.0, second)


def test_stride_frequency_is_not_the_second_harmonic():
    """Short, unequal swing bursts put the spectral peak at twice the stride frequency."""
    stride_s = 2.4  # 0.42 Hz: a slow walk
    signal = two_bursts(stride_s, 0.3)
    assert abs(gait.dominant_frequency(signal, sampling_rate_hz=FS) - 2 / stride_s) < 0.01
    assert abs(gait.stride_frequency(signal, sampling_rate_hz=FS) - 1 / stride_s) < 0.005
    seg = gait.segment_cycles(signal, sampling_rate_hz=FS)
    assert abs(seg.frequency_hz - 1 / stride_s) < 0.005
    durations = np.array([c.duration_s for c in seg.kept])
    assert durations.size >= 14
    np.testing.assert_allclose(durations, stride_s, atol=0.02)


def test_an_ambiguous_harmonic_is_reported_with_both_candidates(caplog):
    signal = two_bursts(2.4, 0.6)
    with caplog.at_level("WARNING", logger="gait._segmentation"):
        found = gait.stride_frequency(signal, sampling_rate_hz=FS)
    assert abs(found - 2 / 2.4) < 0.01  # the spectral peak is kept ...
    (record,) = caplog.records
    # ... and the warning names both candidates and how to choose
    assert "0.833 Hz" in record.message and "0.417 Hz" in record.message
    assert "band_hz=(0.31, 0.52) for the slower" in record.message
    chosen = gait.stride_frequency(signal, sampling_rate_hz=FS, band_hz=(0.31, 0.52))
    assert abs(chosen - 1 / 2.4) < 0.005


def test_a_true_stride_peak_is_kept():
    """Hip-flexion-like signal of a normal walk: one period per stride, no halving."""
    signal, _ = gyro_like(1.1, 30)
    assert abs(gait.stride_frequency(signal, sampling_rate_hz=FS) - 1 / 1.1) < 0.002


def test_cycle_borders_do_not_jump_between_two_near_equal_maxima():
    """Each stride has two maxima 20 % of a stride apart whose order of size changes at random.

    Their sizes differ at random by about 2 % (standard deviation); taking the larger one, as
    before, made 8-20 of 29 cycles 20 % too short or too long.
    """
    rng = np.random.default_rng(3)
    period_s, n = 1.0, 30
    t = np.arange(round(n * period_s * FS)) / FS
    phase = np.mod(t / period_s, 1.0)
    stride = np.floor(t / period_s).astype(int)
    heights = 1.0 + 0.02 * rng.standard_normal((n, 2))
    signal = (
        heights[stride, 0] * np.exp(-(((phase - 0.4) / 0.05) ** 2))
        + heights[stride, 1] * np.exp(-(((phase - 0.6) / 0.05) ** 2))
        - 0.5 * np.exp(-(((phase - 0.9) / 0.1) ** 2))
    )
    seg = gait.segment_cycles(signal, sampling_rate_hz=FS)
    durations = np.array([c.duration_s for c in seg.cycles])
    assert durations.size >= n - 3
    np.testing.assert_allclose(durations, period_s, atol=0.02)


def test_slowed_cmu_walk_is_segmented_at_its_stride_frequency(data_dir):
    """16_15 repeated and slowed 2.3 times: 0.47 m/s, stride 2.6 s (0.38 Hz)."""
    folder = data_dir / "cmu" / "16_15"
    take = gait.read_amc(folder / "16_15.amc", gait.read_asf(folder / "16.asf"))
    walk = gait.repeat_stride(gait.motion_from_mocap(take), n_strides=8, time_stretch=2.3)
    truth = walk.metadata["stride_frequency_hz"]
    assert truth < 0.4
    hip = walk.joint_angles["hip_flexion_l"]
    before = gait.dominant_frequency(hip, sampling_rate_hz=120.0)  # the old 0.5-1.5 Hz band
    assert abs(before - 2 * truth) < 0.02  # ... locked onto the harmonic
    for side in gait.SIDES:
        seg = gait.segment_cycles(walk.joint_angles[f"hip_flexion_{side}"], sampling_rate_hz=120.0)
        assert abs(seg.frequency_hz - truth) / truth < 0.05
        durations = np.array([c.duration_s for c in seg.kept])
        assert durations.size >= 6
        assert abs(np.median(durations) * truth - 1.0) < 0.05
        assert np.all(durations * truth > 0.75)  # no halved stride


@pytest.mark.parametrize("foot", ["left", "right"])
def test_multiple_sclerosis_walk_cadence_against_rest_phases(foot):
    """gaitmap's MS patient: cadence of the gyr_y cycles within 5 % of the foot's rest phases."""
    fs = 102.4
    gyro = pd.read_csv(DATA / f"imu_sample_ms_{foot}_gyr_30s.csv", index_col=0).to_numpy()
    resting = np.concatenate(([0], np.linalg.norm(gyro, axis=1) < 50.0, [0])).astype(int)
    edges = np.flatnonzero(np.diff(resting))
    starts, stops = edges[::2], edges[1::2]
    rest_onsets = starts[stops - starts >= 5]
    true_stride_s = float(np.median(np.diff(rest_onsets))) / fs
    seg = gait.segment_cycles(gyro[:, 1], sampling_rate_hz=fs)
    durations = np.array([c.duration_s for c in seg.kept])
    assert abs(np.median(durations) - true_stride_s) / true_stride_s < 0.05
    assert abs(1 / seg.frequency_hz - true_stride_s) / true_stride_s < 0.05
    assert durations.size >= 0.9 * (rest_onsets.size - 1)
    assert durations.min() > 0.75 * true_stride_s  # no halved stride


def test_a_signal_shorter_than_the_bands_longest_period_is_searched_from_its_duration():
    """229 samples at 90 Hz (2.5 s, a CMU take without standing) with the 0.3 Hz band edge."""
    t = np.arange(229) / 90.0
    stride = gait.stride_frequency(np.sin(2 * np.pi * 0.9 * t), sampling_rate_hz=90.0)
    assert stride == pytest.approx(0.9, abs=0.05)


def test_dominant_frequency_takes_a_peak_in_the_band_over_an_edge_on_a_slope():
    """1.9 s of a 1.07 Hz stride whose step harmonic (2.14 Hz) is stronger: its broad lobe
    reaches into the band, so the band's largest bin is the 1.5 Hz edge. The stride's own peak
    is the answer (before: 1.5 Hz), pulled low by that lobe's slope (0.93 Hz)."""
    t = np.arange(0, 1.9, 1 / FS)
    x = 0.5 * np.sin(2 * np.pi * 1.07 * t) + 1.0 * np.sin(2 * np.pi * 2.14 * t + 0.4)
    freqs, power = periodogram(x, fs=FS, window="hann", nfft=40_000, detrend="linear")
    band = (freqs >= 0.55) & (freqs <= 1.5)
    assert np.argmax(power[band]) == band.sum() - 1  # the edge is the band's largest bin
    found = gait.dominant_frequency(x, sampling_rate_hz=FS, band_hz=(0.55, 1.5))
    assert found == pytest.approx(1.07, abs=0.15)


def test_dominant_frequency_keeps_an_edge_next_to_a_peak_just_outside_the_band():
    """A 1.6 Hz stride just above a 1.5 Hz band: the edge (nearest the truth), not a sidelobe."""
    t = np.arange(0, 10, 1 / FS)
    x = np.sin(2 * np.pi * 1.6 * t)
    assert gait.dominant_frequency(x, sampling_rate_hz=FS, band_hz=(0.3, 1.5)) == pytest.approx(
        1.5, abs=0.01
    )
