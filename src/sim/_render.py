"""Headless rendering (pybullet's TinyRenderer) to MP4 and GIF, the camera following the pelvis."""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import imageio.v2 as imageio
import numpy as np
import pybullet
from tqdm import tqdm

from gait import Motion
from imu import GaitTwinInputError, atomic_path
from sim._anthropometry import BodyDimensions
from sim._model_spec import DEFAULT_MODEL, ModelSpec
from sim._simulation import Simulation
from sim._terrain import Terrain


@dataclass(frozen=True)
class Camera:
    """A camera that follows the pelvis.

    Parameters
    ----------
    width, height
        Image size, pixels.
    distance_m
        Distance from the pelvis, m.
    yaw_deg
        Azimuth about the vertical, deg (0: looking from the subject's right side, along +y).
    pitch_deg
        Elevation, deg (negative looks down).
    fov_deg
        Vertical field of view, deg.
    """

    width: int = 320
    height: int = 240
    distance_m: float = 3.0
    yaw_deg: float = 0.0
    pitch_deg: float = -15.0
    fov_deg: float = 50.0

    def __post_init__(self) -> None:
        for name in ("width", "height"):
            value = getattr(self, name)
            if int(value) != value or not 8 <= value <= 4096:
                raise GaitTwinInputError(f"Camera.{name}: expected 8 to 4096 pixels, found {value}")
        if not 0.0 < self.distance_m <= 50.0:
            raise GaitTwinInputError(
                f"Camera.distance_m: expected 0 to 50 m, found {self.distance_m}"
            )


def render_frame(world: Simulation, *, camera: Camera = Camera()) -> np.ndarray:
    """Render the world with the camera aimed at the pelvis, ``(height, width, 3)`` uint8 RGB."""
    pelvis = world.link_poses()["pelvis"][0]
    target = [float(pelvis[0]), float(pelvis[1]), float(pelvis[2]) - 0.2]
    view = world.client.computeViewMatrixFromYawPitchRoll(
        target, camera.distance_m, camera.yaw_deg, camera.pitch_deg, 0.0, 2
    )
    projection = world.client.computeProjectionMatrixFOV(
        camera.fov_deg, camera.width / camera.height, 0.05, 50.0
    )
    _, _, rgba, _, _ = world.client.getCameraImage(
        camera.width,
        camera.height,
        view,
        projection,
        renderer=pybullet.ER_TINY_RENDERER,
        lightDirection=[0.4, -0.6, 1.0],
        shadow=0,
    )
    return np.asarray(rgba, dtype=np.uint8).reshape(camera.height, camera.width, 4)[..., :3]


def write_video(frames: Iterable[np.ndarray], path: str | os.PathLike, *, fps: float) -> Path:
    """Write RGB frames to an MP4 (``.mp4``, H.264 via imageio-ffmpeg) or GIF, atomically.

    Parameters
    ----------
    frames
        ``(h, w, 3)`` uint8 images, all the same size.
    path
        Output file; the suffix picks the format.
    fps
        Frames per second.

    Returns
    -------
    pathlib.Path
        The written file.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in (".mp4", ".gif"):
        raise GaitTwinInputError(f"video path {str(path)!r}: expected a .mp4 or .gif suffix")
    with atomic_path(path) as tmp:
        if suffix == ".mp4":
            writer = imageio.get_writer(tmp, fps=fps, codec="libx264", macro_block_size=8)
        else:
            writer = imageio.get_writer(tmp, mode="I", duration=1000.0 / fps, loop=0)
        with writer:
            for frame in frames:
                writer.append_data(np.asarray(frame, dtype=np.uint8))
    return path


def _label(image: np.ndarray, colour: tuple[int, int, int]) -> np.ndarray:
    """Mark a panel with a coloured bar along its top edge."""
    out = image.copy()
    out[:4] = colour
    return out


def render_motions(
    motions: list[Motion],
    path: str | os.PathLike,
    *,
    terrain: Terrain | None = None,
    body: BodyDimensions | None = None,
    spec: ModelSpec = DEFAULT_MODEL,
    camera: Camera = Camera(),
    fps: float = 30.0,
    progress: bool = False,
) -> Path:
    """Render one or more motions side by side (e.g. reference and simulation) to a video.

    Parameters
    ----------
    motions
        Motions played back kinematically, each in its own panel (left to right) with the
        camera following its pelvis. Panels get a coloured top bar: green, orange, blue, ...
    path
        ``.mp4`` or ``.gif`` file.
    terrain, body, spec
        World to show them in (default flat ground, 1.75 m / 70 kg, the 9-DoF model).
    camera
        Camera of every panel.
    fps
        Video frame rate; motions are resampled to it (nearest frame), Hz.
    progress
        Show a progress bar.

    Returns
    -------
    pathlib.Path
        The written video.
    """
    if not motions:
        raise GaitTwinInputError("motions: expected at least one motion, found none")
    colours = [(60, 180, 75), (245, 130, 48), (0, 130, 200), (145, 30, 180)]
    duration = min(m.time_s[-1] - m.time_s[0] for m in motions)
    times = np.arange(0.0, duration + 1e-9, 1.0 / fps)
    positions = [spec.joint_positions_from_angles(m.joint_angles) for m in motions]
    worlds = [Simulation(spec, body=body, terrain=terrain, fixed_root=True) for _ in motions]
    try:
        frames = []
        for t in tqdm(times, desc="rendering", disable=not progress):
            panels = []
            for k, (world, motion) in enumerate(zip(worlds, motions, strict=True)):
                i = int(np.argmin(np.abs(motion.time_s - motion.time_s[0] - t)))
                world.reset_pose(
                    motion.root_position_m[i], motion.root_quaternion[i], positions[k][i]
                )
                panels.append(_label(render_frame(world, camera=camera), colours[k % len(colours)]))
            frames.append(np.concatenate(panels, axis=1))
        return write_video(frames, path, fps=fps)
    finally:
        for world in worlds:
            world.close()
