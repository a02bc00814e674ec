"""Flat-ground rollouts of a controller on a clip, measured as the report measures a level.

python out/stiff16/evaluate.py POLICY_FOLDER RUN_FOLDER CLIP.npz [N_ROLLOUTS]
(policy: a run or checkpoint folder; run: the folder whose manifest gives the avatar settings)
"""

import sys
from pathlib import Path

import numpy as np

import gait
from learn.evaluation import gait_measures, record_rollouts
from learn.runs import Controller, run_env_settings
from learn.training import task_env

folder, run, clip_path = Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3])
n = int(sys.argv[4]) if len(sys.argv) > 4 else 5
clip = gait.Motion.load(clip_path)
controller = Controller.load(folder)
settings = run_env_settings(run)
envs = [task_env(clip, "flat", settings=settings, max_steps=500) for _ in range(n)]
rollouts = record_rollouts(envs, controller.act, seeds=range(100, 100 + n))
m = gait_measures(rollouts, end_x_m=None)
print(
    f"{folder}: falls {m.falls} of {n}, trunk sway {np.rad2deg(m.max_trunk_sway_rad):.1f} deg, "
    f"pelvic hike {np.rad2deg(m.max_pelvis_hike_rad):.1f} deg, circumduction L/R "
    f"{100 * m.circumduction_m[0]:.1f} / {100 * m.circumduction_m[1]:.1f} cm, knee peaks L/R "
    f"{np.rad2deg(m.knee_flexion_peak_rad[0]):.1f} / {np.rad2deg(m.knee_flexion_peak_rad[1]):.1f}"
    f" deg, speed {m.speed_m_s:.2f} m/s, step {m.step_length_m:.2f} m; limits "
    f"{settings.angle_limits_deg}"
)
for e in envs:
    e.close()
