import imageio.v2 as imageio
import numpy as np
import pytest
from winter_clips import winter_motion

import sim
from imu import GaitTwinInputError


def test_rendered_frame_shows_avatar_and_terrain():
    with sim.Simulation(terrain=sim.Terrain("stairs", 4), fixed_root=True) as world:
        world.reset_pose([1.5, 0, 1.0], [0, 0, 0, 1], np.zeros(world.spec.n_dofs))
        image = sim.render_frame(world, camera=sim.Camera(width=160, height=120))
        world.reset_pose([1.5, 0, 30.0], [0, 0, 0, 1], np.zeros(world.spec.n_dofs))
        empty_sky = sim.render_frame(world, camera=sim.Camera(width=160, height=120))
    assert image.shape == (120, 160, 3) and image.dtype == np.uint8
    trunk_blue = (image[..., 2] > 120) & (image[..., 0] < 90) & (image[..., 1] < 110)
    assert trunk_blue.sum() > 20  # the trunk is in view, centred on the pelvis
    assert not np.array_equal(image, empty_sky)


@pytest.mark.parametrize("suffix", [".mp4", ".gif"])
def test_side_by_side_video(tmp_path, suffix):
    motion = winter_motion(n_cycles=0.3, sampling_rate_hz=30.0)
    camera = sim.Camera(width=96, height=64)
    path = sim.render_motions([motion, motion], tmp_path / f"walk{suffix}", camera=camera, fps=10.0)
    frames = [frame for frame in imageio.get_reader(path)]
    assert len(frames) == int(motion.time_s[-1] * 10.0) + 1
    assert frames[0].shape[:2] == (64, 192)
    # both panels show the same motion: they agree up to video compression
    difference = np.abs(frames[0][8:, :96].astype(int) - frames[0][8:, 96:].astype(int))
    assert np.mean(difference) < 5.0


def test_video_suffix_is_checked(tmp_path):
    with pytest.raises(GaitTwinInputError, match=r"expected a \.mp4 or \.gif suffix"):
        sim.write_video([np.zeros((8, 8, 3), np.uint8)], tmp_path / "x.avi", fps=10.0)


def test_bad_camera_raises():
    with pytest.raises(
        GaitTwinInputError, match=r"Camera\.width: expected 8 to 4096 pixels, found 0"
    ):
        sim.Camera(width=0)
