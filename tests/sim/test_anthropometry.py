import numpy as np
import pytest

import sim
from imu import GaitTwinInputError


@pytest.mark.parametrize(
    ("height_m", "mass_kg", "sex"), [(1.80, 82.0, "male"), (1.58, 54.0, "female")]
)
def test_segment_masses_and_lengths_match_de_leva(height_m, mass_kg, sex):
    body = sim.body_dimensions(height_m, mass_kg, sex=sex)
    table = sim.DE_LEVA_TABLE[sex]
    scale = height_m / {"male": 1.741, "female": 1.735}[sex]
    with sim.Simulation(body=body) as world:
        world.reset_pose([0.0, 0.0, 2.0], [0, 0, 0, 1], np.zeros(world.spec.n_dofs))
        avatar = world.bodies["avatar"]
        masses = {
            name: world.client.getDynamicsInfo(avatar, index)[0]
            for name, index in world.link_index.items()
        }
        poses = world.link_poses()
    for segment in ("thigh", "shank", "foot"):
        for side in ("r", "l"):
            assert masses[f"{segment}_{side}"] == pytest.approx(
                table[segment][1] / 100 * mass_kg, rel=1e-4
            )
    assert masses["pelvis"] == pytest.approx(table["lower_trunk"][1] / 100 * mass_kg, rel=1e-4)
    # connector links between hip DoFs weigh 1 g each: the total is the body mass within 5 g
    assert sum(masses.values()) == pytest.approx(mass_kg, abs=0.005)
    thigh = np.linalg.norm(poses["shank_r"][0] - poses["thigh_r"][0])
    shank = np.linalg.norm(poses["foot_r"][0] - poses["shank_r"][0])
    assert thigh == pytest.approx(table["thigh"][0] / 1000 * scale, abs=1e-5)
    assert shank == pytest.approx(table["shank"][0] / 1000 * scale, abs=1e-5)
    assert poses["trunk"][0][2] - poses["pelvis"][0][2] == pytest.approx(
        table["lower_trunk"][0] / 1000 * scale, abs=1e-5
    )


def test_larger_subject_has_longer_heavier_segments():
    small = sim.body_dimensions(1.55, 50.0)
    large = sim.body_dimensions(1.95, 100.0)
    for name in ("thigh", "shank", "foot", "trunk", "pelvis"):
        assert large.segments[name].length_m > small.segments[name].length_m
        assert large.segments[name].mass_kg == pytest.approx(2 * small.segments[name].mass_kg)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"height_m": 3.0, "mass_kg": 70.0}, "height_m: expected 0.5 to 2.5 m, found 3.0"),
        ({"height_m": 1.7, "mass_kg": 5.0}, "mass_kg: expected 10 to 250 kg, found 5.0"),
        ({"height_m": 1.7, "mass_kg": 70.0, "sex": "x"}, "sex: expected 'male' or 'female'"),
    ],
)
def test_bad_body_input_raises(kwargs, message):
    with pytest.raises(GaitTwinInputError, match=message):
        sim.body_dimensions(**kwargs)
