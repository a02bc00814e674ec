"""How the terrain reference steps on stairs: a tread per step, or step-to behind a stiff leg.

:class:`learn.env.TerrainReference` places its cycle on stairs (``treads`` of
:meth:`~learn.env.TerrainReference.from_reference`) as below; its module notes give the rest of
the method (supports, foot plan, pelvis, legs).

**Steps of one tread** (``treads`` of :meth:`TerrainReference.from_reference`). A walking
cycle's step is often two stair treads long (CMU 16_15's 0.63 m over 0.30 m treads), so the
retargeted cycle would climb two risers per step. On ``treads`` every world x of the cycle (the
root's advance, the soles, the supports of the plan) becomes ``k x + c`` before the
retargeting's steps 1-6, with
``k = tread / step`` (``step`` half the stride): one step per tread, as people climb stairs, at
the cycle's own cadence (so at ``k`` times its speed: CMU 16_15's 1.1 m/s becomes 0.52 m/s).
``c`` puts the mean touchdown x of the soles' centres at the middle of a tread, counted from
the stairs' ``start_x_m`` (a circular mean, modulo the tread, over the stance rows of both feet's
cycle grid, so each touchdown weighs as many rows as its stance lasts). The legs' inverse
kinematics then also solves the soles' horizontal change, ``(k - 1)`` times their distance
ahead of the root. On a ramp, or with ``treads`` not stairs, ``k = 1`` and ``c = 0``.

**Step-to** (``trailing_foot`` of :meth:`TerrainReference.from_reference`). A leg whose knee
cannot fold enough (a stiff knee, its range narrowed by ``EnvSettings.angle_limits_deg``) cannot
climb step over step: its swing foot must clear a riser above the other foot's tread and land a
riser higher still (CMU 16_15 with a 35 deg knee: its sole 7.6 cm short of its target at 3.75
cm risers, 26 cm at 15 cm). Patients with such a knee climb step-to, leading with the other leg
and bringing the stiff one up beside it (as physiotherapists teach it: "up with the good"). By
default the reference does so when one-tread steps would leave a sole more than
:data:`CLEARANCE_M` below its target with its knee at the flexing end of its range (checked
over one cycle on the flight; the leg with more such frames trails):

- ``k = tread / stride``: every foot advances one tread per stride, at the cycle's cadence (so
  at half the speed of step over step), and the trailing foot's x is moved back half a tread,
  so that it lands beside the leading foot, on the tread the leading foot stands on;
- the pelvis rises to the leading foot's tread over the first :data:`STEP_TO_RISE` of the
  trailing foot's swing (the leading leg lifts the body), and the trailing foot's support and
  clearance rise over the same part of its swing (``b(s / STEP_TO_RISE)``) from the tread it
  leaves;
- the trailing foot moves forward only after it has started to rise: its x goes from its
  support's to its next support's as ``b((s - STEP_TO_RISE / 2) / (1 - STEP_TO_RISE / 2))``
  (0 before ``s = STEP_TO_RISE / 2``), and stays at its touchdown x in stance;
- after the legs are solved, the pelvis vaults on the leading leg by what the trailing sole
  still lacks (the retargeting's step 4).

Measured on that clip on the stairs run's avatar (``benchmarks/terrain_reference_fit.py``,
session 19): its stiff sole ends at most 2.0 cm below its target on every level, 1-4 (step over
step 7.6, 13.8, 20.1 and 26.3 cm), the other at most 3.9 cm (the healthy clips' 0.2-2.6 cm, the
bundled Xsens walk's 3.0-5.0 cm, step over step). A leg whose knee is not stopped never changes
the reference: every healthy clip's is the same, to the bit, as before step-to existed.

Units: m.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from learn.env._foot_plan import FootPlan
from sim import Terrain

#: Step-to: the fraction of the trailing leg's swing over which the pelvis and the trailing foot
#: rise to the tread the leading leg stands on (module notes, "Step-to").
STEP_TO_RISE = 0.5
#: Treads added before and after the flight by :func:`extended_flight`.
_EXTRA_TREADS = 100


def tread_placement(
    plan: FootPlan, stride_m: float, treads: Terrain, trailing: int | None
) -> tuple[float, float, tuple[float, float]]:
    """Return ``k``, ``c`` and each foot's x offset for a cycle on ``treads`` (module notes).

    Parameters
    ----------
    plan
        The cycle's foot plan (its touchdowns).
    stride_m
        The cycle's stride length, m.
    treads
        The stairs.
    trailing
        The foot (0 left, 1 right) that climbs step-to behind the other; None: step over step.

    Returns
    -------
    tuple
        ``stride_scale`` ``k``, ``shift_m`` ``c`` (m) and ``foot_shift_m`` ``(left, right)``
        (m), as :class:`learn.env.TerrainReference` takes them.
    """
    n = len(plan.root_x_m) - 1
    steps_per_tread = 1.0 if trailing is None else 2.0
    scale = treads.tread_m / (0.5 * steps_per_tread * stride_m)
    foot_shift = np.zeros(2)
    if trailing is not None:
        foot_shift[trailing] = -0.5 * treads.tread_m
    stance = ~plan.swinging[:n]
    touchdowns = scale * plan.previous_x_m[:n] + foot_shift - treads.start_x_m
    angle = 2.0 * np.pi * touchdowns[stance] / treads.tread_m
    mean = np.arctan2(np.sin(angle).mean(), np.cos(angle).mean()) / (2.0 * np.pi)
    return scale, (0.5 - mean % 1.0) * treads.tread_m, (foot_shift[0], foot_shift[1])


def extended_flight(treads: Terrain) -> Terrain:
    """Return ``treads`` with a hundred treads more at either end, its treads where they are.

    A flight on which a cycle is on stairs wherever it is (:func:`stopped_leg`).
    """
    return replace(
        treads,
        start_x_m=treads.start_x_m - _EXTRA_TREADS * treads.tread_m,
        n_steps=treads.n_steps + 2 * _EXTRA_TREADS,
    )


def stopped_leg(knee_stopped: np.ndarray, shortfall_m: np.ndarray, *, short_m: float) -> int | None:
    """Return the leg whose knee range stops its sole short of a tread, or None.

    Module notes, "Step-to": of frames of a cycle on :func:`extended_flight`, given whether each
    knee is at the flexing end of its range and each sole's shortfall (``(n, 2)`` each; m), the
    leg with the most frames whose knee is stopped and whose sole ends more than ``short_m`` (m)
    below its target; None when no frame has one.
    """
    counts = (knee_stopped & (shortfall_m > short_m)).sum(axis=0)
    return int(np.argmax(counts)) if counts.max() > 0 else None
