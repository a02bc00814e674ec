"""The quaternion helpers of every stage (imu._quaternion) against scipy's ``Rotation``."""

import numpy as np
from scipy.spatial.transform import Rotation

import imu

A = Rotation.random(6, random_state=1)
B = Rotation.random(6, random_state=2)


def test_product_and_conjugate_match_scipy():
    product = imu.quaternion_multiply(A.as_quat(), B.as_quat())
    residual = Rotation.from_quat(product) * (A * B).inv()
    np.testing.assert_allclose(residual.magnitude(), 0.0, atol=1e-12)
    inverse = Rotation.from_quat(imu.quaternion_conjugate(A.as_quat()))
    np.testing.assert_allclose((inverse * A).magnitude(), 0.0, atol=1e-12)


def test_angle_and_z_axis_match_scipy():
    np.testing.assert_allclose(
        imu.quaternion_angle(A.as_quat(), B.as_quat()), (A.inv() * B).magnitude(), atol=1e-9
    )
    np.testing.assert_allclose(imu.quaternion_z_axis(A.as_quat()), A.apply([0, 0, 1]), atol=1e-12)


def test_positive_w_keeps_the_rotation():
    flipped = -A.as_quat()
    positive = imu.quaternion_positive_w(flipped)
    assert np.all(positive[:, 3] >= 0.0)
    np.testing.assert_allclose(
        (Rotation.from_quat(positive) * A.inv()).magnitude(), 0.0, atol=1e-12
    )


def test_rotate_vector_matches_scipy():
    vectors = np.random.default_rng(1).normal(size=(6, 3))
    for q, v, rotation in zip(A.as_quat(), vectors, A, strict=True):
        np.testing.assert_allclose(imu.rotate_vector(q, v), rotation.apply(v), atol=1e-12)


def test_heading_frame_undoes_the_yaw():
    vectors = np.random.default_rng(0).normal(size=(5, 3))
    for yaw in (0.7, np.full(5, 0.7)):
        np.testing.assert_allclose(
            imu.to_heading_frame(yaw, vectors),
            Rotation.from_euler("z", -0.7).apply(vectors),
            atol=1e-12,
        )
    yaws = np.array([0.3, -2.0, 3.0])
    np.testing.assert_allclose(imu.quaternion_yaw(imu.heading_quaternion(yaws)), yaws)
    tilted = (Rotation.from_euler("z", 1.1) * Rotation.from_euler("y", 0.4)).as_quat()
    assert abs(imu.quaternion_yaw(tilted) - 1.1) < 1e-12
