from pathlib import Path

import numpy as np
import pandas as pd
import pytest

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
