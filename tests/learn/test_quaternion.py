import numpy as np
from scipy.spatial.transform import Rotation

from learn.env import quaternion

A = Rotation.random(6, random_state=1)
B = Rotation.random(6, random_state=2)


def test_angle_and_z_axis_match_scipy():
    np.testing.assert_allclose(
        quaternion.angle(A.as_quat(), B.as_quat()), (A.inv() * B).magnitude(), atol=1e-9
    )
    np.testing.assert_allclose(quaternion.z_axis(A.as_quat()), A.apply([0, 0, 1]), atol=1e-12)


def test_heading_frame_undoes_the_yaw():
    vectors = np.random.default_rng(0).normal(size=(5, 3))
    for yaw in (0.7, np.full(5, 0.7)):
        np.testing.assert_allclose(
            quaternion.to_heading_frame(yaw, vectors),
            Rotation.from_euler("z", -0.7).apply(vectors),
            atol=1e-12,
        )
    yaws = np.array([0.3, -2.0, 3.0])
    np.testing.assert_allclose(quaternion.yaw(quaternion.heading_quaternion(yaws)), yaws)
    tilted = (Rotation.from_euler("z", 1.1) * Rotation.from_euler("y", 0.4)).as_quat()
    assert abs(quaternion.yaw(tilted) - 1.1) < 1e-12
