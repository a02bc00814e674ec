"""Rehabilitation terrains (flat, ramp, stairs) as data, their pybullet bodies and probes.

All terrains run along the world x axis: flat ground ``z = 0`` up to ``start_x_m``, then the
ramp or the stairs, then a level landing. The analytic :meth:`Terrain.height_at` is the ground
truth the ray probes are tested against.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pybullet
import pybullet_data

from imu import GaitTwinInputError

#: Top elevations of the 9 m ramp per curriculum level, m (the paper's levels; 1:12 at level 4).
RAMP_TOP_HEIGHTS_M: tuple[float, ...] = (0.0, 0.1875, 0.375, 0.5625, 0.75)

#: Step heights (risers) of the stairs per curriculum level, m; treads are 0.30 m.
STAIR_STEP_HEIGHTS_M: tuple[float, ...] = (0.0, 0.0375, 0.075, 0.1125, 0.15)

#: Lateral friction coefficient of the ground and terrain. pybullet multiplies the two bodies'
#: coefficients, so foot (1.0) on terrain gives an effective 0.9 (rubber sole on concrete).
TERRAIN_FRICTION: float = 0.9

#: Collision filter group of terrain bodies; rays and the avatar collide with this group only.
TERRAIN_GROUP: int = 1

#: Angles of the paper's 13 sagittal terrain rays, rad: from the downward vertical, -90 deg
#: (backwards, horizontal) to +90 deg (forwards, horizontal) in 15 deg steps.
RAY_ANGLES_RAD: np.ndarray = np.deg2rad(np.linspace(-90.0, 90.0, 13))

#: World z axis.
_UP = np.array([0.0, 0.0, 1.0])


@dataclass(frozen=True)
class Terrain:
    """A terrain along the world x axis.

    Parameters
    ----------
    kind
        ``"flat"``, ``"ramp"`` or ``"stairs"``.
    level
        Curriculum level 0-4 (index into :data:`RAMP_TOP_HEIGHTS_M` or
        :data:`STAIR_STEP_HEIGHTS_M`); level 0 is flat ground. Ignored for ``"flat"``.
    start_x_m
        Where the ramp or the first riser begins, m.
    ramp_length_m
        Horizontal length of the ramp, m.
    tread_m
        Stair tread depth, m.
    n_steps
        Number of risers.
    landing_length_m
        Length of the level landing after the ramp or stairs, m (the ground drops back to 0
        after it). The default, 25 m, puts that drop beyond any episode's reach (1.4 m/s for
        500 steps at 30 Hz is 23 m): with the earlier 4 m, a walker that climbed the whole
        ramp or flight in time fell off the landing's far edge.
    width_m
        Width of ramp, stairs and landing across y (centred on y = 0), m. The default, 60 m,
        puts the sides beyond any episode's reach as well: with the earlier 3 m, a walker whose
        heading drifted by 20 deg walked off the side of the landing.
    """

    kind: str = "flat"
    level: int = 0
    start_x_m: float = 2.0
    ramp_length_m: float = 9.0
    tread_m: float = 0.30
    n_steps: int = 12
    landing_length_m: float = 25.0
    width_m: float = 60.0

    def __post_init__(self) -> None:
        if self.kind not in ("flat", "ramp", "stairs"):
            raise GaitTwinInputError(
                f"Terrain.kind: expected 'flat', 'ramp' or 'stairs', found {self.kind!r}"
            )
        if not 0 <= self.level < len(RAMP_TOP_HEIGHTS_M):
            raise GaitTwinInputError(f"Terrain.level: expected 0 to 4, found {self.level}")

    @property
    def rise_m(self) -> float:
        """Ramp top elevation or stair step height of this level, m (0 for flat)."""
        if self.kind == "ramp":
            return RAMP_TOP_HEIGHTS_M[self.level]
        if self.kind == "stairs":
            return STAIR_STEP_HEIGHTS_M[self.level]
        return 0.0

    @property
    def is_flat(self) -> bool:
        """Whether the terrain is the ground plane only."""
        return self.rise_m == 0.0

    @property
    def end_x_m(self) -> float:
        """Where the ramp or stairs end and the landing begins, m."""
        length = self.ramp_length_m if self.kind == "ramp" else self.n_steps * self.tread_m
        return self.start_x_m + length

    @property
    def top_height_m(self) -> float:
        """Height of the landing, m."""
        return self.rise_m * (self.n_steps if self.kind == "stairs" else 1.0)

    @property
    def step_edges_x_m(self) -> np.ndarray:
        """X of every stair riser (empty for a ramp or flat ground), m."""
        if self.kind != "stairs" or self.is_flat:
            return np.zeros(0)
        return self.start_x_m + self.tread_m * np.arange(self.n_steps)

    def height_at(self, x_m: np.ndarray | float) -> np.ndarray:
        """Ground height at ``x_m`` (any ``y`` within ``width_m``), m, same shape as ``x_m``."""
        x = np.asarray(x_m, dtype=float)
        if self.is_flat:
            return np.zeros_like(x)
        on_landing = (x >= self.end_x_m) & (x <= self.end_x_m + self.landing_length_m)
        if self.kind == "ramp":
            rising = self.rise_m * (x - self.start_x_m) / self.ramp_length_m
        else:
            rising = self.rise_m * (np.floor((x - self.start_x_m) / self.tread_m) + 1.0)
        inside = (x >= self.start_x_m) & (x < self.end_x_m)
        return np.where(on_landing, self.top_height_m, np.where(inside, rising, 0.0))

    def boxes(self) -> list[tuple[np.ndarray, np.ndarray, np.ndarray]]:
        """Return the terrain boxes as ``(half_extents, centre, quaternion)`` triples, m."""
        if self.is_flat:
            return []
        half_width = 0.5 * self.width_m
        landing_half = np.array([0.5 * self.landing_length_m, half_width, 0.5 * self.top_height_m])
        landing_centre = np.array(
            [self.end_x_m + 0.5 * self.landing_length_m, 0.0, 0.5 * self.top_height_m]
        )
        identity = np.array([0.0, 0.0, 0.0, 1.0])
        out = [(landing_half, landing_centre, identity)]
        if self.kind == "stairs":
            for i in range(self.n_steps):
                top = self.rise_m * (i + 1)
                half = np.array([0.5 * self.tread_m, half_width, 0.5 * top])
                centre = np.array([self.start_x_m + (i + 0.5) * self.tread_m, 0.0, 0.5 * top])
                out.append((half, centre, identity))
            return out
        angle = np.arctan2(self.rise_m, self.ramp_length_m)
        thickness = 0.2
        half = np.array(
            [0.5 * np.hypot(self.ramp_length_m, self.rise_m), half_width, thickness / 2]
        )
        top_centre = np.array([self.start_x_m + 0.5 * self.ramp_length_m, 0.0, 0.5 * self.rise_m])
        normal = np.array([-np.sin(angle), 0.0, np.cos(angle)])
        quaternion = np.array([0.0, np.sin(-angle / 2), 0.0, np.cos(-angle / 2)])
        out.append((half, top_centre - 0.5 * thickness * normal, quaternion))
        return out


def build_terrain(client, terrain: Terrain) -> dict[str, int]:
    """Add the ground plane and the terrain's boxes to a pybullet client.

    Parameters
    ----------
    client
        A ``pybullet_utils.bullet_client.BulletClient``.
    terrain
        What to build.

    Returns
    -------
    dict
        Body ids by name: ``ground`` and, unless the terrain is flat, ``terrain``.
    """
    bodies = {"ground": client.loadURDF(f"{pybullet_data.getDataPath()}/plane.urdf")}
    boxes = terrain.boxes()
    if boxes:
        half, centre, quat = (list(map(list, part)) for part in zip(*boxes, strict=True))
        collision = client.createCollisionShapeArray(
            shapeTypes=[pybullet.GEOM_BOX] * len(boxes),
            halfExtents=half,
            collisionFramePositions=centre,
            collisionFrameOrientations=quat,
        )
        visual = client.createVisualShapeArray(
            shapeTypes=[pybullet.GEOM_BOX] * len(boxes),
            halfExtents=half,
            visualFramePositions=centre,
            visualFrameOrientations=quat,
            rgbaColors=[[0.62, 0.66, 0.72, 1.0]] * len(boxes),
        )
        bodies["terrain"] = client.createMultiBody(
            baseMass=0.0, baseCollisionShapeIndex=collision, baseVisualShapeIndex=visual
        )
    for body in bodies.values():
        client.changeDynamics(body, -1, lateralFriction=TERRAIN_FRICTION, restitution=0.0)
        client.setCollisionFilterGroupMask(body, -1, TERRAIN_GROUP, 0xFFFF)
    return bodies


def _cast(client, start: list, end: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Cast rays ``(k, 3)`` against the terrain group; return hit fractions and hit positions."""
    ends = end.tolist()
    results = client.rayTestBatch(start, ends, collisionFilterMask=TERRAIN_GROUP)
    fraction = np.array([r[2] if r[0] >= 0 else 1.0 for r in results])
    hits = np.array([r[3] if r[0] >= 0 else e for r, e in zip(results, ends, strict=True)])
    return fraction, hits


def probe_heights(client, x_m: np.ndarray, *, y_m: float = 0.0) -> np.ndarray:
    """Return the terrain height under each ``x_m`` by vertical rays, m.

    Parameters
    ----------
    client
        A BulletClient with a terrain built by :func:`build_terrain`.
    x_m
        Positions along the walking line, ``(k,)``, m.
    y_m
        Lateral position of the line, m.

    Returns
    -------
    numpy.ndarray
        ``(k,)`` heights, m (the highest surface under each point, between -1 and 10 m).
    """
    x = np.atleast_1d(np.asarray(x_m, dtype=float))
    start = np.column_stack([x, np.full_like(x, y_m), np.full_like(x, 10.0)])
    end = start.copy()
    end[:, 2] = -1.0
    _, hits = _cast(client, start.tolist(), end)
    return hits[:, 2]


def probe_rays(
    client,
    origin_m: np.ndarray,
    *,
    heading_rad: float = 0.0,
    max_length_m: float = 3.0,
    angles_rad: np.ndarray = RAY_ANGLES_RAD,
) -> tuple[np.ndarray, np.ndarray]:
    """Cast the sagittal terrain rays from ``origin_m`` (e.g. the pelvis).

    Parameters
    ----------
    client
        A BulletClient with a terrain built by :func:`build_terrain`.
    origin_m
        Ray origin, ``(3,)``, m.
    heading_rad
        Walking heading (yaw about z), rad; 0 = +x.
    max_length_m
        Ray length, m; rays that hit nothing report this length.
    angles_rad
        Ray angles from the downward vertical, positive forwards (default the paper's 13).

    Returns
    -------
    distances_m : numpy.ndarray
        ``(k,)`` distance to the first terrain hit, m.
    hits_m : numpy.ndarray
        ``(k, 3)`` hit points (the ray end when nothing is hit), m.
    """
    origin = np.asarray(origin_m, dtype=float)
    forward = np.array([np.cos(heading_rad), np.sin(heading_rad), 0.0])
    directions = np.sin(angles_rad)[:, None] * forward - np.cos(angles_rad)[:, None] * _UP
    end = origin + max_length_m * directions
    fraction, hits = _cast(client, [origin.tolist()] * len(end), end)
    return fraction * max_length_m, hits
