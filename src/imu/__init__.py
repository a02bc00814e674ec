"""imu stage: readers, orientation, calibration and JCS joint angles.

Public names are re-exported here; implementation lives in the private modules.
"""

import importlib.metadata

from imu._alignment import DEFAULT_MAX_GAP_S, AlignedStreams, SensorStream, align_streams
from imu._calc import read_calc, write_calc
from imu._calc_layout import (
    CALC_BODY_PARTS,
    CALC_FINGER_PARTS,
    CALC_HEADER_KEYS,
    CALC_SEGMENTS,
    CALC_WORLD_FRAMES,
    CalcLayout,
)
from imu._calibration import Calibration, calibrate, find_static_window, orientation_spread
from imu._calibration_file import read_calibration, write_calibration
from imu._cli import (
    BarSafeStreamHandler,
    add_recording_options,
    command_parser,
    configure_logging,
    progress_bar,
    recording_options,
    silenced_fds,
)
from imu._conditioning import continuous_quaternions, lowpass, lowpass_quaternions, resample, slerp
from imu._errors import GaitTwinInputError, check_mask, check_shape
from imu._export import (
    OPENSIM_COORDINATES,
    read_joint_angles_csv,
    write_joint_angles_csv,
    write_mot,
)
from imu._files import atomic_path, write_text_atomic
from imu._imu_csv import (
    IMU_CSV_CONTACTS,
    IMU_CSV_FIELDS,
    IMU_CSV_UNIT_SUFFIXES,
    read_imu_csv,
    write_imu_csv,
)
from imu._jobs import JobResult, guarded, run_jobs, run_ray_jobs
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
from imu._orientation import ORIENTATION_METHODS, estimate_orientation, orientations_from_raw
from imu._pipeline import calibrated_segment_orientations, joint_angles
from imu._plots import plot_joint_angles
from imu._quaternion import (
    heading_quaternion,
    quaternion_angle,
    quaternion_conjugate,
    quaternion_multiply,
    quaternion_positive_w,
    quaternion_yaw,
    quaternion_z_axis,
    rotate_vector,
    to_heading_frame,
)
from imu._read_recording import FILE_FORMATS, read_recording
from imu._recording import PAPER_SEGMENTS, SEGMENTS, ImuRecording
from imu._sensor_map import SensorMap, read_sensor_map
from imu._specific_force import STANDARD_GRAVITY_M_S2, world_acceleration
from imu._virtual_sensors import VirtualImu, body_angular_velocity, virtual_sensors
from imu._xsens import DOT_BODY_PART_SEGMENTS, MTW_SENSOR_SEGMENTS, read_xsens_dot, read_xsens_mtw

__all__ = [
    "CALC_BODY_PARTS",
    "CALC_FINGER_PARTS",
    "CALC_HEADER_KEYS",
    "CALC_SEGMENTS",
    "CALC_WORLD_FRAMES",
    "DEFAULT_MAX_GAP_S",
    "DOT_BODY_PART_SEGMENTS",
    "FILE_FORMATS",
    "IMU_CSV_CONTACTS",
    "IMU_CSV_FIELDS",
    "IMU_CSV_UNIT_SUFFIXES",
    "JOINTS",
    "MTW_SENSOR_SEGMENTS",
    "OPENSIM_COORDINATES",
    "ORIENTATION_METHODS",
    "PAPER_SEGMENTS",
    "PELVIS_ANGLES",
    "SEGMENTS",
    "SIGNS",
    "STANDARD_GRAVITY_M_S2",
    "AlignedStreams",
    "BarSafeStreamHandler",
    "CalcLayout",
    "Calibration",
    "GaitTwinInputError",
    "ImuRecording",
    "JobResult",
    "JointAngles",
    "SensorMap",
    "SensorStream",
    "VirtualImu",
    "add_recording_options",
    "align_streams",
    "angle_names",
    "atomic_path",
    "body_angular_velocity",
    "calibrate",
    "calibrated_segment_orientations",
    "check_mask",
    "check_shape",
    "command_parser",
    "configure_logging",
    "continuous_quaternions",
    "estimate_orientation",
    "find_static_window",
    "guarded",
    "heading_quaternion",
    "jcs_angles",
    "joint_angles",
    "joint_angles_from_segments",
    "lowpass",
    "lowpass_quaternions",
    "orientation_spread",
    "orientations_from_raw",
    "pelvis_angles_world",
    "plot_joint_angles",
    "progress_bar",
    "quaternion_angle",
    "quaternion_conjugate",
    "quaternion_multiply",
    "quaternion_positive_w",
    "quaternion_yaw",
    "quaternion_z_axis",
    "read_calc",
    "read_calibration",
    "read_imu_csv",
    "read_joint_angles_csv",
    "read_recording",
    "read_sensor_map",
    "read_xsens_dot",
    "read_xsens_mtw",
    "recording_options",
    "resample",
    "rotate_vector",
    "run_jobs",
    "run_ray_jobs",
    "segment_orientations",
    "silenced_fds",
    "slerp",
    "to_heading_frame",
    "virtual_sensors",
    "world_acceleration",
    "write_calc",
    "write_calibration",
    "write_imu_csv",
    "write_joint_angles_csv",
    "write_mot",
    "write_text_atomic",
]

__version__ = importlib.metadata.version("gaittwin")
