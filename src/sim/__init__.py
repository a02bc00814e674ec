"""sim stage: pybullet lower-limb avatar, PD control, terrains, contact correction, rendering.

Public names are re-exported here; implementation lives in the private modules.
"""

from sim._anthropometry import DE_LEVA_TABLE, BodyDimensions, Segment, body_dimensions
from sim._model_spec import ANKLE_MODEL, DEFAULT_MODEL, DofSpec, JointSpec, ModelSpec
from sim._simulation import LINKS, Measurements, SimState, Simulation
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
    "DEFAULT_MODEL",
    "DE_LEVA_TABLE",
    "FOOT_FRICTION",
    "LINKS",
    "RAMP_TOP_HEIGHTS_M",
    "RAY_ANGLES_RAD",
    "STAIR_STEP_HEIGHTS_M",
    "TERRAIN_FRICTION",
    "BodyDimensions",
    "DofSpec",
    "JointSpec",
    "Measurements",
    "ModelSpec",
    "Segment",
    "SimState",
    "Simulation",
    "Terrain",
    "avatar_urdf",
    "body_dimensions",
    "build_terrain",
    "probe_heights",
    "probe_rays",
    "write_avatar_urdf",
]
