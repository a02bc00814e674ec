"""The imitation environment: the avatar follows a reference gait cycle under speed/stride goals.

Over 400 lines for one reason: it is one gymnasium class, whose docstring holds the tables of
observation and action components with units (as the design asks), and whose reset, step,
action mapping and termination share its state. The observation, reward, reference and stair
cue it combines are in their own modules.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

import gymnasium as gym
import numpy as np
import pandas as pd

from gait import Motion, nearest_clip
from imu import GaitTwinInputError, quaternion_angle, quaternion_z_axis
from learn.env._observation import (
    LINK_PARENTS,
    BodyReading,
    posture_features,
    read_body,
    reference_features,
    rotation_error_rad,
)
from learn.env._pace import course_steps, nominal_pace_m_s, pace_floor_deviation
from learn.env._reference import ReferenceMotion, natural_stride_m
from learn.env._reference_frame import ReferenceFrame, stack_rows
from learn.env._reward import (
    GoalErrors,
    ImitationErrors,
    goal_reward,
    imitation_reward,
    physics_penalty,
    squared,
    total_reward,
)
from learn.env._terrain_reference import TerrainReference
from learn.tasks import StairCue, task_terrain
from sim import DEFAULT_MODEL, RAY_ANGLES_RAD, BodyDimensions, ModelSpec, Simulation, Terrain

#: Goal range of the atlas's walking speed (the paper's), m/s.
SPEED_RANGE_M_S: tuple[float, float] = (0.4, 1.4)
#: Goal range of the atlas's stride length (the paper's), m.
STRIDE_RANGE_M: tuple[float, float] = (0.5, 1.7)

#: Meanings of an action: ``"offset"`` from the reference pose or ``"absolute"`` PD targets.
ACTION_MODES = ("offset", "absolute")

#: Tasks of the environment: flat ground (the terrain given) or a curriculum task's terrain.
TASKS = ("flat", "slope", "stairs")

#: Natural frequency of the assistive root wrench at scale 1, Hz: a critically damped spring
#: of the whole body mass towards the reference root position.
ASSIST_FREQUENCY_HZ: float = 2.0
#: Control steps of the terrain-aware reference retargeted at once (``terrain_reference``): one
#: vectorised call per chunk costs about as much as one frame.
TERRAIN_REFERENCE_CHUNK_STEPS = 32
#: Damping ratio of the assistive root wrench (critical).
ASSIST_DAMPING_RATIO: float = 1.0
#: Rotational stiffness of the assist at scale 1, N m/rad. The wrench is held over a whole
#: control period (4 physics substeps), which makes stiffer rotational gains unstable on the
#: light pelvis link (1000 / 150 diverged within 5 steps; 200 / 30 is stable).
ASSIST_STIFFNESS_N_M_RAD: float = 200.0
#: Rotational damping of the assist at scale 1, N m s/rad (see the stiffness).
ASSIST_DAMPING_N_M_S_RAD: float = 30.0


class ImitationEnv(gym.Env):
    """The avatar imitates a looping reference gait cycle while meeting speed and stride goals.

    At every reset a goal (speed, stride length) is drawn (or the fixed ``goal`` is used), the
    nearest clip (:meth:`nearest_clip`) is time-resampled to the goal speed and stride length
    (:meth:`ReferenceMotion.resampled`), and the avatar is placed in the reference state at
    a random phase (reference state initialisation). Control runs at ``1 / simulation.dt``
    (30 Hz by default). An episode ends when a non-foot link touches the ground (terminated, a
    fall) or after :attr:`episode_cap` steps (truncated).

    Parameters
    ----------
    clips
        Walking clips along +x with foot contacts (the clip library).
    spec
        Avatar DoFs (:data:`sim.DEFAULT_MODEL`: 9 DoF, 5 joints, 14 actions).
    body
        Avatar segment dimensions (:func:`sim.body_dimensions`); None: :class:`sim.Simulation`'s
        default body, the same as :data:`learn.env.DEFAULT_HEIGHT_M` and ``DEFAULT_MASS_KG``.
    terrain
        Terrain (default flat ground).
    goal
        Fixed ``(speed_m_s, stride_length_m)`` for every episode (adaptation, evaluation);
        ``None`` draws goals uniformly from ``speed_range_m_s`` x ``stride_range_m``.
    speed_range_m_s, stride_range_m
        Goal ranges, m/s and m.
    action_mode
        ``"offset"``: PD targets are the reference pose plus ``offset_scale_rad * a`` (a zero
        action tracks the clip); ``"absolute"``: PD targets span each joint's range, zero being
        mid-range.
    offset_scale_rad
        Largest PD-target offset from the reference, rad (``"offset"`` mode).
    max_steps
        Episode length cap (the paper's 500 steps = 16.7 s).
    to_the_end
        Lengthen each episode's cap so that a walker at its nominal pace passes the end of the
        episode's terrain (:attr:`episode_cap`): a slow walker or a step-to climb then reaches
        the stairs' landing and the end of the ramp in training, as in evaluation. False: every
        episode lasts at most ``max_steps``.
    random_start
        Start each episode at a random phase of the cycle (otherwise at phase 0).
    window_s
        Running window of the goal terms, s.
    task
        ``"flat"`` (the ``terrain`` given, default flat ground), ``"slope"`` or ``"stairs"``
        (:func:`learn.tasks.task_terrain` at ``terrain_level``; ``terrain`` must then be None).
        Task environments follow :class:`learn.tasks.CurriculumEnv`: :meth:`set_terrain_level` and
        :meth:`set_stair_cue` take effect at the next reset.
    terrain_level
        Curriculum level 0-4 of the first episode of a slope or stairs task.
    stair_cue
        Stairs only: add the stair cue's shaping term (:class:`learn.tasks.StairCue`,
        ``weight * (cue - 1)``) to the reward while the cue is active; False is the ablation.
    stride_spread
        Draw the stride length within ``+-stride_spread`` (a fraction) of the library's
        natural stride at the drawn speed (:func:`learn.env.natural_stride_m`), clipped to
        ``stride_range_m``; ``None`` draws it uniformly from ``stride_range_m``, independent
        of the speed (then many goals pair slow speeds with long strides that no clip walks,
        and the time-resampled reference slides its feet).
    speed_goal
        Include the speed term in the goal reward. False holds that kernel at 1 (zero speed
        error) unless ``pace_floor`` is set; the target speed stays in the observation (the
        stairs task: the paper sets no speed target on stairs).
    pace_floor
        With ``speed_goal`` False: the speed term penalises only a window speed below
        ``pace_floor`` times the patient's nominal pace on the terrain
        (:func:`learn.env.nominal_pace_m_s`; one step per tread on stairs), a floor and not a
        target (:func:`learn.env.pace_floor_deviation`); 0 (the default): no speed term.
    reference_state
        Append to every observation frame how far the avatar is from the next reference frame
        (:func:`learn.env.reference_features`; ``n_dofs + 13`` values, 22 for the default model).
        Not in the paper's state: with a library of clips resampled to each goal, the phase alone
        does not say where the reference is, and the policy has to infer it.
    terrain_reference
        Slope and stairs: retarget the reference to the terrain at its own position
        (:class:`learn.env.TerrainReference`: pelvis and feet on the surface, hip and knee
        flexion by inverse kinematics, the swing foot clearing riser edges), for the
        imitation terms, the PD targets of ``"offset"`` actions, the root assist and the
        reference state; the goal term's root height is then the reference's height above the
        terrain under its root. Ignored on the flat task and on flat terrain levels.
    tread_steps
        With ``terrain_reference`` on stairs that are not flat: the retargeted reference takes
        one step per tread (the ``treads`` of :meth:`learn.env.TerrainReference.from_reference`),
        at its own cadence, and the goal's speed and stride are the reference's (scaled alike).
    follow_walker
        With ``tread_steps``: the reference is retargeted to the stairs shifted by the walker's
        lag behind it in whole treads (:func:`lag_treads`), at the start of every control step.
        On the flight this changes nothing (it is periodic); at its ends the reference meets
        the first riser and the landing when the walker does. Without it the reference, which
        advances on its own clock, reaches the landing while a slower walker is still on the
        flight, and asks for a flat walk at the landing's height there
        (``docs/prediction.md``).

    Notes
    -----
    **Actions** (``Box(-1, 1, (n_dofs + n_joints,))``, 14 for the default model):

    ================  ============  ======================================================
    component         size          meaning
    ================  ============  ======================================================
    PD targets        n_dofs (9)    offset mode: ``q_ref(t + dt) + offset_scale_rad * a``;
                                    absolute mode: ``mid + half_range * a``; rad
    torque limits     n_joints (5)  ``max_torque * (1 + a) / 2``, N m (zero = half)
    ================  ============  ======================================================

    **Observation**: three stacked frames ``(t-2, t-1, t)`` of the following components
    (116 per frame for the default model, 348 in total, float32). Vectors "in the heading
    frame" are rotated by the inverse of the pelvis yaw (x forward, y left, z up).

    =======================  ====  ==========================================================
    component                size  unit / meaning
    =======================  ====  ==========================================================
    phase                    1     reference cycle phase in [0, 1)
    target speed             1     m/s
    target stride length     1     m
    speed deviation          1     window mean forward speed minus target, m/s
    stride deviation         1     last measured stride minus target, m
    torque limits            5     last applied limits / max torque, in [0, 1]
    root height              1     pelvis origin z, m
    root rotation            4     pelvis quaternion in the heading frame [x, y, z, w]
    root linear velocity     3     heading frame, m/s
    root angular velocity    3     heading frame, rad/s
    link local rotations     7x4   each non-root link relative to its parent, quaternion
    link linear velocities   7x3   heading frame, m/s
    link angular velocities  7x3   heading frame, rad/s (interleaved per link: 4+3+3)
    centre of mass           3     relative to the root, heading frame, m
    feet                     6     [left, right] sole centres relative to the root, m
    foot contacts            2     [left, right] 0/1
    hip-ground distance      1     pelvis origin above the terrain under it, m
    terrain rays             13    distances along -90 to +90 deg sagittal rays, m (max 3)
    reference (optional)     22    ``reference_state``: next reference frame minus the avatar
                                   (joint positions, root rotation and height, centre of mass,
                                   feet), rad and m
    =======================  ====  ==========================================================

    :attr:`frame_slices` names these components within a frame (``phase``,
    ``target_speed_m_s``, ``target_stride_m``, ``speed_deviation_m_s``, ``stride_deviation_m``,
    ``torque_limits``, ``posture`` from root height to feet, ``foot_contacts``,
    ``hip_height_m``, ``terrain_rays_m``, ``reference_error``); :meth:`observation_part` reads
    one of them from an observation.

    **Stride length** (the paper's "step length"; its range 0.5-1.7 m is a stride length at
    0.4-1.4 m/s): the sum of the largest forward distance of the left sole ahead of the right
    and of the right ahead of the left over the last reference cycle (each is a step length;
    measured from foot positions, not contacts, which flicker).

    **Reward** ``0.5 r_goal + 0.5 r_imitation - p_physics`` (at most 1), see
    :mod:`learn.env._reward` and ``docs/learn.md``, plus the stair cue's shaping term on stairs.
    ``info`` holds every term (:data:`learn.env.REWARD_TERMS`; ``"stair_cue"`` is 0 without a cue),
    the goal deviations, the tracking errors, the root position, ``"pace_fraction"``
    (:meth:`pace_fraction`), ``"fallen"`` and ``"return_scale"``: ``max_steps /``
    :attr:`episode_cap`, which turns an episode's return into that of a ``max_steps``-step
    episode at the same reward per step (1 unless ``to_the_end`` lengthened the episode;
    :class:`learn.tasks.CurriculumCallback` compares such returns with the flat-ground one).

    Each instance owns one :class:`sim.Simulation` (its own ``BulletClient``); reset restores
    the saved world state first, so the same seed and actions replay identically.
    """

    metadata = {"render_modes": []}  # noqa: RUF012 (gymnasium's class attribute)

    def __init__(
        self,
        clips: Sequence[Motion],
        *,
        spec: ModelSpec = DEFAULT_MODEL,
        body: BodyDimensions | None = None,
        terrain: Terrain | None = None,
        goal: tuple[float, float] | None = None,
        speed_range_m_s: tuple[float, float] = SPEED_RANGE_M_S,
        stride_range_m: tuple[float, float] = STRIDE_RANGE_M,
        action_mode: str = "offset",
        offset_scale_rad: float = 0.5,
        max_steps: int = 500,
        to_the_end: bool = False,
        random_start: bool = True,
        window_s: float = 1.0,
        task: str = "flat",
        terrain_level: int = 0,
        stair_cue: bool = True,
        speed_goal: bool = True,
        pace_floor: float = 0.0,
        stride_spread: float | None = None,
        reference_state: bool = False,
        terrain_reference: bool = False,
        tread_steps: bool = False,
        follow_walker: bool = False,
    ) -> None:
        if not clips:
            raise GaitTwinInputError("clips: expected at least one Motion, found none")
        if action_mode not in ACTION_MODES:
            raise GaitTwinInputError(
                f"action_mode: expected one of {ACTION_MODES}, found {action_mode!r}"
            )
        if goal is not None and not (goal[0] > 0.0 and goal[1] > 0.0):
            raise GaitTwinInputError(f"goal: expected positive (speed, stride), found {goal}")
        if stride_spread is not None and not 0.0 <= stride_spread < 1.0:
            raise GaitTwinInputError(
                f"stride_spread: expected None or a fraction in [0, 1), found {stride_spread}"
            )
        if task not in TASKS:
            raise GaitTwinInputError(f"task: expected one of {TASKS}, found {task!r}")
        if task != "flat":
            if terrain is not None:
                raise GaitTwinInputError(
                    f"terrain: expected None for task {task!r} (the task sets it), found {terrain}"
                )
            terrain = task_terrain(task, terrain_level)
        if not 0.0 <= pace_floor < 1.0:
            raise GaitTwinInputError(
                f"pace_floor: expected a fraction in [0, 1), found {pace_floor}"
            )
        self.task = task
        self.speed_goal = bool(speed_goal)
        self.pace_floor = float(pace_floor)
        #: The patient's forward speed on this episode's terrain (:func:`nominal_pace_m_s`), m/s.
        self.nominal_pace_m_s = 0.0
        #: The leg (0 left, 1 right) this episode's reference climbs step-to behind
        #: (:attr:`TerrainReference.trailing_foot`); None: step over step, or not tread steps.
        self.trailing_foot: int | None = None
        self._start_x_m = 0.0  # the root's x at the episode's start
        self.stride_spread = stride_spread
        self._pending_level: int | None = None
        self._pending_cue: bool | None = None
        self.clips = tuple(clips)
        self.model = spec
        self.goal = goal
        self.speed_range_m_s = speed_range_m_s
        self.stride_range_m = stride_range_m
        self.action_mode = action_mode
        self.offset_scale_rad = float(offset_scale_rad)
        self.max_steps = int(max_steps)
        self.to_the_end = bool(to_the_end)
        #: This episode's step cap (set at reset): ``max_steps``, or with ``to_the_end`` the
        #: steps to pass the end of the terrain at :attr:`nominal_pace_m_s`
        #: (:func:`learn.env.course_steps`, with its margin) when that is longer.
        self.episode_cap = self.max_steps
        self.random_start = random_start
        self.reference_state = bool(reference_state)
        self.terrain_reference = bool(terrain_reference) and task != "flat"
        if tread_steps and not (self.terrain_reference and task == "stairs"):
            raise GaitTwinInputError(
                "tread_steps: expected the stairs task with terrain_reference, found "
                f"terrain_reference={terrain_reference} on task {task!r}"
            )
        self.tread_steps = bool(tread_steps)
        if follow_walker and not self.tread_steps:
            raise GaitTwinInputError(
                f"follow_walker: expected tread_steps, found tread_steps={tread_steps}"
            )
        self.follow_walker = bool(follow_walker)
        self._lag_treads = 0  # the walker's lag behind the reference, whole treads
        self.simulation = Simulation(spec, body=body, terrain=terrain)
        self._saved_state = self.simulation.client.saveState()
        self.stair_cue = (
            StairCue(self.simulation.terrain, enabled=stair_cue) if task == "stairs" else None
        )
        self.dt = self.simulation.dt
        self.root_assist = 0.0
        self._window = max(2, round(window_s / self.dt))
        self._references: dict[int, ReferenceMotion] = {}
        self._resampled: tuple[tuple[int, tuple[float, float]], ReferenceMotion] | None = None
        self._frame_cache: tuple[int, ReferenceFrame] | None = None
        self._retargeting: TerrainReference | None = None
        self._treads: Terrain | None = None  # the treads of the retargeting's steps
        # retargeted frames of steps first.., and the terrain height under their roots
        self._chunk: tuple[int, list[ReferenceFrame], np.ndarray] | None = None
        self._manifest: pd.DataFrame | None = None
        self._mid = 0.5 * (spec.lower_rad + spec.upper_rad)
        self._half = 0.5 * (spec.upper_rad - spec.lower_rad)
        self._max_torque = spec.max_torque_n_m
        self._n_dofs = spec.n_dofs
        n = spec.action_size
        self.action_space = gym.spaces.Box(-1.0, 1.0, (n,), dtype=np.float32)
        parts = {
            "phase": 1,
            "target_speed_m_s": 1,
            "target_stride_m": 1,
            "speed_deviation_m_s": 1,
            "stride_deviation_m": 1,
            "torque_limits": len(spec.joints),
            "posture": 1 + 4 + 3 + 3 + 10 * len(LINK_PARENTS) + 3 + 6,
            "foot_contacts": 2,
            "hip_height_m": 1,
            "terrain_rays_m": len(RAY_ANGLES_RAD),
        }
        if self.reference_state:
            parts["reference_error"] = spec.n_dofs + 13
        ends = np.cumsum(list(parts.values()))
        #: The components of one observation frame by name (the table above), as slices of it.
        self.frame_slices: dict[str, slice] = {
            name: slice(int(end - size), int(end))
            for (name, size), end in zip(parts.items(), ends, strict=True)
        }
        #: Values per observation frame (see the table above): 116 for the default model.
        self.frame_size = int(ends[-1])
        self.observation_space = gym.spaces.Box(
            -np.inf, np.inf, (3 * self.frame_size,), dtype=np.float32
        )
        self.reference: ReferenceMotion | None = None
        self.goal_now: tuple[float, float] = (0.0, 0.0)
        self._frames: deque[np.ndarray] = deque(maxlen=3)

    def close(self) -> None:
        """Disconnect the simulation."""
        self.simulation.close()

    def set_terrain_level(self, level: int) -> None:
        """Use the task's terrain at curriculum ``level`` from the next reset on.

        Raises
        ------
        GaitTwinInputError
            On a flat-ground environment (no task) or a level out of range.
        """
        if self.task == "flat":
            raise GaitTwinInputError(
                "set_terrain_level: expected a slope or stairs task, found 'flat'"
            )
        task_terrain(self.task, level)
        self._pending_level = int(level)

    def set_stair_cue(self, active: bool) -> None:
        """Switch the stair cue on or off from the next reset on (stays off when disabled).

        Raises
        ------
        GaitTwinInputError
            When the task is not ``"stairs"``.
        """
        if self.stair_cue is None:
            raise GaitTwinInputError(
                f"set_stair_cue: expected the stairs task, found {self.task!r}"
            )
        self._pending_cue = bool(active)

    def set_root_assist(self, scale: float) -> None:
        """Scale of the assistive root wrench from the next step on (0: none, the default).

        The assist pulls the pelvis towards the reference root pose with a spring-damper
        (:data:`ASSIST_FREQUENCY_HZ`, :data:`ASSIST_DAMPING_RATIO` on the whole body mass;
        :data:`ASSIST_STIFFNESS_N_M_RAD`, :data:`ASSIST_DAMPING_N_M_S_RAD` in rotation), times
        ``scale``. Training may start with it and decay it to zero
        (:class:`learn.env.RootAssistDecay`) to bootstrap balance; evaluations and shipped models
        use zero.

        Raises
        ------
        GaitTwinInputError
            If ``scale`` is outside ``[0, 1]``.
        """
        if not 0.0 <= scale <= 1.0:
            raise GaitTwinInputError(f"set_root_assist: expected a scale in [0, 1], found {scale}")
        self.root_assist = float(scale)

    def _hold_root_assist(self, frame: ReferenceFrame) -> None:
        """Hold the assistive wrench towards ``frame``'s root pose for the next control step."""
        state = self.simulation.state()
        omega = 2.0 * np.pi * ASSIST_FREQUENCY_HZ
        mass = self.simulation.body.mass_kg
        force = mass * omega**2 * (frame.root_position_m - state.root_position_m) + (
            2.0 * ASSIST_DAMPING_RATIO * mass * omega
        ) * (frame.root_linear_velocity_m_s - state.root_linear_velocity_m_s)
        error = rotation_error_rad(frame.root_quaternion, state.root_quaternion)
        torque = ASSIST_STIFFNESS_N_M_RAD * error + ASSIST_DAMPING_N_M_S_RAD * (
            frame.root_angular_velocity_rad_s - state.root_angular_velocity_rad_s
        )
        self.simulation.hold_root_wrench(self.root_assist * force, self.root_assist * torque)

    def _apply_pending(self) -> None:
        """Rebuild the world on a new terrain level and switch the cue, as requested."""
        level, self._pending_level = self._pending_level, None
        if level is not None and level != self.simulation.terrain.level:
            terrain = task_terrain(self.task, level)
            self.simulation.close()
            self.simulation = Simulation(self.model, body=self.simulation.body, terrain=terrain)
            self._saved_state = self.simulation.client.saveState()
            if self.stair_cue is not None:
                self.stair_cue.terrain = terrain
        cue, self._pending_cue = self._pending_cue, None
        if cue is not None:
            self.stair_cue.set_active(cue)

    def clip_reference(self, index: int) -> ReferenceMotion:
        """Return clip ``index`` as a :class:`ReferenceMotion` at its own speed (cached).

        Building it plays the clip on this environment's avatar: call it between episodes.
        """
        if index not in self._references:
            self._references[index] = ReferenceMotion.from_motion(
                self.clips[index], self.simulation
            )
        return self._references[index]

    def nearest_clip(self, speed_m_s: float, stride_length_m: float) -> int:
        """Index of the clip nearest to the goal, by :func:`gait.nearest_clip`.

        The distance is the library's, over (speed, step length) with step length = half the
        stride length.
        """
        if len(self.clips) == 1:
            return 0
        row = nearest_clip(
            self._library(), speed_m_s=speed_m_s, step_length_m=0.5 * stride_length_m
        )
        return int(row["clip_index"])

    def _library(self) -> pd.DataFrame:
        """Table of the clips' ``clip_index``, ``speed_m_s`` and ``step_length_m`` (cached)."""
        if self._manifest is None:
            references = [self.clip_reference(i) for i in range(len(self.clips))]
            self._manifest = pd.DataFrame(
                {
                    "clip_index": np.arange(len(references)),
                    "speed_m_s": [r.speed_m_s for r in references],
                    "step_length_m": [0.5 * r.stride_length_m for r in references],
                }
            )
        return self._manifest

    def draw_goal(self) -> tuple[float, float]:
        """Draw ``(speed_m_s, stride_length_m)`` from the goal ranges (see ``stride_spread``)."""
        rng = self.np_random
        speed = float(rng.uniform(*self.speed_range_m_s))
        if self.stride_spread is None:
            return speed, float(rng.uniform(*self.stride_range_m))
        library = self._library()
        goals = np.column_stack([library["speed_m_s"], 2.0 * library["step_length_m"]])
        stride = natural_stride_m(goals, speed) * (
            1.0 + rng.uniform(-self.stride_spread, self.stride_spread)
        )
        return speed, float(np.clip(stride, *self.stride_range_m))

    def reset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[np.ndarray, dict[str, Any]]:
        """Start an episode: draw the goal and the phase, put the avatar in the reference state.

        Parameters
        ----------
        seed
            Seeds the environment's generator (goals, start phase).
        options
            Optional ``{"goal": (speed_m_s, stride_length_m), "phase": p}`` for this episode.

        Returns
        -------
        observation, info
        """
        super().reset(seed=seed)
        options = dict(options or {})
        unknown = set(options) - {"goal", "phase"}
        if unknown:
            raise GaitTwinInputError(
                f"options: expected keys among ['goal', 'phase'], found {sorted(unknown)}"
            )
        self._apply_pending()
        rng = self.np_random
        goal = options.get("goal", self.goal)
        if goal is None:
            goal = self.draw_goal()
        goal = (float(goal[0]), float(goal[1]))
        key = (self.nearest_clip(*goal), goal)
        if self._resampled is None or self._resampled[0] != key:  # a fixed goal keeps its own
            self._resampled = (key, self.clip_reference(key[0]).resampled(*goal))
        self.reference = self._resampled[1]
        terrain = self.simulation.terrain
        treads = terrain if self.tread_steps and not terrain.is_flat else None
        if self.terrain_reference and (
            self._retargeting is None
            or self._retargeting.reference is not self.reference
            or self._treads != treads
        ):
            self._retargeting = TerrainReference.from_reference(
                self.reference, self.simulation, treads=treads
            )
            self._treads = treads
        scale = 1.0 if treads is None else self._retargeting.stride_scale
        self.goal_now = (goal[0] * scale, goal[1] * scale)
        self.trailing_foot = None if treads is None else self._retargeting.trailing_foot
        self.nominal_pace_m_s = nominal_pace_m_s(
            *goal, terrain, steps_per_tread=1 if self.trailing_foot is None else 2
        )
        self.episode_cap = self.max_steps
        if self.to_the_end:
            course = course_steps(terrain, self.nominal_pace_m_s, self.dt)
            self.episode_cap = max(self.max_steps, course)
        phase = options.get("phase", rng.uniform() if self.random_start else 0.0)
        self._t0 = float(phase) * self.reference.cycle_duration_s
        self._step = 0
        self._frame_cache = None
        self._chunk = None
        self._lag_treads = 0
        frame = self._reference_frame(0)
        self.simulation.client.restoreState(self._saved_state)
        self.simulation.reset_pose(
            frame.root_position_m,
            frame.root_quaternion,
            frame.joint_positions_rad,
            root_linear_velocity_m_s=frame.root_linear_velocity_m_s,
            root_angular_velocity_rad_s=frame.root_angular_velocity_rad_s,
            joint_velocities_rad_s=frame.joint_velocities_rad_s,
        )
        self.simulation.client.performCollisionDetection()  # contacts of the new pose
        self._limits = np.full(len(self.model.joints), 0.5)
        reading = read_body([self.simulation])
        self._start_x_m = float(reading.root_position_m[0, 0])
        self._positions: deque[np.ndarray] = deque(
            [reading.root_position_m[0]], maxlen=self._window
        )
        self._root_errors: deque[tuple[float, float]] = deque(maxlen=self._window)
        cycle_steps = max(2, int(np.ceil(self.reference.cycle_duration_s / self.dt)))
        self._separations: deque[float] = deque(maxlen=cycle_steps)
        # the reference's past cycle (like RSI)
        past = [self._t0 + (cycle_steps - j) * self.dt for j in range(cycle_steps - 1, 0, -1)]
        feet = self.reference.feet_at(past)
        self._separations.extend((scale * (feet[:, 0, 0] - feet[:, 1, 0])).tolist())
        deviations = [self._goal_deviations(float(reading.root_linear_velocity_m_s[0, 0]))]
        first = _observation_frames([self], reading, ReferenceFrame.stack([frame]), deviations)[0]
        self._frames.clear()
        self._frames.extend([first, first, first])
        info = {
            "clip": self.reference.name,
            "goal_speed_m_s": self.goal_now[0],
            "goal_stride_length_m": self.goal_now[1],
            "phase": float(phase),
        }
        return np.concatenate(self._frames).astype(np.float32), info

    def reference_action(self) -> np.ndarray:
        """Return the action (in ``[-1, 1]``) whose PD targets are the next reference pose.

        Torque limits are the largest (``a = 1``). In offset mode this is zero for the targets.
        """
        frame = self._reference_frame(self._step + 1)
        if self.action_mode == "offset":
            targets = np.zeros(self.model.n_dofs)
        else:
            targets = (frame.joint_positions_rad - self._mid) / self._half
        return np.concatenate([np.clip(targets, -1.0, 1.0), np.ones(len(self.model.joints))])

    def step(self, action: np.ndarray) -> tuple[np.ndarray, float, bool, bool, dict[str, Any]]:
        """Apply one action for ``dt`` and return ``(obs, reward, terminated, truncated, info)``."""
        return self.step_together([self], [action])[0]

    @staticmethod
    def step_together(
        envs: Sequence[ImitationEnv], actions: Sequence[np.ndarray]
    ) -> list[tuple[np.ndarray, float, bool, bool, dict[str, Any]]]:
        """Step several environments, each exactly as its own :meth:`step` would.

        Physics and the pybullet queries run environment by environment; the arithmetic of
        the observations and rewards runs once for all of them, one numpy call per operation
        (on arrays this small, numpy's cost per call is most of the cost). A worker process of
        :class:`learn.algorithms.BatchedSubprocVecEnv` steps its environments this way.

        Parameters
        ----------
        envs
            Environments with one avatar model and one observation layout (made by one
            factory), each reset.
        actions
            One action per environment (see :meth:`step`).

        Returns
        -------
        list of tuple
            ``(obs, reward, terminated, truncated, info)`` per environment, in order.

        Raises
        ------
        GaitTwinInputError
            An environment not reset, or environments of different models or layouts.
        """
        first = envs[0]
        for env in envs:
            if env.reference is None:
                raise GaitTwinInputError("step: expected reset() before the first step")
            if env.frame_slices != first.frame_slices or env._n_dofs != first._n_dofs:
                raise GaitTwinInputError(
                    "step_together: expected environments of one avatar model and observation "
                    f"layout, found {first.model.name} ({first.frame_size} values per frame) "
                    f"and {env.model.name} ({env.frame_size})"
                )
        frames = [env._act(action) for env, action in zip(envs, actions, strict=True)]
        reading = read_body([env.simulation for env in envs])
        frame = ReferenceFrame.stack(frames)
        rewards, infos = _rewards(envs, reading, frame)
        deviations = [(i["speed_deviation_m_s"], i["stride_deviation_m"]) for i in infos]
        rows = _observation_frames(envs, reading, frame, deviations)
        results = []
        for i, env in enumerate(envs):
            info, reward = infos[i], float(rewards[i])
            info["stair_cue"] = 0.0
            if env.stair_cue is not None:
                info["stair_cue"] = env.stair_cue.shaping_from_soles(
                    reading.feet_m[i], foot_length_m=env.simulation.body.segments["foot"].length_m
                )
                reward += info["stair_cue"]
            env._frames.append(rows[i])
            terminated = bool(reading.fallen[i])
            truncated = bool(env._step >= env.episode_cap and not terminated)
            info["return_scale"] = env.max_steps / env.episode_cap
            observation = np.concatenate(env._frames).astype(np.float32)
            results.append((observation, reward, terminated, truncated, info))
        return results

    def _act(self, action: np.ndarray) -> ReferenceFrame:
        """Apply ``action`` for one control period; return the reference frame of the step."""
        a = np.minimum(np.maximum(np.asarray(action, dtype=float), -1.0), 1.0)
        n = self._n_dofs
        self._step += 1
        if self.follow_walker and not self.simulation.terrain.is_flat:
            reference_x = self._retargeted(self._step)[0].root_position_m[0]
            lag = lag_treads(reference_x, self._positions[-1][0], self.simulation.terrain.tread_m)
            if lag != self._lag_treads:
                self._lag_treads, self._chunk = lag, None
        frame = self._reference_frame(self._step)
        if self.action_mode == "offset":
            targets = frame.joint_positions_rad + self.offset_scale_rad * a[:n]
        else:
            targets = self._mid + self._half * a[:n]
        self._limits = 0.5 * (1.0 + a[n:])
        if self.root_assist > 0.0:
            self._hold_root_assist(frame)
        self.simulation.step(np.concatenate([targets, self._max_torque * self._limits]))
        return frame

    def _reference_frame(self, step: int) -> ReferenceFrame:
        """Return the reference at control step ``step`` of the episode (keeping the last one).

        A step's frame is asked twice: as the next frame of the step before (``reference_state``,
        :meth:`reference_action`) and as the frame of the step itself.
        """
        if self._retargeting is not None and not self.simulation.terrain.is_flat:
            return self._retargeted(step)[0]
        if self._frame_cache is None or self._frame_cache[0] != step:
            self._frame_cache = (step, self.reference.sample(self._t0 + step * self.dt))
        return self._frame_cache[1]

    def _reference_ground_m(self, step: int) -> float:
        """Terrain height under the reference root at control step ``step``, m.

        0 unless the reference is retargeted to the terrain: the flat reference's root height
        is already a height above the terrain.
        """
        if self._retargeting is not None and not self.simulation.terrain.is_flat:
            return self._retargeted(step)[1]
        return 0.0

    def _retargeted(self, step: int) -> tuple[ReferenceFrame, float]:
        """Return the terrain-aware frame at ``step`` and the terrain height under its root.

        Frames are retargeted :data:`TERRAIN_REFERENCE_CHUNK_STEPS` steps at a time, onto the
        terrain shifted by the walker's lag with ``follow_walker`` (its root x does not depend
        on the shift).
        """
        chunk = self._chunk
        if chunk is None or not chunk[0] <= step < chunk[0] + len(chunk[1]):
            steps = np.arange(step, step + TERRAIN_REFERENCE_CHUNK_STEPS)
            terrain = self.simulation.terrain
            if self._lag_treads:
                shift = self._lag_treads * terrain.tread_m
                terrain = replace(terrain, start_x_m=terrain.start_x_m + shift)
            frames = self._retargeting.frames(self._t0 + steps * self.dt, terrain, period_s=self.dt)
            ground = terrain.height_at(frames.root_position_m[:, 0])
            chunk = self._chunk = (step, frames.unstack(), ground)
        return chunk[1][step - chunk[0]], float(chunk[2][step - chunk[0]])

    def _goal_deviations(self, root_speed_x_m_s: float) -> tuple[float, float]:
        """Window mean forward speed and last stride, each minus its target.

        ``root_speed_x_m_s`` stands for the window's speed while the window is one reading.
        """
        elapsed = (len(self._positions) - 1) * self.dt
        if elapsed > 0.0:
            speed = (self._positions[-1][0] - self._positions[0][0]) / elapsed
        else:
            speed = root_speed_x_m_s
        separations = self._separations or (0.0,)
        stride = max(max(separations), 0.0) + max(-min(separations), 0.0)
        return speed - self.goal_now[0], stride - self.goal_now[1]

    def _goal_window(
        self, tilt_rad: float, height_m: float, root_speed_x_m_s: float
    ) -> tuple[float, float, float, float]:
        """Add a step's root errors to the goal window; return its goal errors.

        Returns
        -------
        tuple of float
            Speed and stride deviations (m/s, m), and the window means of the squared tilt
            (rad^2) and height error (m^2).
        """
        self._root_errors.append((tilt_rad**2, height_m**2))
        speed_dev, stride_dev = self._goal_deviations(root_speed_x_m_s)
        tilt_sum, height_sum = 0.0, 0.0  # window means, summed oldest first
        for tilt2, height2 in self._root_errors:
            tilt_sum += tilt2
            height_sum += height2
        count = len(self._root_errors)
        return speed_dev, stride_dev, tilt_sum / count, height_sum / count

    def pace_fraction(self) -> float:
        """Return the episode's forward speed so far as a fraction of the nominal pace.

        The root's forward progress since the episode's start over the time elapsed, divided
        by :attr:`nominal_pace_m_s` (one step per tread on stairs); 0 before the first step.
        :class:`learn.tasks.Curriculum` reads it from ``info["pace_fraction"]`` at an
        episode's last step.
        """
        if self._step == 0:
            return 0.0
        progress_m = float(self._positions[-1][0]) - self._start_x_m
        return progress_m / (self._step * self.dt) / self.nominal_pace_m_s

    def observation_part(self, observation: np.ndarray, name: str, frame: int = -1) -> np.ndarray:
        """Return component ``name`` of one frame of an observation (the newest by default).

        Parameters
        ----------
        observation
            An observation of this environment, ``(3 * frame_size,)``.
        name
            A key of :attr:`frame_slices` (``"phase"``, ``"posture"``, ``"terrain_rays_m"``, ...).
        frame
            Which of the three stacked frames: 0 the oldest, -1 or 2 the newest.

        Raises
        ------
        GaitTwinInputError
            An unknown component name.
        """
        if name not in self.frame_slices:
            raise GaitTwinInputError(
                f"observation part: expected one of {list(self.frame_slices)}, found {name!r}"
            )
        frames = np.asarray(observation).reshape(3, self.frame_size)
        return frames[frame, self.frame_slices[name]]


def lag_treads(reference_x_m: float, walker_x_m: float, tread_m: float) -> int:
    """Return how many whole treads the walker is behind the reference (negative: ahead).

    Parameters
    ----------
    reference_x_m, walker_x_m
        Root x of the reference and of the walker, m.
    tread_m
        Tread depth, m.

    Returns
    -------
    int
        ``(reference_x_m - walker_x_m) / tread_m`` rounded to the nearest integer.
    """
    return round((reference_x_m - walker_x_m) / tread_m)


def _rewards(
    envs: Sequence[ImitationEnv], reading: BodyReading, frame: ReferenceFrame
) -> tuple[np.ndarray, list[dict[str, Any]]]:
    """Update the environments' goal windows; return their rewards ``(n,)`` and terms.

    ``frame`` holds the environments' reference frames of the step, stacked. Sums and norms are
    ndarray methods, ``x.dot(x)`` (here ``vecdot``) and ``sqrt`` as ``numpy.linalg.norm``
    computes them.
    """
    for i, env in enumerate(envs):
        env._separations.append(float(reading.feet_separation_m[i]))
        env._positions.append(reading.root_position_m[i])
    z_axes = quaternion_z_axis(np.stack([reading.root_quaternion, frame.root_quaternion], axis=1))
    tilt = np.arccos(np.clip(np.vecdot(z_axes[:, 0], z_axes[:, 1]), -1.0, 1.0))
    ground = np.array([env._reference_ground_m(env._step) for env in envs])
    height = reading.hip_height_m - (frame.root_position_m[:, 2] - ground)
    windows = [
        env._goal_window(float(tilt[i]), float(height[i]), reading.root_linear_velocity_m_s[i, 0])
        for i, env in enumerate(envs)
    ]
    speed_dev, stride_dev, tilt2, height2 = (np.array(v) for v in zip(*windows, strict=True))
    displacement = np.array([env._positions[-1][:2] - env._positions[0][:2] for env in envs])
    moved = np.hypot(displacement[:, 0], displacement[:, 1]) > 0.01
    heading = np.where(moved, np.arctan2(displacement[:, 1], displacement[:, 0]), reading.yaw_rad)
    speed_goal = np.array([env.speed_goal for env in envs])
    floor = np.array([env.pace_floor for env in envs])
    if floor.any():  # a pace floor where there is no speed goal
        target_speed = np.array([env.goal_now[0] for env in envs])
        pace = np.array([env.nominal_pace_m_s for env in envs])
        below = pace_floor_deviation(speed_dev + target_speed, pace, floor)
        speed_error = np.where(speed_goal, speed_dev, below)
    else:
        speed_error = np.where(speed_goal, speed_dev, 0.0)
    goal = goal_reward(GoalErrors(speed_error, stride_dev, heading, tilt2, height2))
    joint_error = reading.joint_positions_rad - frame.joint_positions_rad
    velocity_error = reading.joint_velocities_rad_s - frame.joint_velocities_rad_s
    feet_error = reading.feet_local_m - frame.feet_m
    com_error = reading.com_local_m - frame.com_m
    root_angle = quaternion_angle(reading.root_quaternion, frame.root_quaternion)
    imitation = imitation_reward(
        ImitationErrors(
            pose_rad2=(joint_error**2).sum(axis=1) + squared(root_angle),
            velocity_rad2_s2=(velocity_error**2).sum(axis=1),
            feet_m2=(feet_error**2).reshape(len(envs), -1).sum(axis=1),
            com_m2=(com_error**2).sum(axis=1),
        )
    )
    feet_speed = np.sqrt((reading.feet_linear_velocities_m_s[:, :, :2] ** 2).sum(axis=2))
    sliding = (feet_speed * reading.foot_contacts).sum(axis=1)
    penalty = physics_penalty(sliding, floating=~reading.foot_contacts.any(axis=1))
    rewards = total_reward(goal["goal"], imitation["imitation"], penalty)
    extra = {
        "joint_error_rad": np.abs(joint_error).mean(axis=1),
        "com_error_m": np.sqrt(np.vecdot(com_error, com_error)),
        "feet_error_m": np.sqrt((feet_error**2).sum(axis=2)).mean(axis=1),
    }
    infos = []
    for i, (env, window) in enumerate(zip(envs, windows, strict=True)):
        info = {name: float(values[i]) for name, values in (goal | imitation).items()}
        info["physics"] = float(penalty[i])
        info["speed_deviation_m_s"], info["stride_deviation_m"] = window[:2]
        info.update({name: float(values[i]) for name, values in extra.items()})
        info["root_position_m"] = env._positions[-1].copy()
        info["pace_fraction"] = env.pace_fraction()
        info["fallen"] = bool(reading.fallen[i])
        infos.append(info)
    return rewards, infos


def _observation_frames(
    envs: Sequence[ImitationEnv],
    reading: BodyReading,
    frame: ReferenceFrame,
    deviations: Sequence[tuple[float, float]],
) -> np.ndarray:
    """Return the environments' observation frames ``(n, frame_size)`` (the class's table).

    ``frame`` holds their reference frames of the step, stacked; ``deviations`` their speed and
    stride deviations (m/s, m).
    """
    parts = [
        np.array(
            [
                (phase, *env.goal_now, *deviation)
                for phase, env, deviation in zip(frame.phase, envs, deviations, strict=True)
            ]
        ),
        stack_rows([env._limits for env in envs]),
        posture_features(reading),
        reading.foot_contacts.astype(float),
        reading.hip_height_m[:, None],
        reading.rays_m,
    ]
    if envs[0].reference_state:
        target = ReferenceFrame.stack([env._reference_frame(env._step + 1) for env in envs])
        parts.append(reference_features(reading, target))
    return np.concatenate(parts, axis=1)
