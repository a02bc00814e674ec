"""Gait events from foot gyroscopes against gaitmap's events on its own sample walk."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import gait
from imu import GaitTwinInputError

DATA = Path(__file__).resolve().parents[1] / "data" / "gaitmap_foot"
RATE_HZ = 204.8


def _rates(name: str) -> np.ndarray:
    return pd.read_csv(DATA / name, header=[0, 1], index_col=0).to_numpy(float)


def _nearest_errors(found: np.ndarray, truth: np.ndarray) -> np.ndarray:
    """Signed error (samples) of the found event nearest to each true one."""
    return np.array([found[np.argmin(np.abs(found - t))] - t for t in truth])


@pytest.fixture(scope="module")
def walk_events() -> gait.GaitEvents:
    return gait.events_from_foot_gyroscope(_rates("imu_sample_gyr_y.csv"), sampling_rate_hz=RATE_HZ)


@pytest.mark.parametrize(("side", "foot"), [("l", "left"), ("r", "right")])
def test_events_match_gaitmap_on_its_sample_walk(walk_events, side, foot):
    truth = pd.read_csv(DATA / "stride_events_sample.csv")
    truth = truth[truth["foot"] == foot]
    strike_errors = _nearest_errors(walk_events.heel_strikes[side], truth["ic"].to_numpy())
    off_errors = _nearest_errors(walk_events.toe_offs[side], truth["tc"].to_numpy())
    # 3 samples = 15 ms; toe off is found about 25 ms after gaitmap's
    assert np.median(np.abs(strike_errors)) <= 3
    assert np.median(np.abs(off_errors)) <= 8
    assert np.mean(np.abs(strike_errors) <= 5) >= 0.9


def test_swing_sign_follows_the_mounting():
    rates = _rates("imu_sample_gyr_y.csv")
    flipped = gait.events_from_foot_gyroscope(-rates, sampling_rate_hz=RATE_HZ)
    as_recorded = gait.events_from_foot_gyroscope(rates, sampling_rate_hz=RATE_HZ)
    assert gait._foot_gyroscope.swing_sign(rates[:, 0], RATE_HZ) == -1
    # a flipped sensor swaps the lobes' signs, not the events
    for side in gait.SIDES:
        errors = _nearest_errors(flipped.heel_strikes[side], as_recorded.heel_strikes[side])
        assert np.median(np.abs(errors)) <= 1


def test_stair_ascent_strides():
    events = gait.events_from_foot_gyroscope(
        _rates("imu_sample_healthy_stair_up_gyr_y.csv"), sampling_rate_hz=RATE_HZ
    )
    strides = gait.gait_parameters(events).strides
    assert len(strides) >= 30
    # a steady climb: stride times near 1 s, stance longer than swing
    assert 0.9 < strides["stride_time_s"].median() < 1.1
    assert 55 < strides["stance_percent"].median() < 85


def test_too_short_is_refused():
    with pytest.raises(GaitTwinInputError, match="at least 1 s"):
        gait.events_from_foot_gyroscope(np.zeros((100, 2)), sampling_rate_hz=RATE_HZ)


def test_a_given_swing_sign_is_used():
    rates = _rates("imu_sample_gyr_y.csv")
    found = gait.events_from_foot_gyroscope(rates, sampling_rate_hz=RATE_HZ)
    given = gait.events_from_foot_gyroscope(rates, sampling_rate_hz=RATE_HZ, swing_rate_sign=-1)
    wrong = gait.events_from_foot_gyroscope(rates, sampling_rate_hz=RATE_HZ, swing_rate_sign=1)
    for side in gait.SIDES:
        np.testing.assert_array_equal(given.heel_strikes[side], found.heel_strikes[side])
        errors = _nearest_errors(wrong.heel_strikes[side], found.heel_strikes[side])
        assert np.median(np.abs(errors)) > 20
    with pytest.raises(GaitTwinInputError, match=r"swing_rate_sign: expected \+1, -1 or None"):
        gait.events_from_foot_gyroscope(rates, sampling_rate_hz=RATE_HZ, swing_rate_sign=0)


def _lobe(t: np.ndarray, start: float, end: float, peak_deg_s: float) -> np.ndarray:
    """A half-sine lobe of ``peak_deg_s`` between ``start`` and ``end`` (s), zero elsewhere."""
    inside = (t >= start) & (t < end)
    return np.where(inside, peak_deg_s * np.sin(np.pi * (t - start) / (end - start)), 0.0)


def test_a_split_swing_lobe_is_one_swing():
    # a stiff knee's foot pitches up twice in one swing, the rate dipping below zero between:
    # toe off before the first part, heel strike after the second (not between them)
    rate, stride_s = 100.0, 1.2
    t = np.arange(round(8 * stride_s * rate)) / rate
    phase = np.mod(t, stride_s)
    swing = sum(
        _lobe(phase, start * stride_s, end * stride_s, peak)
        for start, end, peak in (
            (0.50, 0.60, -150.0),  # push-off
            (0.60, 0.75, 300.0),
            (0.75, 0.80, -20.0),
            (0.80, 0.90, 200.0),
            (0.90, 1.00, -200.0),  # landing
        )
    )
    rates = np.column_stack([swing, np.roll(swing, round(0.5 * stride_s * rate))])
    events = gait.events_from_foot_gyroscope(rates, sampling_rate_hz=rate, swing_rate_sign=1)
    strike_phase = np.mod(events.heel_strikes["l"] / rate, stride_s) / stride_s
    off_phase = np.mod(events.toe_offs["l"] / rate, stride_s) / stride_s
    assert events.heel_strikes["l"].size >= 7
    assert np.all(np.abs(strike_phase - 0.90) < 0.02), strike_phase
    assert np.all(np.abs(off_phase - 0.60) < 0.02), off_phase
