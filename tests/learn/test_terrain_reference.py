"""The terrain-aware reference: CMU 16_15's cycle retargeted to stairs and the ramp."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

import gait
import learn
import sim
from imu import GaitTwinInputError, quaternion_yaw
from learn import ImitationEnv
from learn.env import (
    ReferenceMotion,
    TerrainReference,
    impairment_angle_limits,
    lag_treads,
    nominal_pace_m_s,
)
from learn.env._leg_geometry import LegGeometry
from learn.env._terrain_reference import CLEARANCE_M
from learn.tasks import task_terrain
from learn.training._task_resume import check_same_run

#: 8 s of the reference at 120 Hz: from flat ground over the whole flight or most of the ramp.
TIMES_S = np.arange(0.0, 8.0, 1.0 / 120.0)


@pytest.fixture(scope="module")
def clip(data_dir):
    return learn.cmu_walks(data_dir / "cmu", trials=["16_15"])[0]


@pytest.fixture(scope="module", params=["legs9", "legs13_ankles"])
def retargeting(request, clip):
    """The cycle of 16_15 on each avatar model, and the model's simulation (flat ground)."""
    simulation = sim.Simulation(sim.MODELS[request.param], fixed_root=True)
    reference = ReferenceMotion.from_motion(clip, simulation)
    yield TerrainReference.from_reference(reference, simulation), simulation
    simulation.close()


def _soles(frame):
    """World x and z of the ``[left, right]`` soles of a stacked frame, ``(n, 2)`` each, m."""
    yaw = quaternion_yaw(frame.root_quaternion)[:, None]
    x = frame.root_position_m[:, :1] + np.cos(yaw) * frame.feet_m[..., 0]
    x -= np.sin(yaw) * frame.feet_m[..., 1]
    return x, frame.root_position_m[:, 2:] + frame.feet_m[..., 2]


def _surface_under(x_m, terrain, *, foot_length_m, tilted):
    """Height a sole centred at ``x_m`` rests at: the highest terrain under it, heel to toe.

    On the ramp a sole turned parallel to it (``tilted``, an avatar with ankles) rests at the
    ramp's height under its centre. Dense samples, 1 cm apart.
    """
    if tilted and terrain.kind == "ramp":
        return terrain.height_at(x_m)
    along = np.linspace(-0.5, 0.5, 27) * foot_length_m
    return terrain.height_at(x_m[..., None] + along).max(axis=-1)


def test_on_flat_ground_the_frame_is_returned_unchanged(retargeting):
    retarget, _ = retargeting
    flat = sim.Terrain()
    frame = retarget.reference.sample(0.7)
    assert retarget.retarget(frame, flat) is frame
    stacked = retarget.reference.sample_many(TIMES_S[:5])
    assert retarget.retarget(stacked, flat) is stacked
    level_zero = retarget.frames(TIMES_S[:5], task_terrain("stairs", 0), period_s=1 / 30)
    for name in ("root_position_m", "joint_positions_rad", "joint_velocities_rad_s", "feet_m"):
        np.testing.assert_array_equal(getattr(level_zero, name), getattr(stacked, name))


def test_sampling_many_times_is_sampling_each(retargeting):
    reference = retargeting[0].reference
    times = np.array([0.0, 0.37, 1.4, 5.55])
    many = reference.sample_many(times).unstack()
    for time_s, frame in zip(times, many, strict=True):
        one = reference.sample(float(time_s))
        assert frame.phase == pytest.approx(one.phase)
        np.testing.assert_array_equal(frame.foot_contacts, one.foot_contacts)
        for name in ("root_position_m", "root_quaternion", "joint_positions_rad", "feet_m"):
            np.testing.assert_allclose(getattr(frame, name), getattr(one, name), atol=1e-12)


@pytest.mark.parametrize(("task", "level"), [("stairs", 2), ("slope", 3)])
def test_feet_on_the_surface_swing_foot_clear_pelvis_climbing(retargeting, task, level):
    """Over 8 s (7 cycles, the flight or ramp under every phase of the cycle at some point).

    Soles are compared with the flat cycle's own: its stance soles are -1 to +4 cm off the
    ground (heel rise, contact flicker), the retargeted ones must be so off the terrain.
    """
    retarget, simulation = retargeting
    terrain = task_terrain(task, level)
    moved = retarget.frames(TIMES_S, terrain, period_s=1 / 30)
    flat = retarget.reference.sample_many(TIMES_S)
    x, z = _soles(moved)
    _, flat_z = _soles(flat)
    foot = simulation.body.segments["foot"].length_m
    above = z - _surface_under(x, terrain, foot_length_m=foot, tilted=simulation.spec.has_ankles)
    stance = moved.foot_contacts
    assert np.abs(above - flat_z)[stance].max() < 0.01
    # a swing foot is never below the surface under it, and in mid-swing (its middle half) it
    # clears everything under it, riser edges included, by the clearance
    assert (above - np.minimum(flat_z, 0.0))[~stance].min() > -0.002
    for side in range(2):
        swing = np.flatnonzero(~stance[:, side])
        for run in np.split(swing, np.flatnonzero(np.diff(swing) > 1) + 1):
            middle = run[len(run) // 4 : len(run) - len(run) // 4]
            assert above[middle, side].min() > CLEARANCE_M - 0.003
    # the pelvis follows the surface: up to two risers below it on stairs (the stance legs
    # cannot lengthen, and a step of the cycle spans two treads), never above
    pelvis = moved.root_position_m
    rise = pelvis[:, 2] - terrain.height_at(pelvis[:, 0]) - flat.root_position_m[:, 2]
    below = 2.0 * terrain.rise_m + 0.01 if task == "stairs" else 0.03
    assert rise.min() > -below and rise.max() < 0.01
    assert pelvis[-1, 2] - flat.root_position_m[-1, 2] > 0.8 * terrain.height_at(pelvis[-1, 0])
    q = moved.joint_positions_rad
    assert (q >= simulation.spec.lower_rad - 1e-9).all()
    assert (q <= simulation.spec.upper_rad + 1e-9).all()
    # hip and knee flexion (and the ankles) are solved, the other DoFs are the flat cycle's
    legs = retarget.legs
    solved = set(legs.leg_dofs[:, [0, 3]].ravel())
    solved |= set(() if legs.ankle_dofs is None else legs.ankle_dofs.ravel())
    kept = [j for j in range(q.shape[1]) if j not in solved]
    np.testing.assert_array_equal(q[:, kept], flat.joint_positions_rad[:, kept])
    assert (np.abs(q - flat.joint_positions_rad)[:, legs.leg_dofs[:, 3]].max(axis=0) > 0.1).all()


@pytest.mark.parametrize("model", ["legs9", "legs13_ankles"])
def test_a_hyperextended_knee_is_solved_flexed(model):
    """Knees bend the way the avatar's flex, whatever the sign of the cycle's frame.

    A patient's stance knee is often hyperextended by a few degrees (the bundled Xsens walk's
    to -5 deg in 8-15 % of its cycle). Raising its sole by 5 cm must flex the knee, not bend it
    backwards against its -5 deg stop and leave the sole 5 cm short (the IK before session 18).
    """
    with sim.Simulation(sim.MODELS[model], fixed_root=True) as simulation:
        legs = LegGeometry.from_simulation(simulation)
        q = np.zeros((1, len(simulation.spec.dof_names)))
    q[:, legs.leg_dofs[:, 3]] = np.deg2rad(-2.0)
    start = legs.forward(q)
    target = start["sole"] + np.array([0.0, 0.0, 0.05])
    solved = legs.solve(q, start, target, None if legs.ankle_dofs is None else start["foot"])
    np.testing.assert_allclose(legs.forward(solved)["sole"], target, atol=1e-3)
    assert (np.rad2deg(solved[0, legs.leg_dofs[:, 3]]) > 30.0).all()


def test_the_short_leg_is_the_one_its_knee_range_stops():
    """Frames: no knee at its range; left stopped and short; both stopped, right shorter;
    left stopped but its sole above its target."""
    with sim.Simulation(sim.MODELS["legs13_ankles"], fixed_root=True) as simulation:
        legs = LegGeometry.from_simulation(simulation)
        q = np.zeros((4, len(simulation.spec.dof_names)))
    knees = legs.leg_dofs[:, 3]
    top = legs.upper_rad[knees]
    q[1, knees[0]] = top[0]
    q[2, knees] = top
    q[3, knees[0]] = top[0]
    short = np.array([[0.05, 0.05], [0.04, 0.0], [0.02, 0.03], [-0.01, 0.0]])
    np.testing.assert_array_equal(legs.short_leg(q, short), [-1, 0, 1, -1])


@pytest.fixture(scope="module")
def stiff_knee(clip):
    """CMU 16_15 with its left knee made stiff (peak 30 deg), on an avatar whose knee stops at 35.

    The cycle and the avatar's simulation (flat ground).
    """
    stiff = gait.stiffen_knee(clip, "left", peak_flexion_deg=30.0)
    settings = learn.EnvSettings(angle_limits_deg=impairment_angle_limits(stiff, "legs13_ankles"))
    with sim.Simulation(settings.spec(), fixed_root=True) as simulation:
        yield ReferenceMotion.from_motion(stiff, simulation), simulation


def _on_flight(frames, terrain, times):
    """Rows of ``frames`` whose root is over the flight (a tread from either end)."""
    x = frames.root_position_m[:, 0]
    return (x > terrain.start_x_m + terrain.tread_m) & (x < terrain.end_x_m - terrain.tread_m)


def test_a_knee_held_at_its_range_leaves_its_sole_short_step_over_step(clip, stiff_knee):
    """The shortfall check: step over step, a stiff knee's reference puts its foot into the stairs.

    One step per tread on 7.5 cm risers: the stiff leg cannot lift its swing foot over the
    risers (8.7 cm short at most, half its swing frames over 2 cm, with the vault), the other
    leg's sole meets its targets as the healthy clip's do; nothing is retargeted on flat ground.
    On the 1:12 ramp the vault keeps the stiff sole within 3 cm (session 18, before it: 4.6 cm on
    the run's avatar) without lifting the other off its target. A healthy clip's default
    reference is step over step, to the bit.
    """
    terrain = task_terrain("stairs", 2)
    stiff, stiff_simulation = stiff_knee
    short = {}
    with sim.Simulation(learn.EnvSettings().spec(), fixed_root=True) as simulation:
        healthy = ReferenceMotion.from_motion(clip, simulation)
        default = TerrainReference.from_reference(healthy, simulation, treads=terrain)
        over = TerrainReference.from_reference(
            healthy, simulation, treads=terrain, trailing_foot=None
        )
    assert default.trailing_foot is None
    assert (default.stride_scale, default.shift_m) == (over.stride_scale, over.shift_m)
    a, b = (r.frames(TIMES_S, terrain, period_s=1 / 30) for r in (default, over))
    for field in dataclasses.fields(a):
        np.testing.assert_array_equal(getattr(a, field.name), getattr(b, field.name))
    short["healthy"] = default.sole_shortfall_m(TIMES_S, terrain)
    retarget = TerrainReference.from_reference(
        stiff, stiff_simulation, treads=terrain, trailing_foot=None
    )
    short["stiff"] = retarget.sole_shortfall_m(TIMES_S, terrain)
    flat = retarget.sole_shortfall_m(TIMES_S[:10], task_terrain("stairs", 0))
    np.testing.assert_array_equal(flat, np.zeros((10, 2)))
    swing = ~stiff.sample_many(TIMES_S).foot_contacts
    assert short["healthy"].max() < 0.02
    assert short["stiff"][swing[:, 0], 0].max() > 0.06  # the stiff (left) foot
    assert np.mean(short["stiff"][swing[:, 0], 0] > 0.02) > 0.3
    assert short["stiff"][:, 1].max() < 0.03
    ramp = task_terrain("slope", 4)
    on_ramp = TerrainReference.from_reference(stiff, stiff_simulation).sole_shortfall_m(
        TIMES_S, ramp
    )
    assert on_ramp[swing[:, 0], 0].max() < 0.03
    assert on_ramp[:, 1].min() > -0.005


@pytest.mark.parametrize("level", [2, 4])
def test_a_stiff_knee_climbs_step_to_behind_the_other_leg(stiff_knee, level):
    """By default the stiff leg trails: both feet on every tread, its sole within 4 cm.

    The leading (right) foot lands one tread and one riser above its last landing; the stiff
    (left) one lands beside it, on the same tread, and does not slide while it stands; every
    foot advances a tread per stride at the cycle's cadence. Step over step the stiff sole is
    13.8 and 26.3 cm short at most at these levels.
    """
    stiff, simulation = stiff_knee
    terrain = task_terrain("stairs", level)
    retarget = TerrainReference.from_reference(stiff, simulation, treads=terrain)
    assert retarget.trailing_foot == 0
    assert retarget.stride_scale == pytest.approx(terrain.tread_m / stiff.stride_length_m)
    times = np.arange(0.0, 30.0, 1.0 / 120.0)
    moved = retarget.frames(times, terrain, period_s=1 / 30)
    on = _on_flight(moved, terrain, times)
    short = retarget.sole_shortfall_m(times, terrain)
    assert short[on, 0].max() < 0.04
    assert short[on, 1].max() < 0.02
    lead_stance = on & moved.foot_contacts[:, 1]  # the vault leaves the leading foot standing
    assert short[lead_stance, 1].min() > -0.01
    x, z = _soles(moved)
    contact = moved.foot_contacts
    landings = {}
    for side in range(2):
        downs = np.flatnonzero(contact[1:, side] & ~contact[:-1, side]) + 1
        downs = downs[on[downs]]
        landings[side] = np.array([(times[i], x[i, side], z[i, side]) for i in downs])
        lifts = np.flatnonzero(~contact[1:, side] & contact[:-1, side]) + 1
        for down in downs if side == 0 else []:  # the trailing foot stands (within 5 mm: the
            up = lifts[lifts > down]  # legs' IK) until its next lift-off
            if up.size:
                np.testing.assert_allclose(x[down : up[0], side], x[down, side], atol=5e-3)
    lead, trail = landings[1], landings[0]
    assert len(lead) >= 5 and len(trail) >= 5
    np.testing.assert_allclose(np.diff(lead[:, 1]), terrain.tread_m, atol=0.01)
    np.testing.assert_allclose(np.diff(lead[:, 2]), terrain.rise_m, atol=0.01)
    for t, x_m, z_m in trail:  # beside the leading foot's last landing
        before = lead[lead[:, 0] < t]
        if before.size:
            assert x_m == pytest.approx(before[-1, 1], abs=0.03)
            assert z_m == pytest.approx(before[-1, 2], abs=0.01)


def test_the_avatar_in_the_retargeted_pose_has_its_soles_and_centre_of_mass(retargeting):
    """Forward kinematics by pybullet: the avatar played at retargeted frames (fixed root)."""
    retarget, simulation = retargeting
    moved = retarget.frames(TIMES_S[240:720:12], task_terrain("stairs", 2), period_s=1 / 30)
    yaw = quaternion_yaw(moved.root_quaternion)
    worst_feet, worst_com = 0.0, 0.0
    for k, frame in enumerate(moved.unstack()):
        simulation.reset_pose(
            frame.root_position_m, frame.root_quaternion, frame.joint_positions_rad
        )
        turn = np.array(
            [
                [np.cos(yaw[k]), -np.sin(yaw[k]), 0.0],
                [np.sin(yaw[k]), np.cos(yaw[k]), 0.0],
                [0, 0, 1],
            ]
        )
        feet = frame.root_position_m + frame.feet_m @ turn.T
        com = frame.root_position_m + turn @ frame.com_m
        worst_feet = max(worst_feet, np.abs(simulation.sole_points() - feet).max())
        worst_com = max(worst_com, np.abs(simulation.centre_of_mass() - com).max())
    assert worst_feet < 0.002
    assert worst_com < 0.002
    assert np.ptp(moved.root_position_m[:, 2]) > 0.2  # the frames climbed


def test_velocities_add_the_rate_of_change_of_the_retargeting(retargeting):
    """Joint and vertical root velocities: the flat cycle's plus the change over one period."""
    retarget = retargeting[0]
    terrain = task_terrain("stairs", 2)
    period = 1 / 30
    times = TIMES_S[300:330]

    def change(times_s):
        moved = retarget.frames(times_s, terrain, period_s=period)
        flat = retarget.reference.sample_many(times_s)
        return (
            moved.joint_positions_rad - flat.joint_positions_rad,
            moved.root_position_m[:, 2] - flat.root_position_m[:, 2],
        )

    (q_behind, z_behind), (q_ahead, z_ahead) = (
        change(times - period / 2),
        change(times + period / 2),
    )
    moved = retarget.frames(times, terrain, period_s=period)
    flat = retarget.reference.sample_many(times)
    np.testing.assert_allclose(
        moved.joint_velocities_rad_s - flat.joint_velocities_rad_s,
        (q_ahead - q_behind) / period,
        atol=1e-9,
    )
    climb = moved.root_linear_velocity_m_s[:, 2] - flat.root_linear_velocity_m_s[:, 2]
    np.testing.assert_allclose(climb, (z_ahead - z_behind) / period, atol=1e-9)
    assert climb.max() > 0.2


def test_steps_of_one_tread_land_in_the_middle_of_every_tread(retargeting):
    """On 7.5 cm stairs: one riser per step, every touchdown within 3 cm of a tread's middle."""
    retarget, simulation = retargeting
    terrain = task_terrain("stairs", 2)
    treads = TerrainReference.from_reference(retarget.reference, simulation, treads=terrain)
    scale = terrain.tread_m / (0.5 * retarget.reference.stride_length_m)
    assert treads.stride_scale == pytest.approx(scale)
    times = np.arange(0.0, 14.0, 1.0 / 120.0)
    moved = treads.frames(times, terrain, period_s=1 / 30)
    flat = retarget.reference.sample_many(times)
    x, z = _soles(moved)
    contact = moved.foot_contacts
    landings = []
    for side in range(2):
        downs = np.flatnonzero(contact[1:, side] & ~contact[:-1, side]) + 1
        landings += [(x[i, side], z[i, side]) for i in downs]
    landings = np.array(sorted(landings))
    on_flight = (landings[:, 0] > terrain.start_x_m) & (landings[:, 0] < terrain.end_x_m)
    assert on_flight.sum() >= terrain.n_steps - 1
    # each landing on the flight is one tread ahead of the one before and one riser higher
    x_on, z_on = landings[on_flight, 0], landings[on_flight, 1]
    np.testing.assert_allclose(np.diff(x_on), terrain.tread_m, atol=0.01)
    np.testing.assert_allclose(np.diff(z_on), terrain.rise_m, atol=0.01)
    into_tread = (x_on - terrain.start_x_m) % terrain.tread_m
    assert np.abs(into_tread - 0.5 * terrain.tread_m).max() < 0.03
    # the root advances k times as fast at the cycle's clock
    speed = np.polyfit(times, moved.root_position_m[:, 0], 1)[0]
    assert speed == pytest.approx(scale * retarget.reference.speed_m_s, rel=0.02)
    np.testing.assert_allclose(
        moved.root_linear_velocity_m_s[:, 0], scale * flat.root_linear_velocity_m_s[:, 0]
    )


def _reference_following(clip, settings: learn.EnvSettings) -> tuple[float, dict]:
    """Mean imitation term over steps 45-90 of the root-assisted reference action, stairs 2.

    The episode starts at phase 0 (pelvis at x = 0); the first riser is at 2 m, reached
    after about 50 steps. Also returns the reset's info.
    """
    env = learn.task_env(clip, "stairs", settings=settings, level=2)
    try:
        _, info = env.reset(seed=0, options={"phase": 0.0})
        env.set_root_assist(1.0)
        terms = []
        for _ in range(90):
            *_, terminated, _, step = env.step(env.reference_action())
            terms.append(step["imitation"])
            if terminated:
                break
        return (float(np.mean(terms[45:])) if len(terms) > 45 else 0.0), info
    finally:
        env.close()


def test_the_assisted_avatar_follows_the_terrain_reference_up_the_stairs_better(clip):
    with_terrain, info = _reference_following(clip, learn.EnvSettings(terrain_reference=True))
    flat, _ = _reference_following(clip, learn.EnvSettings())
    assert with_terrain > 0.7
    assert with_terrain > flat + 0.2
    treads = learn.EnvSettings(terrain_reference=True, tread_steps=True)
    on_treads, tread_info = _reference_following(clip, treads)
    assert on_treads > 0.7
    # the goal is the reference's: its stride is two treads
    assert tread_info["goal_stride_length_m"] == pytest.approx(0.6)
    assert tread_info["goal_speed_m_s"] < 0.6 * info["goal_speed_m_s"]


def test_tread_steps_need_the_terrain_reference(clip):
    with pytest.raises(GaitTwinInputError, match="tread_steps"):
        learn.TaskSettings(tread_steps=True)
    with pytest.raises(GaitTwinInputError, match="tread_steps"):
        learn.task_env(clip, "stairs", settings=learn.EnvSettings(tread_steps=True), level=2)
    on_slope = learn.EnvSettings(terrain_reference=True, tread_steps=True)
    with pytest.raises(GaitTwinInputError, match="stairs task"):
        learn.task_env(clip, "slope", settings=on_slope, level=2)


def test_stepping_together_on_stairs_with_the_terrain_reference(clip):
    """Two environments stepped one by one and together give the same results."""
    settings = learn.EnvSettings(terrain_reference=True, reference_state=True, max_steps=40)
    results = {}
    for together in (False, True):
        envs = [learn.task_env(clip, "stairs", settings=settings, level=2) for _ in range(2)]
        try:
            for seed, env in enumerate(envs):
                env.reset(seed=seed, options={"phase": 0.9})
                env.set_root_assist(1.0)
            rows = []
            for _ in range(40):
                actions = [env.reference_action() for env in envs]
                if together:
                    out = ImitationEnv.step_together(envs, actions)
                else:
                    out = [env.step(a) for env, a in zip(envs, actions, strict=True)]
                rows.append([(obs, reward) for obs, reward, *_ in out])
            results[together] = rows
            assert envs[0].simulation.state().root_position_m[2] > 0.95  # on the stairs
        finally:
            for env in envs:
                env.close()
    for alone, together in zip(results[False], results[True], strict=True):
        for (obs_a, reward_a), (obs_b, reward_b) in zip(alone, together, strict=True):
            np.testing.assert_array_equal(obs_a, obs_b)
            assert reward_a == reward_b


def test_a_run_resumes_only_with_the_reference_it_was_trained_with(tmp_path):
    old = {"task": "stairs", "task_settings": {"n_envs": 16}}  # saved before the option
    settings = {"n_envs": 16, "terrain_reference": True, "tread_steps": False}
    settings.update(follow_walker=False, pace_floor=0.0, to_the_end=False)
    new = {"task": "stairs", "task_settings": settings}
    with pytest.raises(GaitTwinInputError, match="task_settings"):
        check_same_run(tmp_path, {**old, "curriculum_settings": {}}, new)
    settings["terrain_reference"] = False
    check_same_run(tmp_path, {**old, "curriculum_settings": {}}, new)
    settings.update(terrain_reference=True, tread_steps=True)
    saved = {"task": "stairs", "task_settings": {"n_envs": 16, "terrain_reference": True}}
    with pytest.raises(GaitTwinInputError, match="task_settings"):
        check_same_run(tmp_path, {**saved, "curriculum_settings": {}}, new)
    assert learn.TaskSettings().terrain_reference is False
    assert learn.TaskSettings().tread_steps is False
    assert learn.TaskSettings().follow_walker is False
    assert learn.EnvSettings().terrain_reference is False


def test_lag_treads_rounds_the_walkers_lag_to_whole_treads():
    assert lag_treads(3.0, 2.05, 0.3) == 3
    assert lag_treads(3.0, 2.2, 0.3) == 3  # 2.67 treads
    assert lag_treads(3.0, 2.6, 0.3) == 1
    assert lag_treads(3.0, 3.4, 0.3) == -1  # the walker ahead


def test_follow_walker_puts_the_reference_on_the_stairs_where_the_walker_is(clip):
    """A walker 3 treads behind: from the next step the reference's stairs are shifted by 3
    treads, so the ground under its root is the ground 3 treads behind it."""
    follow = learn.EnvSettings(terrain_reference=True, tread_steps=True, follow_walker=True)
    env = learn.task_env(clip, "stairs", settings=follow, level=2)
    try:
        env.reset(seed=0, options={"phase": 0.0})
        terrain = env.simulation.terrain
        reference_x = env._retargeted(1)[0].root_position_m[0]
        env._positions.append(np.array([reference_x - 3.1 * terrain.tread_m, 0.0, 1.0]))
        env.step(env.reference_action())
        assert env._lag_treads == 3
        on_flight = 0
        for step in range(200, 240):  # 3.5-4.2 m: the reference on the flight
            frame, ground = env._retargeted(step)
            behind = frame.root_position_m[0] - 3 * terrain.tread_m
            assert ground == pytest.approx(float(terrain.height_at(np.array([behind]))[0]))
            on_flight += ground > 0.0
        assert on_flight > 0  # the check covers the flight, not only the flat approach
    finally:
        env.close()
    with pytest.raises(GaitTwinInputError, match="follow_walker: expected tread_steps"):
        learn.task_env(
            clip,
            "stairs",
            settings=learn.EnvSettings(terrain_reference=True, follow_walker=True),
            level=2,
        )
    with pytest.raises(GaitTwinInputError, match="follow_walker"):
        learn.TaskSettings(terrain_reference=True, follow_walker=True)


def test_the_environment_climbs_step_to_at_one_tread_per_stride(clip):
    """A stiff knee's stairs episode: the step-to reference; goal and pace one tread per stride."""
    stiff = gait.stiffen_knee(clip, "left", peak_flexion_deg=30.0)
    limits = impairment_angle_limits(stiff, "legs13_ankles")
    for motion, angle_limits, trailing, steps in ((clip, (), None, 1), (stiff, limits, 0, 2)):
        settings = learn.EnvSettings(
            angle_limits_deg=angle_limits, terrain_reference=True, tread_steps=True
        )
        env = learn.task_env(motion, "stairs", settings=settings, level=2)
        try:
            env.reset(seed=0)
            assert env.trailing_foot == trailing
            goal_speed, goal_stride = env.goal
            terrain = task_terrain("stairs", 2)
            pace = nominal_pace_m_s(goal_speed, goal_stride, terrain, steps_per_tread=steps)
            assert env.nominal_pace_m_s == pytest.approx(pace)
            # the reference's own forward speed at the cycle's cadence
            assert env.goal_now[0] == pytest.approx(pace, rel=0.02)
        finally:
            env.close()


def test_episodes_to_the_end_last_until_the_walker_can_pass_the_top(clip):
    """With ``to_the_end``: long enough to pass the end of the terrain at the walker's pace.

    On the 11 m slope course at 16_15's 1.1 m/s the default 500 steps suffice; shorter caps
    are lengthened to 1.25 times the course's time. A step-to climb (one tread per stride, a
    quarter of 16_15's walking speed) needs about 800 steps to pass the top of the flight. The
    episode is truncated at that cap, and each step's ``return_scale`` is ``max_steps / cap``.
    """
    env = learn.task_env(clip, "slope", level=1, max_steps=100, to_the_end=True)
    try:
        env.reset(seed=0)
        steps = env.episode_cap
        assert steps == pytest.approx(1.25 * 11.0 / env.nominal_pace_m_s * 30.0, abs=1.0)
        assert 300 < steps < 500
        env.max_steps = 500
        env.reset(seed=0)
        assert env.episode_cap == 500
        env.to_the_end = False
        env.max_steps = 2
        env.reset(seed=0)
        assert env.episode_cap == 2
        truncated = [env.step(env.reference_action())[3] for _ in range(2)]
        assert truncated == [False, True]
    finally:
        env.close()
    stiff = gait.stiffen_knee(clip, "left", peak_flexion_deg=30.0)
    settings = learn.EnvSettings(
        angle_limits_deg=impairment_angle_limits(stiff, "legs13_ankles"),
        terrain_reference=True,
        tread_steps=True,
    )
    env = learn.task_env(stiff, "stairs", settings=settings, level=2, max_steps=2,
                         to_the_end=True)  # fmt: skip
    try:
        env.reset(seed=0)
        assert env.trailing_foot == 0
        steps = env.episode_cap
        assert steps == pytest.approx(1.25 * 5.6 / env.nominal_pace_m_s * 30.0, abs=1.0)
        assert steps > 700
        results = [env.step(env.reference_action()) for _ in range(3)]
        assert not any(truncated for _, _, _, truncated, _ in results)
        assert results[-1][4]["return_scale"] == pytest.approx(2 / steps)
    finally:
        env.close()


def test_the_assisted_stiff_avatar_follows_step_to_better(clip, monkeypatch):
    """The physics check of step-to: the root-assisted reference action, stairs level 2.

    The stiff-knee clip's avatar (knee range 35 deg) playing its reference's PD targets with the
    root assist follows the step-to reference more closely than the step-over-step one, whose
    stiff foot the treads stop (mean imitation term over steps 45-150: 0.52 against 0.38).
    """
    stiff = gait.stiffen_knee(clip, "left", peak_flexion_deg=30.0)
    settings = learn.EnvSettings(
        angle_limits_deg=impairment_angle_limits(stiff, "legs13_ankles"),
        terrain_reference=True,
        tread_steps=True,
    )
    build = TerrainReference.from_reference.__func__
    following = {}
    for trailing in (None, "auto"):

        def fixed(cls, reference, simulation, *, treads=None, choice=trailing):
            return build(cls, reference, simulation, treads=treads, trailing_foot=choice)

        monkeypatch.setattr(TerrainReference, "from_reference", classmethod(fixed))
        env = learn.task_env(stiff, "stairs", settings=settings, level=2)
        try:
            env.reset(seed=0, options={"phase": 0.0})
            env.set_root_assist(1.0)
            terms = []
            for _ in range(150):
                *_, terminated, truncated, info = env.step(env.reference_action())
                terms.append(info["imitation"])
                assert not (terminated or truncated)
            following[trailing] = float(np.mean(terms[45:]))
            assert env.trailing_foot == (None if trailing is None else 0)
        finally:
            env.close()
    assert following["auto"] > following[None] + 0.08
