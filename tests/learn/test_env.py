import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env as gymnasium_check_env
from scipy.spatial.transform import Rotation
from stable_baselines3.common.env_checker import check_env as sb3_check_env

import imu
import learn
from imu import GaitTwinInputError
from learn import ImitationEnv
from learn.env._observation import read_body, rotation_error_rad


@pytest.fixture()
def env(walk_clip):
    environment = ImitationEnv([walk_clip], max_steps=40)
    yield environment
    environment.close()


def test_gymnasium_check_env(env):
    gymnasium_check_env(env, skip_render_check=True)


def test_check_env_with_the_reference_block_and_ankles(walk_clip):
    settings = learn.EnvSettings(model="legs13_ankles", reference_state=True, max_steps=40)
    environment = learn.make_env([walk_clip], settings)
    gymnasium_check_env(environment, skip_render_check=True)
    sb3_check_env(environment, warn=True)
    environment.close()


def test_sb3_check_env(env):
    sb3_check_env(env, warn=True)


def test_spaces_match_the_paper_sizes(env):
    assert env.action_space.shape == (14,)
    assert env.observation_space.shape == (3 * 116,)
    observation, _ = env.reset(seed=1)
    assert observation.shape == env.observation_space.shape
    assert observation.dtype == np.float32


def test_named_frame_slices_tile_the_frame_and_read_known_values(walk_clip):
    environment = ImitationEnv([walk_clip], goal=(1.1, 1.3), max_steps=40, reference_state=True)
    sizes = [s.stop - s.start for s in environment.frame_slices.values()]
    starts = [s.start for s in environment.frame_slices.values()]
    assert starts == [0, *np.cumsum(sizes)[:-1].tolist()]  # contiguous, in order
    assert sum(sizes) == environment.frame_size
    observation, _ = environment.reset(seed=2, options={"phase": 0.3})
    part = environment.observation_part
    assert part(observation, "phase")[0] == pytest.approx(0.3, abs=1e-6)
    np.testing.assert_allclose(
        [part(observation, "target_speed_m_s")[0], part(observation, "target_stride_m")[0]],
        [1.1, 1.3],
        rtol=1e-6,
    )
    assert part(observation, "hip_height_m")[0] > 0.5  # standing on the reference pose
    assert part(observation, "posture", frame=0).shape == part(observation, "posture").shape
    assert part(observation, "reference_error").shape == (environment.model.n_dofs + 13,)
    with pytest.raises(GaitTwinInputError, match="observation part: expected one of"):
        part(observation, "pelvis")
    environment.close()


def _rollout(environment, seed, actions):
    observation, _ = environment.reset(seed=seed)
    observations, rewards = [observation], []
    for action in actions:
        observation, reward, terminated, truncated, _ = environment.step(action)
        assert type(terminated) is bool and type(truncated) is bool
        observations.append(observation)
        rewards.append(reward)
        if terminated or truncated:
            break
    return np.array(observations), np.array(rewards)


def test_same_seed_and_actions_replay_identically(walk_clip, env):
    actions = np.random.default_rng(3).uniform(-0.3, 0.3, (25, 14)).astype(np.float32)
    first = _rollout(env, 7, actions)
    _rollout(env, 8, actions)  # a different episode in between must not leak into the replay
    again = _rollout(env, 7, actions)
    other = ImitationEnv([walk_clip], max_steps=40)
    fresh = _rollout(other, 7, actions)
    other.close()
    for replay in (again, fresh):
        np.testing.assert_array_equal(first[0], replay[0])
        np.testing.assert_array_equal(first[1], replay[1])
    different = _rollout(env, 9, actions)
    assert not np.array_equal(first[0][0], different[0][0])


def test_episode_is_truncated_at_the_cap(walk_clip):
    environment = ImitationEnv([walk_clip], max_steps=5)
    environment.reset(seed=0)
    flags = [environment.step(environment.reference_action())[2:4] for _ in range(5)]
    environment.close()
    assert flags[-1] == (False, True)
    assert all(f == (False, False) for f in flags[:-1])


def test_playing_the_reference_kinematically_scores_near_the_maximum(walk_clip):
    """Replace physics by teleporting to the reference: imitation and goal near 1."""
    environment = ImitationEnv([walk_clip], max_steps=60)
    reference = environment.clip_reference(0)
    goal = (reference.speed_m_s, reference.stride_length_m)
    environment.reset(seed=0, options={"goal": goal, "phase": 0.3})
    simulation = environment.simulation
    steps = {"k": 0}

    def kinematic_step(action):
        steps["k"] += 1
        frame = environment.reference.sample(environment._t0 + steps["k"] * environment.dt)
        simulation.reset_pose(
            frame.root_position_m,
            frame.root_quaternion,
            frame.joint_positions_rad,
            root_linear_velocity_m_s=frame.root_linear_velocity_m_s,
            root_angular_velocity_rad_s=frame.root_angular_velocity_rad_s,
            joint_velocities_rad_s=frame.joint_velocities_rad_s,
        )
        simulation.client.performCollisionDetection()

    simulation.step = kinematic_step
    infos = []
    for _ in range(60):
        *_, info = environment.step(np.zeros(14, dtype=np.float32))
        infos.append(info)
    environment.close()
    imitation = np.array([i["imitation"] for i in infos])
    goal_terms = np.array([i["goal"] for i in infos[40:]])  # after a stride has been measured
    assert imitation.min() > 0.99
    assert goal_terms.min() > 0.95
    rewards = [0.5 * i["goal"] + 0.5 * i["imitation"] - i["physics"] for i in infos]
    assert np.mean(rewards) > 0.85  # the rest: the clip's own foot sliding (rigid feet)
    assert max(i["joint_error_rad"] for i in infos) < 1e-6


def test_zero_offset_tracking_beats_random_actions(walk_clip):
    """PD tracking of the clip (zero offsets) survives longer and earns more than noise."""
    environment = ImitationEnv([walk_clip], max_steps=60)
    rng = np.random.default_rng(0)
    returns = {"track": [], "noise": []}
    for seed in range(3):
        for kind in returns:
            environment.reset(seed=seed)
            total = 0.0
            for _ in range(60):
                action = (
                    environment.reference_action()
                    if kind == "track"
                    else rng.uniform(-1.0, 1.0, 14)
                )
                _, reward, terminated, truncated, _ = environment.step(action)
                total += reward
                if terminated or truncated:
                    break
            returns[kind].append(total)
    environment.close()
    assert np.mean(returns["track"]) > np.mean(returns["noise"])


def test_bad_options_raise(walk_clip, env):
    with pytest.raises(GaitTwinInputError, match="action_mode: expected one of"):
        ImitationEnv([walk_clip], action_mode="torque")
    with pytest.raises(GaitTwinInputError, match="clips: expected at least one Motion"):
        ImitationEnv([])
    with pytest.raises(GaitTwinInputError, match=r"options: expected keys .* found \['speed'\]"):
        env.reset(seed=0, options={"speed": 1.0})
    with pytest.raises(GaitTwinInputError, match="goal: expected positive"):
        ImitationEnv([walk_clip], goal=(0.0, 1.0))
    with pytest.raises(GaitTwinInputError, match=r"stride_spread: expected None or a fraction"):
        ImitationEnv([walk_clip], stride_spread=1.0)


def test_natural_stride_grows_with_the_square_root_of_speed():
    goals = np.array([[1.0, 1.4], [1.44, 1.56]])  # a = 1.4 and 1.3
    assert learn.env.natural_stride_m(goals, 1.0) == pytest.approx(1.35)
    np.testing.assert_allclose(
        learn.env.natural_stride_m(goals, np.array([0.25, 4.0])), [0.675, 2.7]
    )


def test_goal_strides_follow_the_speed_within_the_spread(walk_clip, second_clip):
    environment = ImitationEnv([walk_clip, second_clip], stride_spread=0.1)
    environment.reset(seed=4)
    goals = np.array([environment.draw_goal() for _ in range(300)])
    library = np.array([learn.clip_goal(c) for c in (walk_clip, second_clip)])
    natural = learn.env.natural_stride_m(library, goals[:, 0])
    inside = np.clip(natural, *environment.stride_range_m)
    assert np.all(np.abs(goals[:, 1] / inside - 1.0) <= 0.1 + 1e-9)
    assert goals[:, 0].min() < 0.5 and goals[:, 0].max() > 1.3  # the whole speed range
    environment.stride_spread = None
    free = np.array([environment.draw_goal() for _ in range(300)])
    assert np.abs(np.corrcoef(free.T)[0, 1]) < 0.2  # independent draws
    environment.close()


def test_reference_state_reads_the_distance_to_the_next_reference_frame(walk_clip):
    """The optional block is zero on the reference and reports a known joint displacement."""
    environment = ImitationEnv([walk_clip], max_steps=40, reference_state=True)
    assert environment.frame_size == 116 + 9 + 13
    assert environment.observation_space.shape == (3 * (116 + 22),)
    environment.reset(seed=0, options={"phase": 0.4})
    simulation = environment.simulation
    frame = environment.reference.sample(environment._t0)
    target = learn.env.ReferenceFrame.stack([frame])
    on_reference = learn.env.reference_features(read_body([simulation]), target)[0]
    assert np.abs(on_reference[:13]).max() < 1e-6  # joints, root rotation and height
    assert np.abs(on_reference[13:]).max() < 1e-3  # CoM and feet: the reference's grid, m
    knee = environment.model.dof_names.index("knee_r_y")
    bent = frame.joint_positions_rad.copy()
    bent[knee] += 0.3
    simulation.reset_pose(frame.root_position_m, frame.root_quaternion, bent)
    displaced = learn.env.reference_features(read_body([simulation]), target)[0]
    assert displaced[knee] == pytest.approx(-0.3, abs=1e-6)
    assert np.abs(np.delete(displaced[:9], knee)).max() < 1e-6
    assert np.abs(displaced[9:13]).max() < 1e-6  # root rotation and height unchanged
    assert np.abs(displaced[13:]).max() > 0.01  # the right foot and the CoM moved
    observation, *_ = environment.step(np.zeros(14, dtype=np.float32))
    environment.close()
    assert observation.shape == environment.observation_space.shape


def _speed_kept(clip, model):
    """Mean over 12 episodes of the forward speed over steps 12-24 of zero-offset tracking,
    divided by the reference's (episodes that fall earlier are left out)."""
    settings = learn.EnvSettings(model=model, pd_frequency_rad_s=30.0, stride_spread=0.15)
    environment = learn.make_env([clip], settings)
    ratios = []
    for seed in range(12):
        environment.reset(seed=seed)
        speeds, reference = [], []
        for step in range(24):
            _, _, terminated, *_ = environment.step(environment.reference_action())
            if terminated:
                break
            if step >= 12:
                yaw = read_body([environment.simulation]).yaw_rad[0]
                velocity = environment.simulation.state().root_linear_velocity_m_s
                speeds.append(np.cos(yaw) * velocity[0] + np.sin(yaw) * velocity[1])
                frame = environment.reference.sample(environment._t0 + (step + 1) * environment.dt)
                reference.append(frame.root_linear_velocity_m_s[0])
        if len(speeds) == 12:
            ratios.append(np.mean(speeds) / np.mean(reference))
    environment.close()
    assert len(ratios) >= 10
    return float(np.mean(ratios))


def test_only_the_ankle_model_keeps_the_reference_speed_when_tracking(walk_clip):
    """Rigid feet have no push-off: tracking the clip brakes the 9-DoF avatar within a step."""
    rigid, ankles = _speed_kept(walk_clip, "legs9"), _speed_kept(walk_clip, "legs13_ankles")
    assert rigid < 0.7
    assert ankles > 0.8
    assert ankles > rigid + 0.2


def test_rotation_error_is_scipys_rotation_vector_to_the_last_bit():
    """The hand-written rotation vector equals scipy's of the same product, near identity too."""
    rng = np.random.default_rng(0)
    actual = rng.normal(size=(3000, 4))
    actual /= np.linalg.norm(actual, axis=1)[:, None]
    turn = rng.normal(size=(3000, 4)) * [1e-4, 1e-4, 1e-4, 1.0]  # many below the 1e-3 series
    turn[::2] = rng.normal(size=(1500, 4))
    target = (Rotation.from_quat(turn) * Rotation.from_quat(actual)).as_quat()
    product = imu.quaternion_multiply(target, imu.quaternion_conjugate(actual))
    expected = Rotation.from_quat(product).as_rotvec()
    found = np.array([rotation_error_rad(t, a) for t, a in zip(target, actual, strict=True)])
    np.testing.assert_array_equal(found, expected)
    assert np.sum(np.linalg.norm(expected, axis=1) < 1e-3) > 100


def _episode_results(environments, actions, *, together: bool) -> list:
    """Per step, every environment's (obs, reward, terminated, truncated, numeric info)."""
    for seed, environment in enumerate(environments):
        environment.reset(seed=seed)
    steps = []
    for step_actions in actions:
        if together:
            results = ImitationEnv.step_together(environments, step_actions)
        else:
            results = [e.step(a) for e, a in zip(environments, step_actions, strict=True)]
        for environment, (*_, terminated, truncated, _) in zip(environments, results, strict=True):
            if terminated or truncated:
                environment.reset()
        steps.append(
            [
                (obs, reward, terminated, truncated, [np.ravel(info[k]) for k in sorted(info)])
                for obs, reward, terminated, truncated, info in results
            ]
        )
    return steps


def test_stepping_together_gives_each_environment_its_own_results(walk_clip, second_clip):
    """Three environments (goals drawn, one with the assist) stepped together or one by one."""
    settings = learn.EnvSettings(model="legs13_ankles", reference_state=True, max_steps=12)

    def environments():
        made = [learn.make_env([walk_clip, second_clip], settings) for _ in range(3)]
        made[1].set_root_assist(0.4)
        return made

    actions = np.random.default_rng(1).normal(0.0, 0.5, (40, 3, 20))
    one_by_one = _episode_results(environments(), actions, together=False)
    together = _episode_results(environments(), actions, together=True)
    assert sum(r[2] or r[3] for step in together for r in step) >= 6  # resets on the way
    for expected, found in zip(one_by_one, together, strict=True):
        for (obs, reward, *flags, info), (obs2, reward2, *flags2, info2) in zip(
            expected, found, strict=True
        ):
            np.testing.assert_array_equal(obs2, obs)
            assert reward2 == reward and flags2 == flags
            for a, b in zip(info, info2, strict=True):
                np.testing.assert_array_equal(b, a)


def test_stepping_together_needs_one_observation_layout(walk_clip):
    plain = ImitationEnv([walk_clip], max_steps=5)
    with_reference = ImitationEnv([walk_clip], max_steps=5, reference_state=True)
    for environment in (plain, with_reference):
        environment.reset(seed=0)
    with pytest.raises(GaitTwinInputError, match="step_together: expected environments of one"):
        ImitationEnv.step_together([plain, with_reference], np.zeros((2, 14)))
    plain.close()
    with_reference.close()
