import numpy as np
import pytest

import sim
from imu import GaitTwinInputError

TERRAINS = [sim.Terrain("flat")] + [
    sim.Terrain(kind, level) for kind in ("ramp", "stairs") for level in range(1, 5)
]


def test_paper_levels():
    assert sim.RAMP_TOP_HEIGHTS_M == (0.0, 0.1875, 0.375, 0.5625, 0.75)
    assert sim.STAIR_STEP_HEIGHTS_M == (0.0, 0.0375, 0.075, 0.1125, 0.15)
    assert sim.Terrain("stairs", 2).tread_m == 0.30
    assert sim.Terrain("ramp", 4).ramp_length_m == 9.0
    assert sim.Terrain("ramp", 4).rise_m / 9.0 == pytest.approx(1 / 12)


@pytest.mark.parametrize("terrain", TERRAINS, ids=lambda t: f"{t.kind}{t.level}")
def test_probe_heights_match_built_geometry(terrain):
    x = np.linspace(-1.0, terrain.end_x_m + terrain.landing_length_m - 0.05, 400)
    edges = terrain.step_edges_x_m
    if edges.size:  # stay 5 mm away from risers, where the height jumps
        x = x[np.min(np.abs(x[:, None] - edges[None, :]), axis=1) > 0.005]
    with sim.Simulation(terrain=terrain) as world:
        measured = world.probe_heights(x, y_m=0.4)
    np.testing.assert_allclose(measured, terrain.height_at(x), atol=1e-3)
    assert measured.max() == pytest.approx(terrain.top_height_m, abs=1e-3)


@pytest.mark.parametrize("level", [1, 4])
def test_probes_find_step_edges(level):
    terrain = sim.Terrain("stairs", level)
    x = np.arange(terrain.start_x_m - 0.1, terrain.end_x_m, 0.002)
    with sim.Simulation(terrain=terrain) as world:
        heights = world.probe_heights(x)
    jumps = x[1:][np.diff(heights) > 0.5 * terrain.rise_m]
    assert jumps.size == terrain.n_steps
    np.testing.assert_allclose(jumps, terrain.step_edges_x_m, atol=0.0025)
    np.testing.assert_allclose(np.diff(heights)[np.diff(heights) > 1e-6], terrain.rise_m, atol=1e-3)


def test_rays_on_flat_ground_and_in_front_of_stairs():
    origin = np.array([0.0, 0.0, 1.0])
    with sim.Simulation() as world:
        distances, hits = sim.probe_rays(world.client, origin, max_length_m=3.0)
    angles = sim.RAY_ANGLES_RAD
    assert angles.size == 13
    down = np.abs(angles) < np.deg2rad(70)
    np.testing.assert_allclose(distances[down], 1.0 / np.cos(angles[down]), rtol=1e-3)
    assert distances[0] == pytest.approx(3.0) and distances[-1] == pytest.approx(3.0)

    terrain = sim.Terrain("stairs", 4)
    origin = np.array([terrain.start_x_m - 0.5, 0.0, 0.95])
    with sim.Simulation(terrain=terrain) as world:
        distances, hits = sim.probe_rays(world.client, origin, max_length_m=4.0)
    hit = distances < 4.0 - 1e-6
    on_tread = np.abs(hits[:, 2] - terrain.height_at(hits[:, 0] - 1e-4)) < 1e-3
    on_riser = np.min(np.abs(hits[:, :1] - terrain.step_edges_x_m[None, :]), axis=1) < 1e-3
    assert np.all(on_tread[hit] | on_riser[hit])
    # the forward horizontal ray hits the riser whose top is above the pelvis
    assert hits[-1, 0] == pytest.approx(
        terrain.step_edges_x_m[int(0.95 // terrain.rise_m)], abs=1e-3
    )


def test_unknown_terrain_raises():
    with pytest.raises(
        GaitTwinInputError,
        match=r"Terrain\.kind: expected 'flat', 'ramp' or 'stairs', found 'hill'",
    ):
        sim.Terrain("hill")
    with pytest.raises(GaitTwinInputError, match=r"Terrain\.level: expected 0 to 4, found 5"):
        sim.Terrain("ramp", 5)
