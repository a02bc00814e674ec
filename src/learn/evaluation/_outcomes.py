"""Per-level outcome measures from controller rollouts on a terrain: the report's numbers.

Rollouts run in a :class:`learn.ImitationEnv` (its observation and actions); the clinical signals
come from :meth:`sim.Simulation.measure` (:class:`sim.Measurements`: trunk sway, pelvic
obliquity, feet, contacts, falls) at every control step.

Over 400 lines because each measure (circumduction, step lengths, phase profile, activation
similarity, joint-angle curves over the gait cycle) is a small documented function with its
equation, and :func:`gait_measures` and :func:`level_outcome` combine them; the rollouts they
measure are recorded here too (:func:`record_rollouts`, several episodes stepped together, and
its one-episode case :func:`record_rollout`); the push tests are in :mod:`learn.evaluation._push`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

import gait
from imu import GaitTwinInputError
from learn.env import REWARD_TERMS, ImitationEnv
from learn.evaluation._measures import FlexionCycles, GaitMeasures, LevelOutcome
from sim import (
    Camera,
    Measurements,
    render_frame,
    write_video,
)

#: Contact or swing phases shorter than this are merged into their neighbours before the
#: step lengths and circumduction are measured (a heel lifting for a frame or two in stance), s.
CONTACT_MIN_PHASE_S: float = 0.1

#: Trunk sway and pelvic obliquity are taken while the walker is up: pelvis at least this
#: fraction of its starting height above the ground under it. The fall that may follow (the
#: body tumbling, the trunk past horizontal) is reported as a fall, not as sway.
UPRIGHT_FRACTION: float = 0.6

#: Phase bins over one gait cycle: the activation-signal imitation metric and the knee peaks.
GAIT_CYCLE_PHASE_BINS: int = 20

#: The sagittal angles a rollout records per side, in the order of
#: :attr:`TaskRollout.sagittal_angles_rad` (signs of ``docs/conventions.md``).
SAGITTAL_ANGLES: tuple[str, str, str] = ("hip_flexion", "knee_flexion", "ankle_dorsiflexion")


@dataclass(frozen=True)
class TaskRollout:
    """One episode of a controller in an :class:`learn.ImitationEnv`.

    Parameters
    ----------
    observations
        ``(T, obs_size)`` observations the actions answered (raw, as the environment returns).
    actions
        ``(T, action_size)`` actions in ``[-1, 1]``.
    phases
        ``(T,)`` reference-cycle phase of each observation, in [0, 1).
    rewards
        ``(T,)`` environment rewards.
    reward_terms
        Each of :data:`learn.env.REWARD_TERMS` -> ``(T,)`` its value per step.
    root_position_m
        ``(T + 1, 3)`` pelvis origin, m.
    measurements
        ``T + 1`` :class:`sim.Measurements` (the reset state first).
    knee_flexion_rad
        ``(T + 1, 2)`` ``[left, right]`` knee flexion, rad.
    fell
        The episode ended by a fall.
    dt
        Control period, s.
    hip_ankle_rad
        ``(T + 1, 2, 2)`` ``[hip flexion, ankle dorsiflexion]`` x ``[left, right]``, rad; NaN
        for a joint the avatar model does not have (``legs9`` has no ankles). None: not
        recorded.
    """

    observations: np.ndarray
    actions: np.ndarray
    phases: np.ndarray
    rewards: np.ndarray
    reward_terms: dict[str, np.ndarray]
    root_position_m: np.ndarray
    measurements: list[Measurements]
    knee_flexion_rad: np.ndarray
    fell: bool
    dt: float
    hip_ankle_rad: np.ndarray | None = None

    @property
    def episode_return(self) -> float:
        """Sum of the rewards."""
        return float(np.sum(self.rewards))

    @property
    def sagittal_angles_rad(self) -> np.ndarray | None:
        """Hip, knee, ankle: ``(T + 1, 3, 2)``, :data:`SAGITTAL_ANGLES` x ``[left, right]``, rad.

        None when the rollout was recorded without :attr:`hip_ankle_rad`.
        """
        if self.hip_ankle_rad is None:
            return None
        hip, ankle = self.hip_ankle_rad[:, 0], self.hip_ankle_rad[:, 1]
        return np.stack([hip, self.knee_flexion_rad, ankle], axis=1)


def _sagittal_dofs(env: ImitationEnv) -> np.ndarray:
    """``(3, 2, 2)``: per angle of :data:`SAGITTAL_ANGLES` and side, the DoF index and its sign.

    Index -1 (sign 0) for an angle the model does not have; every model has both knees.
    """
    out = np.zeros((len(SAGITTAL_ANGLES), 2, 2), dtype=int)
    out[..., 0] = -1
    for a, angle in enumerate(SAGITTAL_ANGLES):
        for side, suffix in enumerate(gait.SIDES):
            name = f"{angle}_{suffix}"
            k = [i for i, d in enumerate(env.model.dofs) if d.angle_name == name]
            if k:
                out[a, side] = (k[0], env.model.dofs[k[0]].sign)
            elif angle == "knee_flexion":
                raise GaitTwinInputError(f"model {env.model.name!r}: expected a DoF {name}")
    return out


def _sagittal_angles(positions_rad: np.ndarray, dofs: np.ndarray) -> np.ndarray:
    """``(3, 2)`` sagittal angles of joint positions (:func:`_sagittal_dofs`), rad; NaN: absent."""
    index, sign = dofs[..., 0], dofs[..., 1]
    return np.where(index >= 0, sign * positions_rad[np.maximum(index, 0)], np.nan)


def record_rollout(
    env: ImitationEnv,
    controller: Callable[[np.ndarray], np.ndarray],
    *,
    seed: int,
    gif_path: str | Path | None = None,
    camera: Camera = Camera(width=160, height=120, distance_m=3.5),  # noqa: B008 (frozen)
    gif_every: int = 2,
) -> TaskRollout:
    """Run one episode of ``controller`` (raw observation -> action) and record it.

    The one-environment case of :func:`record_rollouts` (the controller sees one observation
    at a time).

    Parameters
    ----------
    env
        The environment (its terrain and goal).
    controller
        E.g. :meth:`learn.Controller.act`.
    seed
        Episode seed (start phase).
    gif_path
        Also write a GIF of the episode (every ``gif_every``-th control step).
    camera
        Camera of the GIF.
    gif_every
        Render every this many control steps.

    Returns
    -------
    TaskRollout
    """

    def act(observations: np.ndarray) -> np.ndarray:
        return np.asarray(controller(observations[0]))[np.newaxis]

    (rollout,) = record_rollouts(
        [env], act, seeds=[seed], gif_path=gif_path, camera=camera, gif_every=gif_every
    )
    return rollout


def record_rollouts(
    envs: Sequence[ImitationEnv],
    controller: Callable[[np.ndarray], np.ndarray],
    *,
    seeds: Sequence[int],
    gif_path: str | Path | None = None,
    camera: Camera = Camera(width=160, height=120, distance_m=3.5),  # noqa: B008 (frozen)
    gif_every: int = 2,
) -> list[TaskRollout]:
    """Run one episode in each environment, stepped together, and record them.

    The episodes advance in lock-step: at each control step one call of ``controller`` answers
    the observations of every episode still running, and :meth:`learn.ImitationEnv.step_together`
    steps their environments; an episode that ends drops out. Each record is the one
    :func:`record_rollout` makes of its environment and seed for the same actions: with a
    controller whose answer to a row does not depend on the batch (e.g. numpy arithmetic per
    row), they are identical. A torch policy's batched matrix product rounds differently from
    a one-row product (about 1e-7 of an action here), so its records agree with one-by-one
    ones to float tolerance only (the physics grows the difference over an episode); they are
    reproducible for the same environments and seeds. As in any record, the reset state's
    ``joint_torques_n_m`` is what pybullet last applied in that environment (zero in a new one).

    Parameters
    ----------
    envs
        Distinct environments of one avatar model and observation layout (made by one
        factory), one per episode.
    controller
        ``(k, obs_size)`` raw observations -> ``(k, action_size)`` actions, e.g.
        :meth:`learn.Controller.act` (it answers a batch). Sampled actions draw from torch's
        generator once per step for all ``k`` rows, so they differ from one-by-one draws.
    seeds
        Episode seed (start phase) of each environment.
    gif_path
        Also write a GIF of the first episode (every ``gif_every``-th control step).
    camera
        Camera of the GIF.
    gif_every
        Render every this many control steps.

    Returns
    -------
    list of TaskRollout
        One per environment, in order.

    Raises
    ------
    GaitTwinInputError
        If ``envs`` and ``seeds`` differ in length or an environment appears twice.
    """
    if len(envs) != len(seeds) or len({id(env) for env in envs}) != len(envs):
        raise GaitTwinInputError(
            f"record_rollouts: expected one seed per distinct environment, found {len(seeds)} "
            f"seeds for {len(envs)} environments ({len({id(env) for env in envs})} distinct)"
        )
    episodes = [_Episode(env, seed) for env, seed in zip(envs, seeds, strict=True)]
    frames = []
    running = episodes
    while running:
        observations = np.stack([episode.observation for episode in running])
        actions = np.asarray(controller(observations), dtype=np.float32)
        steps = ImitationEnv.step_together([episode.env for episode in running], list(actions))
        for episode, action, step in zip(running, actions, steps, strict=True):
            episode.record(action, *step)
        first = episodes[0]
        if gif_path is not None and running[0] is first and len(first.actions) % gif_every == 1:
            frames.append(render_frame(first.env.simulation, camera=camera))
        running = [episode for episode in running if not episode.ended]
    if gif_path is not None:
        write_video(frames, gif_path, fps=1.0 / (envs[0].dt * gif_every))
    return [episode.rollout() for episode in episodes]


class _Episode:
    """The record of one episode as :func:`record_rollouts` steps it (reset on creation)."""

    def __init__(self, env: ImitationEnv, seed: int) -> None:
        self.env = env
        self.observation, _ = env.reset(seed=seed)
        self.observations: list[np.ndarray] = []
        self.actions: list[np.ndarray] = []
        self.phases: list[float] = []
        self.rewards: list[float] = []
        self.terms: dict[str, list[float]] = {name: [] for name in REWARD_TERMS}
        self.dofs = _sagittal_dofs(env)
        self.roots: list[np.ndarray] = []
        self.measurements: list[Measurements] = []
        self.angles: list[np.ndarray] = []
        self._record_state()
        self.ended = self.fell = False

    def record(
        self,
        action: np.ndarray,
        observation: np.ndarray,
        reward: float,
        terminated: bool,
        truncated: bool,
        info: dict,
    ) -> None:
        """Record the step that answered :attr:`observation` with ``action``."""
        self.observations.append(self.observation)
        self.phases.append(float(self.env.observation_part(self.observation, "phase")[0]))
        self.actions.append(action)
        self.rewards.append(reward)
        for name, values in self.terms.items():
            values.append(float(info[name]))
        self._record_state()
        self.observation = observation
        self.ended, self.fell = terminated or truncated, terminated

    def _record_state(self) -> None:
        """Record the avatar's state now: root position, measurements, sagittal angles."""
        state = self.env.simulation.state()
        self.roots.append(state.root_position_m)
        self.measurements.append(self.env.simulation.measure())
        self.angles.append(_sagittal_angles(state.joint_positions_rad, self.dofs))

    def rollout(self) -> TaskRollout:
        """Return the finished record."""
        sagittal = np.asarray(self.angles)
        return TaskRollout(
            np.asarray(self.observations),
            np.asarray(self.actions),
            np.asarray(self.phases),
            np.asarray(self.rewards, dtype=float),
            {name: np.asarray(values) for name, values in self.terms.items()},
            np.asarray(self.roots),
            self.measurements,
            sagittal[:, 1],
            bool(self.fell),
            self.env.dt,
            hip_ankle_rad=sagittal[:, [0, 2]],
        )


def circumduction_m(feet_m: np.ndarray, foot_contacts: np.ndarray) -> tuple[float, float]:
    """Outward arc of each swing foot: mean per complete swing, ``(left, right)``, m.

    Parameters
    ----------
    feet_m
        ``(n, 2, 3)`` ``[left, right]`` world sole positions, m (x forward, y left, z up).
    foot_contacts
        ``(n, 2)`` contacts (debounced, :func:`gait.debounce_contacts`).

    Returns
    -------
    tuple of float
        ``(left, right)``: for each complete swing (a swing with stance before and after it in
        the record), the largest horizontal distance of the foot outward of the chord from
        where it last stood to where it lands (left foot: to the chord's left; right foot: to
        its right; 0 when it stays inside), averaged over the side's swings (0 for a side
        without a complete swing).

    Notes
    -----
    Circumduction is the swing foot's lateral arc. Measured from the chord, not from the
    line of progression, a walk whose heading drifts by a few degrees (each swing moves the
    foot about a stride, 1.1 m, so 5 deg puts it 10 cm to the side) shows no circumduction,
    and a foot landing wider or narrower than it stood shows none either.
    """
    feet = np.asarray(feet_m, dtype=float)
    contacts = np.asarray(foot_contacts, dtype=bool)
    if feet.ndim != 3 or feet.shape[1:] != (2, 3) or contacts.shape != feet.shape[:2]:
        raise GaitTwinInputError(
            f"feet_m, foot_contacts: expected (n, 2, 3) and (n, 2), found {feet.shape}, "
            f"{contacts.shape}"
        )
    events = gait.events_from_contacts(contacts, sampling_rate_hz=1.0)  # samples, not s
    means = []
    for side, outward_sign in ((0, 1.0), (1, -1.0)):
        strikes = events.heel_strikes[gait.SIDES[side]]
        arcs = []
        for lift in events.toe_offs[gait.SIDES[side]]:
            later = strikes[strikes > lift]
            if later.size == 0:
                continue  # the swing's end is outside the record
            land = later[0]
            start, stop = feet[lift - 1, side, :2], feet[land, side, :2]
            chord = stop - start
            length = np.linalg.norm(chord)
            forward = chord / length if length > 1e-6 else np.array([1.0, 0.0])
            outward = outward_sign * np.array([-forward[1], forward[0]])
            arcs.append(max(float(np.max((feet[lift:land, side, :2] - start) @ outward)), 0.0))
        means.append(float(np.mean(arcs)) if arcs else 0.0)
    return means[0], means[1]


def step_lengths_m(
    feet_x_m: np.ndarray, foot_contacts: np.ndarray, *, side: int | None = None
) -> np.ndarray:
    """Step lengths at every foot strike: the striking foot's x minus the other foot's, m.

    Parameters
    ----------
    feet_x_m
        ``(n, 2)`` ``[left, right]`` forward (world x) sole positions, m.
    foot_contacts
        ``(n, 2)`` contacts; a strike is a swing-to-stance change.
    side
        ``0`` (left) or ``1`` (right): only that foot's strikes, its step lengths (a left step
        ends with the left foot's strike). None: both feet's.

    Returns
    -------
    numpy.ndarray
        One value per strike, in time order (empty without strikes).
    """
    x = np.asarray(feet_x_m, dtype=float)
    contacts = np.asarray(foot_contacts, dtype=bool)
    strikes = contacts[1:] & ~contacts[:-1]
    if side is not None:
        if side not in (0, 1):
            raise GaitTwinInputError(f"side: expected 0 (left), 1 (right) or None, found {side!r}")
        strikes[:, 1 - side] = False
    t, side = np.nonzero(strikes)
    order = np.argsort(t, kind="stable")
    t, side = t[order] + 1, side[order]
    return x[t, side] - x[t, 1 - side]


def phase_profile(
    values: np.ndarray,
    phases: np.ndarray,
    *,
    n_bins: int = GAIT_CYCLE_PHASE_BINS,
    names: str = "values, phases",
) -> np.ndarray:
    """Mean of a series (actions, joint angles) per phase bin of the gait cycle.

    ``values`` is ``(T, k)``, ``phases`` ``(T,)`` in cycles; returns ``(n_bins, k)`` (NaN: a bin
    no frame falls in). ``names`` names the two arguments in the shape error (the caller's).
    """
    a = np.asarray(values, dtype=float)
    p = np.asarray(phases, dtype=float)
    if a.ndim != 2 or len(a) != len(p):
        raise GaitTwinInputError(f"{names}: expected (T, k) and (T,), found {a.shape}, {p.shape}")
    bins = np.minimum((np.mod(p, 1.0) * n_bins).astype(int), n_bins - 1)
    out = np.full((n_bins, a.shape[1]), np.nan)
    for b in range(n_bins):
        if np.any(bins == b):
            out[b] = a[bins == b].mean(axis=0)
    return out


def activation_similarity(
    actions: np.ndarray,
    phases: np.ndarray,
    reference_actions: np.ndarray,
    reference_phases: np.ndarray,
    *,
    n_bins: int = GAIT_CYCLE_PHASE_BINS,
) -> float:
    """Return the activation-signal imitation metric: gait-cycle similarity of two action series.

    Parameters
    ----------
    actions, phases
        Generated actions ``(T, k)`` and the reference-cycle phase of each, ``(T,)``.
    reference_actions, reference_phases
        The patient's flat-ground actions (the adapted controller on the patient's clip) and
        their phases.
    n_bins
        Phase bins over one gait cycle.

    Returns
    -------
    float
        In [0, 1] (report it as %).

    Notes
    -----
    Each series is averaged per phase bin (:func:`phase_profile`), giving one pattern over a
    gait cycle per action component (PD-target offsets and torque limits). For every component
    the Pearson correlation ``r`` of the two patterns over the bins both visit is taken; a
    component constant in either pattern counts 1 if both are equal (within 1e-6) and
    constant, else 0. The metric is the mean over components of ``max(r, 0)``: 1 for the same
    pattern (whatever its scale and offset), 0 for unrelated or inverted patterns.
    """
    generated = phase_profile(actions, phases, n_bins=n_bins, names="actions, phases")
    reference = phase_profile(
        reference_actions,
        reference_phases,
        n_bins=n_bins,
        names="reference_actions, reference_phases",
    )
    if generated.shape[1] != reference.shape[1]:
        raise GaitTwinInputError(
            f"actions: expected {reference.shape[1]} components like the reference, "
            f"found {generated.shape[1]}"
        )
    both = ~np.isnan(generated[:, 0]) & ~np.isnan(reference[:, 0])
    if both.sum() < 2:
        raise GaitTwinInputError(
            f"phases: expected at least 2 phase bins shared with the reference, found {both.sum()}"
        )
    scores = []
    for g, r in zip(generated[both].T, reference[both].T, strict=True):
        if np.ptp(g) < 1e-9 or np.ptp(r) < 1e-9:
            scores.append(float(np.ptp(g) < 1e-9 and np.ptp(r) < 1e-9 and abs(g[0] - r[0]) < 1e-6))
        else:
            scores.append(max(float(np.corrcoef(g, r)[0, 1]), 0.0))
    return float(np.mean(scores))


def _upright_frames(rollout: TaskRollout) -> list[Measurements]:
    """Return the frames of ``rollout`` with the walker up (:data:`UPRIGHT_FRACTION`)."""
    start = rollout.measurements[0].pelvis_height_m
    return [m for m in rollout.measurements if m.pelvis_height_m >= UPRIGHT_FRACTION * start]


def _contacts(rollout: TaskRollout) -> np.ndarray:
    """``(T + 1, 2)`` foot contacts of ``rollout`` debounced at :data:`CONTACT_MIN_PHASE_S`."""
    return gait.debounce_contacts(
        np.array([m.foot_contacts for m in rollout.measurements]),
        sampling_rate_hz=1.0 / rollout.dt,
        min_phase_s=CONTACT_MIN_PHASE_S,
    )


def flexion_cycles(rollouts: Sequence[TaskRollout]) -> FlexionCycles | None:
    """Hip, knee and ankle sagittal angles over the gait cycle, mean and SD over strides.

    Parameters
    ----------
    rollouts
        Episodes; those recorded without :attr:`TaskRollout.hip_ankle_rad` are left out.

    Returns
    -------
    FlexionCycles or None
        None when no rollout recorded its sagittal angles. A stride of a side runs from a heel
        strike of that foot (contact onset, contacts debounced at :data:`CONTACT_MIN_PHASE_S`)
        to its next one and is resampled to :data:`gait.CYCLE_POINTS` points, 0-100 % of the
        cycle (:func:`gait.cycle_curves`), the way a gait laboratory normalises strides; every
        complete stride of every rollout counts. Angles the avatar does not have (NaN) and
        sides without a complete stride are absent.
    """
    strides: dict[str, list[np.ndarray]] = {}
    counts = dict.fromkeys(gait.SIDES, 0)
    recorded = [r for r in rollouts if r.sagittal_angles_rad is not None]
    for r in recorded:
        angles = r.sagittal_angles_rad
        events = gait.events_from_contacts(_contacts(r), sampling_rate_hz=1.0)  # samples
        for side, suffix in enumerate(gait.SIDES):
            strikes = events.heel_strikes[suffix]
            bounds = list(zip(strikes[:-1].tolist(), strikes[1:].tolist(), strict=True))
            counts[suffix] += len(bounds)
            for a, angle in enumerate(SAGITTAL_ANGLES):
                if bounds and not np.isnan(angles[:, a, side]).any():
                    curves = gait.cycle_curves(angles[:, a, side], bounds)
                    strides.setdefault(f"{angle}_{suffix}", []).extend(curves)
    if not recorded:
        return None
    mean = {name: np.mean(rows, axis=0) for name, rows in strides.items()}
    sd = {
        name: np.std(rows, axis=0, ddof=1) if len(rows) > 1 else np.zeros(gait.CYCLE_POINTS)
        for name, rows in strides.items()
    }
    return FlexionCycles(
        mean_rad={name: tuple(float(v) for v in values) for name, values in mean.items()},
        sd_rad={name: tuple(float(v) for v in values) for name, values in sd.items()},
        n_strides=counts,
    )


def _mean(values: list[float]) -> float:
    """Mean of ``values``; NaN for none."""
    return float(np.mean(values)) if values else float("nan")


def _pooled_measures(
    rollouts: Sequence[TaskRollout], end_x_m: float | None, start_x_m: float | None
) -> GaitMeasures:
    """Return the measures of :func:`gait_measures` over ``rollouts`` pooled, without spread."""
    falls = sum(r.fell for r in rollouts)
    farthest_x = min(r.root_position_m[:, 0].max() for r in rollouts)
    reached = end_x_m is None or farthest_x >= end_x_m
    course = None
    if end_x_m is not None and start_x_m is not None:
        course = float(np.clip((farthest_x - start_x_m) / (end_x_m - start_x_m), 0.0, 1.0))
    upright = [_upright_frames(r) for r in rollouts]
    sway = max(max(abs(m.trunk_lateral_sway_rad) for m in frames) for frames in upright)
    hike = max(max(abs(m.pelvis_obliquity_rad) for m in frames) for frames in upright)
    circumduction, steps, speeds = np.zeros(2), ([], []), []
    for r in rollouts:
        feet = np.array([m.feet_m for m in r.measurements])
        contacts = _contacts(r)
        circumduction = np.maximum(circumduction, circumduction_m(feet, contacts))
        for side in (0, 1):
            steps[side].extend(step_lengths_m(feet[:, :, 0], contacts, side=side))
        duration = (len(r.root_position_m) - 1) * r.dt
        speeds.append((r.root_position_m[-1, 0] - r.root_position_m[0, 0]) / duration)
    knees = np.nanmax(
        phase_profile(
            np.concatenate([r.knee_flexion_rad[:-1] for r in rollouts]),
            np.concatenate([r.phases for r in rollouts]),
        ),
        axis=0,
    )
    return GaitMeasures(
        success=bool(reached and falls == 0),
        falls=int(falls),
        max_trunk_sway_rad=float(sway),
        max_pelvis_hike_rad=float(hike),
        circumduction_m=(float(circumduction[0]), float(circumduction[1])),
        knee_flexion_peak_rad=(float(knees[0]), float(knees[1])),
        speed_m_s=float(np.mean(speeds)),
        step_length_m=_mean(steps[0] + steps[1]),
        step_length_by_side_m=(_mean(steps[0]), _mean(steps[1])),
        course_fraction=course,
    )


def gait_measures(
    rollouts: Sequence[TaskRollout], *, end_x_m: float | None, start_x_m: float | None = None
) -> GaitMeasures:
    """Outcome measures of one terrain level (or flat ground) over rollouts.

    Parameters
    ----------
    rollouts
        At least one episode.
    end_x_m
        Where the ramp or stairs end (:attr:`sim.Terrain.end_x_m`): success means the pelvis
        passed it in every rollout without a fall. ``None`` (flat ground): success means no
        rollout fell.
    start_x_m
        Where the ramp or stairs begin (:attr:`sim.Terrain.start_x_m`), with ``end_x_m``:
        ``course_fraction`` is how far between the two the pelvis got (None: not measured).

    Returns
    -------
    GaitMeasures
        Falls counted over rollouts; trunk sway and pelvic obliquity (magnitudes, over the
        frames the walker is up, :data:`UPRIGHT_FRACTION`) and each side's circumduction
        (:func:`circumduction_m`) are maxima over rollouts; speed (pelvis x
        advance over the episode duration) and step length (:func:`step_lengths_m`, of both
        feet and of each foot's strikes) are means.
        Step lengths and circumduction use the contacts debounced at
        :data:`CONTACT_MIN_PHASE_S` (:func:`gait.debounce_contacts`). The knee flexion peak of
        each side is the peak of its mean gait cycle: flexion averaged per phase bin of the
        reference cycle over every frame of every rollout (:func:`phase_profile`), then the
        largest bin, so that one stumble does not set it. ``rollouts`` holds the same measures
        of each rollout alone (their spread), ``flexion_cycles`` the joint-angle curves
        (:func:`flexion_cycles`).
    """
    if not rollouts:
        raise GaitTwinInputError("rollouts: expected at least one, found none")
    return replace(
        _pooled_measures(rollouts, end_x_m, start_x_m),
        rollouts=tuple(_pooled_measures([r], end_x_m, start_x_m) for r in rollouts),
        flexion_cycles=flexion_cycles(rollouts),
    )


def level_outcome(
    task: str,
    level: int,
    rollouts: Sequence[TaskRollout],
    *,
    end_x_m: float,
    start_x_m: float | None = None,
    reference: TaskRollout,
    discriminator: Callable[[np.ndarray, np.ndarray], np.ndarray],
    steps_to_master: int | None,
    controller_steps: int,
    media: Path | None = None,
    trailing_leg: str | None = None,
) -> LevelOutcome:
    """Return the :class:`learn.evaluation.LevelOutcome` of a task level from its rollouts.

    Parameters
    ----------
    task, level
        The task and curriculum level.
    rollouts
        Episodes of the task controller on the level.
    end_x_m, start_x_m
        End and start of the ramp or stairs, m (see :func:`gait_measures`).
    reference
        The adapted controller's flat-ground episode (the patient's actions) for
        :func:`activation_similarity`.
    discriminator
        ``(observations, actions) -> D`` in (0, 1), on the rollouts' raw observations.
    steps_to_master
        From the curriculum (None: not mastered).
    controller_steps
        Training steps of the task controller that made the rollouts.
    media
        GIF of the level.
    trailing_leg
        ``"left"`` or ``"right"``: the leg the imitation reference climbed step-to behind
        (:attr:`learn.env.TerrainReference.trailing_foot`); None: step over step.
    """
    actions = np.concatenate([r.actions for r in rollouts])
    phases = np.concatenate([r.phases for r in rollouts])
    observations = np.concatenate([r.observations for r in rollouts])
    similarity = activation_similarity(actions, phases, reference.actions, reference.phases)
    d = float(np.mean(discriminator(observations, actions)))
    return LevelOutcome(
        task=task,
        level=level,
        measures=gait_measures(rollouts, end_x_m=end_x_m, start_x_m=start_x_m),
        steps_to_master=steps_to_master,
        controller_steps=controller_steps,
        activation_similarity=similarity,
        discriminator_output=d,
        media=media,
        trailing_leg=trailing_leg,
    )
