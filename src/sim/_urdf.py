"""URDF text of the avatar, generated from :class:`BodyDimensions` and a :class:`ModelSpec`.

Every link frame equals its anatomical segment frame (x anterior, y left, z up in neutral
standing; origin at the proximal joint centre, the pelvis at the hip-joint-centre midpoint), so
all joint positions are zero in neutral standing and link orientations read back from pybullet
are the segment orientations the imu stage expects.
"""

from __future__ import annotations

import hashlib
import tempfile
from pathlib import Path

from imu import atomic_path
from sim._anthropometry import BodyDimensions, Segment
from sim._model_spec import ModelSpec

#: Lateral (Coulomb) friction coefficient of the feet and of the terrain (rubber sole on
#: concrete or vinyl, 0.8-1.0); pybullet combines two bodies' coefficients by multiplying them.
FOOT_FRICTION: float = 1.0

#: Mass and principal inertia of the massless-in-principle links between the DoFs of one joint.
_CONNECTOR_MASS_KG = 1e-3
_CONNECTOR_INERTIA_KG_M2 = 1e-6

_COLOURS = {
    "pelvis": "0.85 0.55 0.35 1",
    "trunk": "0.30 0.45 0.75 1",
    "thigh": "0.85 0.65 0.45 1",
    "shank": "0.85 0.70 0.50 1",
    "foot": "0.25 0.25 0.25 1",
}


def _f(values: tuple[float, ...] | list[float]) -> str:
    return " ".join(f"{v:.6g}" for v in values)


def _inertial(segment: Segment) -> str:
    ixx, iyy, izz = segment.inertia_kg_m2
    return (
        f'<inertial><origin xyz="{_f(segment.com_m)}" rpy="0 0 0"/>'
        f'<mass value="{segment.mass_kg:.6g}"/>'
        f'<inertia ixx="{ixx:.6g}" ixy="0" ixz="0" iyy="{iyy:.6g}" iyz="0" izz="{izz:.6g}"/>'
        "</inertial>"
    )


def _shape(kind: str, origin: tuple[float, float, float], geometry: str, colour: str) -> str:
    origin_xml = f'<origin xyz="{_f(origin)}" rpy="0 0 0"/>'
    visual = (
        f"<visual>{origin_xml}<geometry>{geometry}</geometry>"
        f'<material name="{kind}"><color rgba="{colour}"/></material></visual>'
    )
    return visual + f"<collision>{origin_xml}<geometry>{geometry}</geometry></collision>"


def _segment_shapes(kind: str, body: BodyDimensions) -> str:
    """Visual and collision shapes of one segment kind (capsules for limbs, boxes otherwise)."""
    h = body.height_m
    seg = body.segments
    colour = _COLOURS[kind]
    if kind == "pelvis":
        size = (0.09 * h, 0.17 * h, body.lumbar_height_m + 0.03 * h)
        centre = (0.0, 0.0, 0.5 * body.lumbar_height_m - 0.015 * h)
        return _shape(kind, centre, f'<box size="{_f(size)}"/>', colour)
    if kind == "trunk":
        head_len = 0.1395 * h
        torso_len = seg["trunk"].length_m - head_len
        torso = _shape(
            kind,
            (0.0, 0.0, 0.5 * torso_len),
            f'<box size="{_f((0.11 * h, 0.19 * h, torso_len))}"/>',
            colour,
        )
        head = _shape(
            kind,
            (0.0, 0.0, torso_len + 0.5 * head_len),
            f'<sphere radius="{0.45 * head_len:.6g}"/>',
            colour,
        )
        return torso + head
    if kind in ("thigh", "shank"):
        radius = (0.04 if kind == "thigh" else 0.028) * h
        length = seg[kind].length_m - 2.0 * radius
        return _shape(
            kind,
            (0.0, 0.0, -0.5 * seg[kind].length_m),
            f'<capsule radius="{radius:.6g}" length="{length:.6g}"/>',
            colour,
        )
    foot = seg["foot"]
    size = (foot.length_m, body.foot_width_m, body.ankle_height_m)
    centre = (0.5 * foot.length_m - body.heel_to_ankle_m, 0.0, -0.5 * body.ankle_height_m)
    return _shape(kind, centre, f'<box size="{_f(size)}"/>', colour)


def _link(name: str, body: BodyDimensions) -> str:
    kind = name.split("_")[0]
    segment = body.segments[kind]
    friction = (
        f'<contact><lateral_friction value="{FOOT_FRICTION}"/></contact>' if kind == "foot" else ""
    )
    return f'<link name="{name}">{friction}{_inertial(segment)}{_segment_shapes(kind, body)}</link>'


def _connector(name: str) -> str:
    i = _CONNECTOR_INERTIA_KG_M2
    return (
        f'<link name="{name}"><inertial><origin xyz="0 0 0" rpy="0 0 0"/>'
        f'<mass value="{_CONNECTOR_MASS_KG}"/>'
        f'<inertia ixx="{i}" ixy="0" ixz="0" iyy="{i}" iyz="0" izz="{i}"/></inertial></link>'
    )


def _joint_origin(child: str, body: BodyDimensions) -> tuple[float, float, float]:
    """Position of the joint that carries ``child``, in its parent's frame, m."""
    seg = body.segments
    if child == "trunk":
        return (0.0, 0.0, body.lumbar_height_m)
    side = child.split("_")[1]
    if child.startswith("thigh"):
        y = 0.5 * body.hip_joint_separation_m
        return (0.0, y if side == "l" else -y, 0.0)
    if child.startswith("shank"):
        return (0.0, 0.0, -seg["thigh"].length_m)
    return (0.0, 0.0, -seg["shank"].length_m)


def avatar_urdf(body: BodyDimensions, spec: ModelSpec) -> str:
    """Return the URDF text of the avatar.

    Parameters
    ----------
    body
        Segment parameters (:func:`sim.body_dimensions`).
    spec
        Which DoFs are actuated (:data:`sim.DEFAULT_MODEL`, :data:`sim.ANKLE_MODEL`).

    Returns
    -------
    str
        URDF with root link ``pelvis`` (a floating base when loaded without a fixed base),
        links ``trunk``, ``thigh_r``, ``shank_r``, ``foot_r`` and the left ones, revolute joints
        named by :attr:`ModelSpec.dof_names` and, without ankles, fixed ``ankle_r``/``ankle_l``.
    """
    links = [_link("pelvis", body), _link("trunk", body)]
    links += [
        _link(f"{kind}_{side}", body) for side in ("r", "l") for kind in ("thigh", "shank", "foot")
    ]
    joints = []
    for joint in spec.joints:
        chain = [joint.parent]
        chain += [f"{joint.name}_{d.axis}_connector" for d in joint.dofs[:-1]]
        chain.append(joint.child)
        links += [_connector(name) for name in chain[1:-1]]
        for k, dof in enumerate(joint.dofs):
            origin = _joint_origin(joint.child, body) if k == 0 else (0.0, 0.0, 0.0)
            joints.append(
                f'<joint name="{dof.name}" type="revolute"><parent link="{chain[k]}"/>'
                f'<child link="{chain[k + 1]}"/><origin xyz="{_f(origin)}" rpy="0 0 0"/>'
                f'<axis xyz="{_f(dof.axis_vector)}"/>'
                f'<limit lower="{dof.lower_rad:.6g}" upper="{dof.upper_rad:.6g}" '
                f'effort="{joint.max_torque_n_m:.6g}" velocity="30"/></joint>'
            )
    if not spec.has_ankles:
        for side in ("r", "l"):
            origin = _joint_origin(f"foot_{side}", body)
            joints.append(
                f'<joint name="ankle_{side}" type="fixed"><parent link="shank_{side}"/>'
                f'<child link="foot_{side}"/><origin xyz="{_f(origin)}" rpy="0 0 0"/></joint>'
            )
    name = f"gaittwin_{spec.name}_{body.sex}_{body.height_m:.3f}m_{body.mass_kg:.1f}kg"
    return (
        f'<?xml version="1.0"?>\n<robot name="{name}">\n'
        + "\n".join(links + joints)
        + "\n</robot>\n"
    )


def write_avatar_urdf(
    body: BodyDimensions, spec: ModelSpec, *, directory: Path | None = None
) -> Path:
    """Write :func:`avatar_urdf` to a cache file named by its content hash, atomically.

    Parameters
    ----------
    body, spec
        As for :func:`avatar_urdf`.
    directory
        Cache folder; default ``<tempdir>/gaittwin_urdf``.

    Returns
    -------
    pathlib.Path
        The URDF file (reused when it already exists).
    """
    text = avatar_urdf(body, spec)
    folder = (
        Path(directory) if directory is not None else Path(tempfile.gettempdir()) / "gaittwin_urdf"
    )
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"avatar_{hashlib.sha1(text.encode()).hexdigest()[:16]}.urdf"
    if not path.exists():
        with atomic_path(path) as tmp:
            tmp.write_text(text)
    return path
