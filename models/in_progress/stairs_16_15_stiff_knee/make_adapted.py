"""Reproduce ``adapted/``: CMU 16_15 with a stiff left knee, adapted from ``models/atlas``.

The clip is ``learn.cmu_walks`` 16_15 with ``gait.stiffen_knee(clip, "left")`` (peak flexion
70.4 -> 30.0 deg; saved here as ``patient_clip.npz``); the avatar's left knee flexion is limited
to [-5, 35] deg (``EnvSettings.angle_limits_deg``); 1,000,000 steps, seed 0, 16 environments.
Run from the repository root: ``python models/in_progress/stairs_16_15_stiff_knee/make_adapted.py``
(writes ``out/stiff16/adapted_knee35``; 19 min on 2 cores). ``examples/07_adapt_to_patient.py
--atlas models/atlas --stiff-knee left --steps 1000000 --no-scratch`` makes the same clip and
settings.
"""

from dataclasses import replace
from pathlib import Path

import gait
import learn
from learn.training import adaptation_settings

ROOT = Path(__file__).resolve().parents[3]
out = ROOT / "out" / "stiff16"
out.mkdir(parents=True, exist_ok=True)
stiff = gait.stiffen_knee(
    learn.cmu_walks(ROOT / "tests" / "data" / "cmu", trials=["16_15"])[0], "left"
)
stiff.save(out / "patient_clip.npz")
atlas = ROOT / "models" / "atlas"
settings = replace(adaptation_settings(atlas), angle_limits_deg=(("knee_flexion_l", -5.0, 35.0),))
learn.adapt(
    atlas, stiff, out / "adapted_knee35", total_timesteps=1_000_000, seed=0, env_settings=settings
)
