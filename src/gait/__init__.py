"""gait stage: motions, mocap readers, step segmentation, gait events and parameters, clips.

Public names are re-exported here; implementation lives in the private modules.
"""

from gait._asf_amc import read_amc, read_asf
from gait._bvh import read_bvh
from gait._mocap_motion import motion_from_mocap
from gait._motion import Motion
from gait._skeleton import CMU_BONES, MOCAP_SEGMENTS, LegBones, MocapTake, Skeleton

__all__ = [
    "CMU_BONES",
    "MOCAP_SEGMENTS",
    "LegBones",
    "MocapTake",
    "Motion",
    "Skeleton",
    "motion_from_mocap",
    "read_amc",
    "read_asf",
    "read_bvh",
]
