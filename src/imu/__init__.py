"""imu stage: readers, orientation, calibration and JCS joint angles.

Public names are re-exported here; implementation lives in the private modules.
"""

from imu._errors import GaitTwinInputError
from imu._joint_angles import (
    JOINTS,
    PELVIS_ANGLES,
    SIGNS,
    JointAngles,
    angle_names,
    jcs_angles,
    joint_angles_from_segments,
    pelvis_angles_world,
)
from imu._recording import PAPER_SEGMENTS, SEGMENTS, ImuRecording

__all__ = [
    "JOINTS",
    "PAPER_SEGMENTS",
    "PELVIS_ANGLES",
    "SEGMENTS",
    "SIGNS",
    "GaitTwinInputError",
    "ImuRecording",
    "JointAngles",
    "angle_names",
    "jcs_angles",
    "joint_angles_from_segments",
    "pelvis_angles_world",
]
