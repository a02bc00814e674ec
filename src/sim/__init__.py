"""sim stage: pybullet lower-limb avatar, PD control, terrains, contact correction, rendering.

Public names are re-exported here; implementation lives in the private modules.
"""

import importlib.metadata

import sim._quiet_pybullet  # noqa: F401 (first: pybullet imported quietly)
from sim._anthropometry import DE_LEVA_TABLE, BodyDimensions, Segment, body_dimensions
from sim._correction import CorrectionResult, correct_contacts, fit_height_to_motion
from sim._model_spec import (
    ANKLE_MODEL,
    DEFAULT_MODEL,
    MAX_PD_FREQUENCY_RAD_S,
    MODELS,
    PD_NATURAL_FREQUENCY_RAD_S,
    DofSpec,
    JointSpec,
    ModelSpec,
)
from sim._playback import (
    CONTACT_TOLERANCE_M,
    ArtifactReport,
    FootTrack,
    derive_stance,
    measure_artifacts,
    playback,
    rolling_off,
    track_feet,
)
from sim._render import Camera, render_frame, render_motions, write_video
from sim._rollout import (
    PUSH_DIRECTIONS,
    PUSH_DURATION_S,
    ClipTracker,
    PushResult,
    Rollout,
    largest_survived_force,
    max_push_force,
    push_force,
    push_test,
    rollout,
)
from sim._simulation import LINKS, BodyKinematics, Measurements, SimState, Simulation
from sim._terrain import (
    RAMP_TOP_HEIGHTS_M,
    RAY_ANGLES_RAD,
    STAIR_STEP_HEIGHTS_M,
    TERRAIN_FRICTION,
    Terrain,
    build_terrain,
    probe_heights,
    probe_rays,
)
from sim._urdf import FOOT_FRICTION, avatar_urdf, write_avatar_urdf

__all__ = [
    "ANKLE_MODEL",
    "CONTACT_TOLERANCE_M",
    "DEFAULT_MODEL",
    "DE_LEVA_TABLE",
    "FOOT_FRICTION",
    "LINKS",
    "MAX_PD_FREQUENCY_RAD_S",
    "MODELS",
    "PD_NATURAL_FREQUENCY_RAD_S",
    "PUSH_DIRECTIONS",
    "PUSH_DURATION_S",
    "RAMP_TOP_HEIGHTS_M",
    "RAY_ANGLES_RAD",
    "STAIR_STEP_HEIGHTS_M",
    "TERRAIN_FRICTION",
    "ArtifactReport",
    "BodyDimensions",
    "BodyKinematics",
    "Camera",
    "ClipTracker",
    "CorrectionResult",
    "DofSpec",
    "FootTrack",
    "JointSpec",
    "Measurements",
    "ModelSpec",
    "PushResult",
    "Rollout",
    "Segment",
    "SimState",
    "Simulation",
    "Terrain",
    "avatar_urdf",
    "body_dimensions",
    "build_terrain",
    "correct_contacts",
    "derive_stance",
    "fit_height_to_motion",
    "largest_survived_force",
    "max_push_force",
    "measure_artifacts",
    "playback",
    "probe_heights",
    "probe_rays",
    "push_force",
    "push_test",
    "render_frame",
    "render_motions",
    "rolling_off",
    "rollout",
    "track_feet",
    "write_avatar_urdf",
    "write_video",
]

__version__ = importlib.metadata.version("gaittwin")
