"""The options of every environment of a run (EnvSettings) and the one factory that applies them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from gait import DEFAULT_HEIGHT_M, DEFAULT_MASS_KG, Motion
from imu import GaitTwinInputError
from learn.env._imitation_env import SPEED_RANGE_M_S, STRIDE_RANGE_M, ImitationEnv
from sim import (
    DEFAULT_MODEL,
    MAX_PD_FREQUENCY_RAD_S,
    MODELS,
    PD_NATURAL_FREQUENCY_RAD_S,
    ModelSpec,
    body_dimensions,
)

#: Stride spread of the atlas goals around the library's natural stride (ImitationEnv's
#: ``stride_spread``).
ATLAS_STRIDE_SPREAD = 0.15


@dataclass(frozen=True)
class EnvSettings:
    """Options of every :class:`learn.ImitationEnv` of a run (see its parameters).

    ``model`` names the avatar variant in :data:`sim.MODELS` (the environment's ``spec``);
    ``height_m`` (m) and ``mass_kg`` (kg) size its segments (:func:`sim.body_dimensions`);
    ``pd_frequency_rad_s`` sets every joint's PD natural frequency (rad/s,
    :meth:`sim.ModelSpec.with_pd_frequency`). ``terrain_reference`` retargets the reference to
    the slope or stairs (ImitationEnv's ``terrain_reference``; no effect on flat ground), and
    ``tread_steps`` makes it take one step per stair tread (ImitationEnv's ``tread_steps``),
    ``follow_walker`` shifts its stairs by the walker's lag (ImitationEnv's ``follow_walker``).
    ``angle_limits_deg`` narrows the avatar's range of some clinical angles to a patient's,
    ``((angle name, low deg, high deg), ...)`` (:meth:`sim.ModelSpec.with_angle_limits`; e.g.
    ``(("knee_flexion_l", -5.0, 35.0),)`` for a stiff left knee): the physics stops the joint
    there, so the controller must walk without it. A run's manifest records them
    (:func:`learn.run_env_settings` reads them back).
    """

    goal: tuple[float, float] | None = None
    speed_range_m_s: tuple[float, float] = SPEED_RANGE_M_S
    stride_range_m: tuple[float, float] = STRIDE_RANGE_M
    action_mode: str = "offset"
    max_steps: int = 500
    model: str = DEFAULT_MODEL.name
    stride_spread: float | None = None
    height_m: float = DEFAULT_HEIGHT_M
    mass_kg: float = DEFAULT_MASS_KG
    reference_state: bool = False
    pd_frequency_rad_s: float = PD_NATURAL_FREQUENCY_RAD_S
    terrain_reference: bool = False
    tread_steps: bool = False
    follow_walker: bool = False
    angle_limits_deg: tuple[tuple[str, float, float], ...] = ()

    def __post_init__(self) -> None:
        if self.model not in MODELS:
            raise GaitTwinInputError(
                f"EnvSettings.model: expected one of {sorted(MODELS)}, found {self.model!r}"
            )
        if not (1.0 <= self.height_m <= 2.3 and 25.0 <= self.mass_kg <= 200.0):
            raise GaitTwinInputError(
                "EnvSettings.height_m, mass_kg: expected 1.0-2.3 m and 25-200 kg, found "
                f"{self.height_m} m and {self.mass_kg} kg"
            )
        if not 0.0 < self.pd_frequency_rad_s <= MAX_PD_FREQUENCY_RAD_S:
            raise GaitTwinInputError(
                f"EnvSettings.pd_frequency_rad_s: expected (0, {MAX_PD_FREQUENCY_RAD_S:g}] rad/s, "
                f"found {self.pd_frequency_rad_s}"
            )
        try:  # a manifest gives lists; the spec check names a bad angle or range
            limits = tuple((str(n), float(lo), float(hi)) for n, lo, hi in self.angle_limits_deg)
        except (TypeError, ValueError) as error:
            raise GaitTwinInputError(
                "EnvSettings.angle_limits_deg: expected (angle name, low deg, high deg) triples, "
                f"found {self.angle_limits_deg!r}"
            ) from error
        object.__setattr__(self, "angle_limits_deg", limits)
        self.spec()

    def spec(self) -> ModelSpec:
        """Return the avatar model of these settings: ``model`` with the PD frequency and limits."""
        model = MODELS[self.model].with_pd_frequency(self.pd_frequency_rad_s)
        return model.with_angle_limits({n: (lo, hi) for n, lo, hi in self.angle_limits_deg})


#: How far above a stiffened knee's clip peak its avatar knee may flex, deg
#: (:func:`impairment_angle_limits`): the clip's peak stays reachable, a healthy swing does not.
STIFF_KNEE_RANGE_MARGIN_DEG = 5.0


def impairment_angle_limits(motion: Motion, model: str) -> tuple[tuple[str, float, float], ...]:
    """Return the avatar's angle limits that make a clip's impairments physical.

    Parameters
    ----------
    motion
        A clip whose ``metadata["impairments"]`` lists the edits made to it (e.g. by
        :func:`gait.stiffen_knee`); none: no limits.
    model
        The avatar model (a name in :data:`sim.MODELS`).

    Returns
    -------
    tuple
        :attr:`EnvSettings.angle_limits_deg` triples ``(angle, low deg, high deg)``: a stiff
        knee's flexion stops :data:`STIFF_KNEE_RANGE_MARGIN_DEG` above the clip's peak (its
        lower end is the model's own). An imitated stiff knee alone is not kept: adapted from
        the healthy atlas, CMU 16_15 with its left knee stiffened to 30 deg flexed that knee to
        66 deg after 400 k steps; with the limit, 35 deg (``docs/prediction.md``).
    """
    dofs = {d.angle_name: d for d in MODELS[model].dofs}
    limits = []
    for edit in motion.metadata.get("impairments", []):
        if edit.get("kind") == "stiff knee":
            dof = dofs[edit["angle"]]
            low = min(dof.sign * dof.lower_rad, dof.sign * dof.upper_rad)
            high = float(edit["peak_flexion_deg"]) + STIFF_KNEE_RANGE_MARGIN_DEG
            limits.append((edit["angle"], float(np.rad2deg(low)), high))
    return tuple(limits)


#: Environment settings of the atlas (:func:`learn.train_atlas`): goals drawn near the
#: library's natural stride (:data:`ATLAS_STRIDE_SPREAD`), the rest as in :class:`EnvSettings`.
ATLAS_ENV_SETTINGS = EnvSettings(stride_spread=ATLAS_STRIDE_SPREAD)


def make_env(clips: Sequence[Motion], settings: EnvSettings, **task: Any) -> ImitationEnv:
    """Return a new :class:`learn.ImitationEnv` on ``clips`` with ``settings``.

    ``task`` passes the task options (``task``, ``terrain_level``, ``stair_cue``,
    ``speed_goal``, ``pace_floor``) through to the environment.
    """
    return ImitationEnv(
        clips,
        goal=settings.goal,
        speed_range_m_s=settings.speed_range_m_s,
        stride_range_m=settings.stride_range_m,
        action_mode=settings.action_mode,
        max_steps=settings.max_steps,
        spec=settings.spec(),
        body=body_dimensions(settings.height_m, settings.mass_kg),
        stride_spread=settings.stride_spread,
        reference_state=settings.reference_state,
        terrain_reference=settings.terrain_reference,
        tread_steps=settings.tread_steps,
        follow_walker=settings.follow_walker,
        **task,
    )
