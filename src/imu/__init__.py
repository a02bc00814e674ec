"""imu stage: readers, orientation, calibration and JCS joint angles.

Public names are re-exported here; implementation lives in the private modules.
"""

from imu._calibration import Calibration, calibrate, find_static_window, orientation_spread
from imu._conditioning import continuous_quaternions, lowpass, lowpass_quaternions, resample, slerp
from imu._errors import GaitTwinInputError
from imu._files import atomic_path, write_text_atomic
from imu._joint_angles import (
    JOINTS,
    PELVIS_ANGLES,
    SIGNS,
    JointAngles,
    angle_names,
    jcs_angles,
    joint_angles_from_segments,
    pelvis_angles_world,
    segment_orientations,
)
from imu._pipeline import joint_angles
from imu._recording import PAPER_SEGMENTS, SEGMENTS, ImuRecording

__all__ = [
    "JOINTS",
    "PAPER_SEGMENTS",
    "PELVIS_ANGLES",
    "SEGMENTS",
    "SIGNS",
    "Calibration",
    "GaitTwinInputError",
    "ImuRecording",
    "JointAngles",
    "angle_names",
    "atomic_path",
    "calibrate",
    "continuous_quaternions",
    "find_static_window",
    "jcs_angles",
    "joint_angles",
    "joint_angles_from_segments",
    "lowpass",
    "lowpass_quaternions",
    "orientation_spread",
    "pelvis_angles_world",
    "resample",
    "segment_orientations",
    "slerp",
    "write_text_atomic",
]
