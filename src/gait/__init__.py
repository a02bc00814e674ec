"""gait stage: motions, mocap readers, step segmentation, gait events and parameters, clips.

Public names are re-exported here; implementation lives in the private modules.
"""

import importlib.metadata

from gait._asf_amc import read_amc, read_asf
from gait._batch import BatchSummary, find_cmu_takes, plot_step_length_vs_speed, process_cmu
from gait._body import DEFAULT_HEIGHT_M, DEFAULT_MASS_KG
from gait._bvh import read_bvh
from gait._events import (
    HEEL_STRIKE_SEARCH_FRACTION,
    LEG_EVENT_MARKS,
    SIDES,
    TOE_OFF_RISE_FRACTION,
    GaitEvents,
    contacts_from_events,
    debounce_contacts,
    events_from_contacts,
    events_from_leg_angles,
    foot_contacts_from_positions,
    shank_inclination,
)
from gait._fidelity import FIDELITY_ANGLES, ClipFidelity, clip_fidelity
from gait._foot_gyroscope import events_from_foot_gyroscope, foot_sagittal_rate
from gait._impairment import KNEE_SIDES, STIFF_KNEE_PEAK_DEG, stiffen_knee
from gait._imu_walk import ImuWalk, analyse_imu_walk
from gait._library import (
    MANIFEST_COLUMNS,
    add_clips,
    cut_walk,
    load_clip,
    nearest_clip,
    read_manifest,
    resample_clip,
)
from gait._mean_cycle import MeanCycle, StrideCheck, mean_cycle
from gait._mocap_motion import motion_from_mocap
from gait._motion import Motion
from gait._normative import (
    NORMATIVE_ANGLES,
    WINTER_NORMATIVE_CSV,
    WINTER_NORMATIVE_SOURCE,
    read_normative_curves,
    read_winter_normative,
)
from gait._parameters import SYMMETRY_COLUMNS, GaitParameters, gait_parameters, symmetry_index
from gait._plots import plot_gait_cycles, plot_step_parameters
from gait._repeated_walk import repeat_stride
from gait._root_path import (
    HIP_JOINT_SEPARATION_RATIO,
    ROLLOVER_RADIUS_RATIO,
    WINTER_LENGTH_RATIOS,
    fuse_position_with_acceleration,
    leg_lengths_from_height,
    pelvis_vertical_acceleration,
    pelvis_world_acceleration,
    root_path_from_stance,
)
from gait._segmentation import (
    CYCLE_POINTS,
    STRIDE_BAND_HZ,
    Cycle,
    CycleSegmentation,
    DroppedRange,
    cycle_curves,
    dominant_frequency,
    segment_cycles,
    stride_frequency,
    time_normalise,
    turning_mask,
)
from gait._skeleton import (
    CMU_BONES,
    KNOWN_LEG_BONES,
    MOCAP_SEGMENTS,
    PERCEPTION_NEURON_BONES,
    LegBones,
    MocapTake,
    Skeleton,
    leg_bones_for,
)
from gait._virtual_walk import virtual_imu_from_motion

__all__ = [
    "CMU_BONES",
    "CYCLE_POINTS",
    "DEFAULT_HEIGHT_M",
    "DEFAULT_MASS_KG",
    "FIDELITY_ANGLES",
    "HEEL_STRIKE_SEARCH_FRACTION",
    "HIP_JOINT_SEPARATION_RATIO",
    "KNEE_SIDES",
    "KNOWN_LEG_BONES",
    "LEG_EVENT_MARKS",
    "MANIFEST_COLUMNS",
    "MOCAP_SEGMENTS",
    "NORMATIVE_ANGLES",
    "PERCEPTION_NEURON_BONES",
    "ROLLOVER_RADIUS_RATIO",
    "SIDES",
    "STIFF_KNEE_PEAK_DEG",
    "STRIDE_BAND_HZ",
    "SYMMETRY_COLUMNS",
    "TOE_OFF_RISE_FRACTION",
    "WINTER_LENGTH_RATIOS",
    "WINTER_NORMATIVE_CSV",
    "WINTER_NORMATIVE_SOURCE",
    "BatchSummary",
    "ClipFidelity",
    "Cycle",
    "CycleSegmentation",
    "DroppedRange",
    "GaitEvents",
    "GaitParameters",
    "ImuWalk",
    "LegBones",
    "MeanCycle",
    "MocapTake",
    "Motion",
    "Skeleton",
    "StrideCheck",
    "add_clips",
    "analyse_imu_walk",
    "clip_fidelity",
    "contacts_from_events",
    "cut_walk",
    "cycle_curves",
    "debounce_contacts",
    "dominant_frequency",
    "events_from_contacts",
    "events_from_foot_gyroscope",
    "events_from_leg_angles",
    "find_cmu_takes",
    "foot_contacts_from_positions",
    "foot_sagittal_rate",
    "fuse_position_with_acceleration",
    "gait_parameters",
    "leg_bones_for",
    "leg_lengths_from_height",
    "load_clip",
    "mean_cycle",
    "motion_from_mocap",
    "nearest_clip",
    "pelvis_vertical_acceleration",
    "pelvis_world_acceleration",
    "plot_gait_cycles",
    "plot_step_length_vs_speed",
    "plot_step_parameters",
    "process_cmu",
    "read_amc",
    "read_asf",
    "read_bvh",
    "read_manifest",
    "read_normative_curves",
    "read_winter_normative",
    "repeat_stride",
    "resample_clip",
    "root_path_from_stance",
    "segment_cycles",
    "shank_inclination",
    "stiffen_knee",
    "stride_frequency",
    "symmetry_index",
    "time_normalise",
    "turning_mask",
    "virtual_imu_from_motion",
]

__version__ = importlib.metadata.version("gaittwin")
