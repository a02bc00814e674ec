from pathlib import Path

import numpy as np
import pytest
from scipy.signal import find_peaks

import gait
import imu
from imu import GaitTwinInputError, JointAngles

DATA = Path(__file__).resolve().parents[1] / "data"
FS = 100.0


def synthetic_feet(n_strides: int = 6, stride_s: float = 1.2, stance_fraction: float = 0.6):
    """Foot points of a walk at 1.2 m/s: flat stance, a 10 cm high swing; true contacts."""
    n = round(n_strides * stride_s * FS)
    t = np.arange(n) / FS
    feet = np.zeros((n, 2, 3))
    contacts = np.zeros((n, 2), dtype=bool)
    for i, offset in enumerate((0.0, 0.5)):  # left, right half a stride apart
        phase = np.mod(t / stride_s + offset, 1.0)
        stance = phase < stance_fraction
        swing = np.clip((phase - stance_fraction) / (1 - stance_fraction), 0, 1)
        stride_index = np.floor(t / stride_s + offset)
        feet[:, i, 0] = 1.2 * stride_s * (stride_index + np.where(stance, 0.0, swing))
        feet[:, i, 1] = 0.1 if i == 0 else -0.1
        feet[:, i, 2] = 0.04 + 0.1 * np.sin(np.pi * swing) * ~stance
        contacts[:, i] = stance
    return feet, contacts


def test_contacts_from_foot_height_and_speed_match_truth():
    feet, truth = synthetic_feet()
    found = gait.foot_contacts_from_positions(feet, sampling_rate_hz=FS)
    assert found.shape == truth.shape
    assert np.mean(found == truth) > 0.95
    events = gait.events_from_contacts(found, sampling_rate_hz=FS)
    true_events = gait.events_from_contacts(truth, sampling_rate_hz=FS)
    for side in gait.SIDES:
        assert events.heel_strikes[side].size == true_events.heel_strikes[side].size
        assert np.max(np.abs(events.heel_strikes[side] - true_events.heel_strikes[side])) <= 4
        assert np.max(np.abs(events.toe_offs[side] - true_events.toe_offs[side])) <= 6


def test_debounce_merges_short_swing_gaps_and_short_contacts():
    left = np.array([1, 1, 1, 0, 1, 1, 1, 0, 0, 0, 0, 1, 0, 0, 0, 1, 1, 0], dtype=bool)
    right = np.array([0, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1], dtype=bool)
    found = gait.debounce_contacts(
        np.column_stack([left, right]), sampling_rate_hz=10.0, min_phase_s=0.2
    )
    # left: the one-sample lift in stance (3) becomes contact, the one-sample touch in swing
    # (11) becomes swing; the one-sample swing at the record's end stays
    assert found[:, 0].astype(int).tolist() == [1] * 7 + [0] * 8 + [1, 1, 0]
    # right: the one-sample swing at the record's start stays; long phases are kept
    assert np.array_equal(found[:, 1], right)
    with pytest.raises(GaitTwinInputError, match="min_phase_s: expected a positive value"):
        gait.debounce_contacts(np.ones((5, 2)), sampling_rate_hz=10.0, min_phase_s=0.0)
    with pytest.raises(GaitTwinInputError, match=r"foot_contacts: expected shape \(n, 2\)"):
        gait.debounce_contacts(np.ones(5), sampling_rate_hz=10.0)


def test_events_from_contacts_and_back():
    contacts = np.zeros((20, 2), dtype=bool)
    contacts[3:9, 0] = True
    contacts[12:, 0] = True
    contacts[:5, 1] = True
    events = gait.events_from_contacts(contacts, sampling_rate_hz=FS)
    assert events.heel_strikes["l"].tolist() == [3, 12]
    assert events.toe_offs["l"].tolist() == [9]
    assert events.heel_strikes["r"].tolist() == []
    assert events.toe_offs["r"].tolist() == [5]
    assert np.array_equal(gait.contacts_from_events(events), contacts)
    table = events.to_dataframe()
    assert list(table["sample"]) == sorted(table["sample"])
    assert set(table["event"]) == {"heel_strike", "toe_off"}


def test_gait_events_validate():
    with pytest.raises(GaitTwinInputError, match=r"heel_strikes\['l'\]: expected increasing"):
        gait.GaitEvents(FS, 10, {"l": [5, 3], "r": []}, {"l": [], "r": []})
    with pytest.raises(GaitTwinInputError, match=r"toe_offs: expected keys"):
        gait.GaitEvents(FS, 10, {"l": [], "r": []}, {"left": [], "r": []})
    with pytest.raises(GaitTwinInputError, match="foot_contacts: expected shape"):
        gait.events_from_contacts(np.zeros(10, dtype=bool), sampling_rate_hz=FS)
    with pytest.raises(GaitTwinInputError, match="height_threshold_m: expected a positive"):
        gait.foot_contacts_from_positions(
            np.zeros((50, 2, 3)), sampling_rate_hz=FS, height_threshold_m=0.0
        )


def winter_walk(n_cycles: int = 8, fs: float = FS, *, ankles: bool = False):
    """Joint angles repeating Winter's hip and knee (and ankle) curves, left half a cycle later."""
    normative = gait.read_winter_normative(DATA / "normative" / "Winter_normal.csv")
    cycle_s = normative.attrs["cycle_duration_s"]
    t = np.arange(round(n_cycles * cycle_s * fs)) / fs
    percent = normative.index.to_numpy()
    columns = ("hip_flexion", "knee_flexion", "ankle_dorsiflexion")[: 3 if ankles else 2]
    values, names = [], []
    for side, offset in (("r", 0.0), ("l", 50.0)):
        p = np.mod(t / cycle_s * 100 + offset, 100)
        for column in columns:
            values.append(np.deg2rad(np.interp(p, percent, normative[f"{column}_deg"])))
            names.append(f"{column}_{side}")
    angles = JointAngles(t, fs, tuple(names), np.column_stack(values))
    strikes = {
        "r": np.arange(0, n_cycles + 1) * cycle_s,
        "l": (np.arange(n_cycles) + 0.5) * cycle_s,
    }
    return angles, strikes, cycle_s


def test_events_from_leg_angles_on_winter_curves():
    angles, strikes, cycle_s = winter_walk()
    events = gait.events_from_leg_angles(angles)
    assert events.method == "shank angular velocity"
    for side in gait.SIDES:
        found = events.heel_strikes[side] / FS
        assert found.size >= 6
        error = np.min(np.abs(found[:, None] - strikes[side][None, :]), axis=1) / cycle_s
        assert np.all(error < 0.05)
        offs = events.toe_offs[side] / FS
        # Winter's toe off is at about 60-62 % of the cycle
        phase = np.mod(offs - strikes[side][0], cycle_s) / cycle_s
        assert np.all(np.abs(phase - 0.61) < 0.06)


def nearest_errors_cycles(events: gait.GaitEvents, strikes: dict, cycle_s: float) -> dict:
    """Per side, signed error (cycles) of each found heel strike from the nearest true one."""
    errors = {}
    for side in gait.SIDES:
        signed = events.heel_strikes[side][:, None] / FS - strikes[side][None, :]
        nearest = np.argmin(np.abs(signed), axis=1)
        errors[side] = signed[np.arange(nearest.size), nearest] / cycle_s
    return errors


def test_contact_events_from_leg_angles_on_winter_curves():
    """Heel strike where the ankle is furthest ahead: 3-4 % of the cycle before Winter's contact."""
    angles, strikes, cycle_s = winter_walk()
    events = gait.events_from_leg_angles(angles, marks="contact")
    assert events.method == "ankle relative to the hip"
    contact = nearest_errors_cycles(events, strikes, cycle_s)
    flat_foot = nearest_errors_cycles(gait.events_from_leg_angles(angles), strikes, cycle_s)
    for side in gait.SIDES:
        assert contact[side].size >= 6
        assert np.all((contact[side] > -0.05) & (contact[side] < 0.0))
        assert np.median(flat_foot[side]) > 0.02  # the flat-foot rule's comes after the contact
        phase = np.mod(events.toe_offs[side] / FS - strikes[side][0], cycle_s) / cycle_s
        assert np.all(np.abs(phase - 0.61) < 0.02)


def test_toe_off_from_the_toe_on_winter_curves_comes_after_the_ankles():
    """With Winter's ankle curve the toe's rearmost point is 1-3 % of the cycle after the ankle's.

    The ankle starts forward while the toe still pivots on the ground (Winter's toe off: about
    61 % of the cycle; the ankle's rearmost point 61.5 %, the toe's 63.3 %).
    """
    angles, _, cycle_s = winter_walk(ankles=True)
    toe = gait.events_from_leg_angles(angles, marks="contact")
    ankle = gait.events_from_leg_angles(winter_walk()[0], marks="contact")
    assert toe.method == "ankle and toe relative to the hip"
    for side in gait.SIDES:
        assert np.array_equal(toe.heel_strikes[side], ankle.heel_strikes[side])
        assert toe.toe_offs[side].size == ankle.toe_offs[side].size >= 6
        lag = (toe.toe_offs[side] - ankle.toe_offs[side]) / FS / cycle_s
        assert np.all((lag > 0.01) & (lag < 0.03)), lag


def test_unknown_marks_are_refused():
    angles, _, _ = winter_walk(3)
    with pytest.raises(GaitTwinInputError, match="marks: expected one of 'flat foot', 'contact'"):
        gait.events_from_leg_angles(angles, marks="initial contact")


def test_events_from_leg_angles_need_hip_and_knee():
    angles, _, _ = winter_walk(3)
    only_hips = JointAngles(
        angles.time_s, FS, ("hip_flexion_r", "hip_flexion_l"), angles.values_rad[:, [0, 2]]
    )
    with pytest.raises(
        GaitTwinInputError, match="expected 'knee_flexion_l' for events from leg angles"
    ):
        gait.events_from_leg_angles(only_hips)


def virtual_walk(data_dir, trial: str, *, time_stretch: float, stiff_knee: bool):
    """A CMU take repeated to 6 strides (optionally stiff-kneed, slowed) through virtual IMUs.

    Returns the events found from the IMU joint angles, the true events from the mocap foot
    contacts on the recording's time base (s) and the stride period (s).
    """
    subject = trial.split("_")[0]
    folder = data_dir / "cmu" / trial
    take = gait.read_amc(folder / f"{trial}.amc", gait.read_asf(folder / f"{subject}.asf"))
    motion = gait.motion_from_mocap(take)
    if stiff_knee:
        motion = gait.stiffen_knee(motion, "left")
    walk = gait.repeat_stride(motion, n_strides=6, time_stretch=time_stretch)
    virtual, _ = gait.virtual_imu_from_motion(
        walk, rng=np.random.default_rng(7), standing_s=2.0, ramp_s=0.5
    )
    recording = virtual.recording
    angles = imu.joint_angles(recording, calibration=imu.calibrate(recording))
    found = gait.events_from_leg_angles(angles)
    truth = gait.events_from_contacts(walk.foot_contacts, sampling_rate_hz=walk.sampling_rate_hz)
    return found, truth, 2.5, 1.0 / walk.metadata["stride_frequency_hz"]


def event_errors_s(found, truth, lead_s: float, period_s: float) -> dict[str, np.ndarray]:
    """Signed error (s) of the nearest found event to each true event; nan if none within 0.3 T.

    The first true event of each kind and side is left out: it follows the blend from standing.
    """
    errors: dict[str, list[float]] = {"heel_strikes": [], "toe_offs": []}
    for kind, values in errors.items():
        for side in gait.SIDES:
            times = getattr(found, kind)[side] / found.sampling_rate_hz
            for true_s in getattr(truth, kind)[side][1:] / truth.sampling_rate_hz + lead_s:
                nearest = times[np.argmin(np.abs(times - true_s))] - true_s if times.size else 1e9
                values.append(nearest if abs(nearest) < 0.3 * period_s else np.nan)
    return {kind: np.array(values) for kind, values in errors.items()}


@pytest.mark.parametrize("trial", ["16_15", "02_01"])
@pytest.mark.parametrize("stiff_knee", [False, True])
def test_events_from_virtual_imu_land_on_the_foot_contacts(data_dir, trial, stiff_knee):
    """Every heel strike and toe off found, >= 90 % within 50 ms of the mocap foot contacts.

    The 25 ms criterion is met over the 13 CMU takes (``benchmarks/segmentation_accuracy.py``)
    but not on each take: these two keep heel strikes 20-40 ms late, a take-specific lag
    between the shank's braking and the foot's contact.
    """
    found, truth, lead_s, period_s = virtual_walk(
        data_dir, trial, time_stretch=1.0, stiff_knee=stiff_knee
    )
    for kind, errors in event_errors_s(found, truth, lead_s, period_s).items():
        assert not np.isnan(errors).any(), kind
        assert np.mean(np.abs(errors) <= 0.050) >= 0.9, (kind, errors)
        assert abs(np.median(errors)) < 0.045, (kind, errors)


def test_events_of_a_slowed_walk_are_found_once_per_stride(data_dir):
    """16_15 slowed 2.3 times (stride 2.6 s): one event per true event, within 5 % of a stride."""
    found, truth, lead_s, period_s = virtual_walk(
        data_dir, "16_15", time_stretch=2.3, stiff_knee=True
    )
    assert period_s > 2.5
    for kind, errors in event_errors_s(found, truth, lead_s, period_s).items():
        assert np.all(np.abs(errors) < 0.05 * period_s), (kind, errors)
        for side in gait.SIDES:
            n_true = getattr(truth, kind)[side].size
            assert abs(getattr(found, kind)[side].size - n_true) <= 1, (kind, side)


def test_bad_stride_frequency_raises():
    angles, _, _ = winter_walk(3)
    with pytest.raises(GaitTwinInputError, match="stride_frequency_hz: expected a positive"):
        gait.events_from_leg_angles(angles, stride_frequency_hz=0.0)


def cut(angles: JointAngles, start: int, stop: int) -> JointAngles:
    """Samples ``start:stop`` of ``angles``: a recording that starts or ends mid-walk."""
    return JointAngles(angles.time_s[start:stop], FS, angles.names, angles.values_rad[start:stop])


def right_shank_swing_peaks(angles: JointAngles) -> np.ndarray:
    """Samples of the right shank's peaks of forward angular velocity (mid swing)."""
    omega = np.gradient(gait.shank_inclination(angles, "r")) * FS
    peaks, _ = find_peaks(omega, height=1.0)
    return peaks


@pytest.mark.parametrize("marks", gait.LEG_EVENT_MARKS)
def test_a_swing_under_way_at_the_first_sample_ends_in_its_heel_strike(marks):
    """A recording that starts after a swing's peak keeps the heel strike that ends that swing."""
    angles, _, _ = winter_walk()
    whole = gait.events_from_leg_angles(angles, marks=marks)
    peak = right_shank_swing_peaks(angles)[2]
    strike = int(whole.heel_strikes["r"][np.argmax(whole.heel_strikes["r"] > peak)])
    start = peak + (strike - peak) // 3  # past the peak: the foot still swings forward fast
    events = gait.events_from_leg_angles(cut(angles, start, angles.time_s.size), marks=marks)
    first = int(events.heel_strikes["r"][0])
    assert abs(first - (strike - start)) <= 2
    assert events.toe_offs["r"][0] > first  # no toe off of the swing that began before
    swinging = ~gait.contacts_from_events(events)[:, 1]
    assert swinging[: min(first, strike - start)].all()


@pytest.mark.parametrize("marks", gait.LEG_EVENT_MARKS)
def test_a_swing_under_way_at_the_last_sample_starts_at_its_toe_off(marks):
    """A recording that ends before a swing's peak keeps the toe off that starts that swing."""
    angles, _, _ = winter_walk()
    whole = gait.events_from_leg_angles(angles, marks=marks)
    peak = right_shank_swing_peaks(angles)[-2]
    toe_off = int(whole.toe_offs["r"][np.flatnonzero(whole.toe_offs["r"] < peak)[-1]])
    stop = (toe_off + peak) // 2  # past the toe off, before the swing's peak
    events = gait.events_from_leg_angles(cut(angles, 0, stop), marks=marks)
    last = int(events.toe_offs["r"][-1])
    assert abs(last - toe_off) <= 2
    assert events.heel_strikes["r"][-1] < last  # no heel strike of the swing cut by the end
    assert not gait.contacts_from_events(events)[max(last, toe_off) :, 1].any()


def test_a_toe_off_before_the_first_sample_is_not_guessed():
    """A recording that starts just after a toe off has no toe off at its start: the foot swings.

    The toe off's search window is cut by the first sample, so the stance level it rises from
    comes from the walk's other strides; the rate is above that threshold from the first sample.
    """
    angles, _, _ = winter_walk()
    whole = gait.events_from_leg_angles(angles)
    toe_off = int(whole.toe_offs["r"][2])
    start = toe_off + 2
    events = gait.events_from_leg_angles(cut(angles, start, angles.time_s.size))
    next_strike = whole.heel_strikes["r"][whole.heel_strikes["r"] > toe_off][0] - start
    assert abs(int(events.heel_strikes["r"][0]) - next_strike) <= 2
    assert events.toe_offs["r"][0] > events.heel_strikes["r"][0]
    assert not gait.contacts_from_events(events)[
        : min(next_strike, events.heel_strikes["r"][0]), 1
    ].any()
    # a stance under way at the first sample: its toe off is found where the uncut walk has it
    start = toe_off - round(0.2 * FS)
    events = gait.events_from_leg_angles(cut(angles, start, angles.time_s.size))
    assert abs(int(events.toe_offs["r"][0]) - (toe_off - start)) <= 2
    assert gait.contacts_from_events(events)[: toe_off - start - 2, 1].all()
