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
