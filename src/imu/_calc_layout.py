"""Axis Neuron ``.calc`` export variants: body parts, column names, units and world frames.

One :class:`CalcLayout` names everything that differs between the ``.calc`` exports we read and
write: the header lines, how columns are named, where the foot-contact columns are, whether finger
bones follow, the length / acceleration / angular-velocity units and the world frame. The reader
(:func:`imu.read_calc`) finds the layout of a file; the writer (:func:`imu.write_calc`) writes any
layout. ``docs/readers.md`` ("Axis Neuron .calc") gives the sources of each choice.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
from scipy.spatial.transform import Rotation

from imu._errors import GaitTwinInputError
from imu._specific_force import STANDARD_GRAVITY_M_S2

#: Body parts of an Axis Neuron calculation export, in file order (before the contact columns).
CALC_BODY_PARTS: tuple[str, ...] = (
    "Hips",
    "RightUpLeg",
    "RightLeg",
    "RightFoot",
    "LeftUpLeg",
    "LeftLeg",
    "LeftFoot",
    "RightShoulder",
    "RightArm",
    "RightForeArm",
    "RightHand",
    "LeftShoulder",
    "LeftArm",
    "LeftForeArm",
    "LeftHand",
    "Head",
    "Neck",
    "Spine3",
    "Spine2",
    "Spine1",
    "Spine",
)

#: Finger parts that follow the 21 body parts when the export has 59 bones.
CALC_FINGER_PARTS: tuple[str, ...] = tuple(
    f"{side}{name}"
    for side in ("Right", "Left")
    for name in (
        "HandThumb1",
        "HandThumb2",
        "HandThumb3",
        "InHandIndex",
        "HandIndex1",
        "HandIndex2",
        "HandIndex3",
        "InHandMiddle",
        "HandMiddle1",
        "HandMiddle2",
        "HandMiddle3",
        "InHandRing",
        "HandRing1",
        "HandRing2",
        "HandRing3",
        "InHandPinky",
        "HandPinky1",
        "HandPinky2",
        "HandPinky3",
    )
)

#: Axis Neuron body part -> canonical segment (the paper's sensors plus feet and trunk).
CALC_SEGMENTS: dict[str, str] = {
    "Hips": "pelvis",
    "RightUpLeg": "thigh_r",
    "RightLeg": "shank_r",
    "RightFoot": "foot_r",
    "LeftUpLeg": "thigh_l",
    "LeftLeg": "shank_l",
    "LeftFoot": "foot_l",
    "Spine3": "torso",
}

#: Header keys a ``.calc`` file may have, one line each, in any order.
CALC_HEADER_KEYS: tuple[str, ...] = (
    "Zd",
    "BoneNumber",
    "FrameRate",
    "FrameTime",
    "FrameCount",
    "StartTime",
    "Units",
    "World",
)

#: Column-naming styles: channel names (position, velocity, quaternion, acceleration, angular
#: velocity) and the two foot-contact column names (left, right).
CALC_COLUMN_NAMES: dict[str, dict[str, tuple[str, ...]]] = {
    "numbered": {"channels": ("X", "V", "Q", "A", "W"), "contacts": ("contactL", "contactR")},
    "body_part": {
        "channels": ("Posi", "Velo", "Quat", "Acce", "Gyro"),
        "contacts": ("LeftFootContact", "RightFootContact"),
    },
}

#: Where the foot-contact columns are: after the 21 body parts, after the last column, or absent.
CALC_CONTACT_PLACES: tuple[str, ...] = ("after_body", "at_end", "none")

#: Length units of positions (velocities are the same unit per second), in metres.
CALC_LENGTH_UNITS_M: dict[str, float] = {"m": 1.0, "cm": 0.01, "mm": 0.001}
#: Acceleration units, in m/s^2 (``g`` is standard gravity, :data:`STANDARD_GRAVITY_M_S2`).
CALC_ACCELERATION_UNITS_M_S2: dict[str, float] = {
    "m/s^2": 1.0,
    "cm/s^2": 0.01,
    "mm/s^2": 0.001,
    "g": STANDARD_GRAVITY_M_S2,
}
#: Angular-velocity units, in rad/s.
CALC_ANGULAR_VELOCITY_UNITS_RAD_S: dict[str, float] = {"rad/s": 1.0, "deg/s": np.pi / 180.0}

#: Short world-frame names and the axes they stand for (each keeps X forward, right-handed).
CALC_WORLD_FRAMES: dict[str, str] = {
    "Z-down": "X-forward Y-right Z-down",
    "Z-up": "X-forward Y-left Z-up",
    "Y-up": "X-forward Y-up Z-right",
}
#: World frame of a file without a ``World`` line (the public readers' Z-down frame).
CALC_DEFAULT_WORLD_FRAME = "Z-down"

#: A file direction word -> the gaittwin world vector (Z up, X forward, Y left).
_DIRECTIONS: dict[str, tuple[float, float, float]] = {
    "forward": (1.0, 0.0, 0.0),
    "backward": (-1.0, 0.0, 0.0),
    "left": (0.0, 1.0, 0.0),
    "right": (0.0, -1.0, 0.0),
    "up": (0.0, 0.0, 1.0),
    "down": (0.0, 0.0, -1.0),
}
_AXIS_WORD = re.compile(r"^([XYZ])-([a-z]+)$")
_AXES = ("xyz", "xyz", "wxyz", "xyz", "xyz")
_DEFAULT_HEADER = ("Zd", "BoneNumber", "FrameRate", "FrameCount", "StartTime")


def world_rotation(value: str, *, where: str) -> Rotation:
    """Return the rotation from a declared ``.calc`` world frame to the gaittwin world.

    Parameters
    ----------
    value
        A short name of :data:`CALC_WORLD_FRAMES` (``"Y-up"``) or three axis words, one per
        axis, separated by spaces or commas: ``"X-forward Y-up Z-right"``. Directions are
        ``forward backward left right up down`` (forward: the actor's facing direction at
        calibration).
    where
        Where the value comes from, for messages (file and line, or a parameter name).

    Returns
    -------
    scipy.spatial.transform.Rotation
        ``R`` with ``v_gaittwin = R v_file`` for vectors and ``q_gaittwin = R q_file`` for
        orientations.

    Raises
    ------
    GaitTwinInputError
        If the value is not of that form, names an axis twice, puts two axes on one line, or
        describes a left-handed frame (not a rotation of ours).

    """
    words = CALC_WORLD_FRAMES.get(value, value).replace(",", " ").split()
    expected = (
        f"expected a world frame {', '.join(repr(k) for k in CALC_WORLD_FRAMES)} or three axis "
        f"words like 'X-forward Y-up Z-right' (directions {', '.join(_DIRECTIONS)})"
    )
    matches = [_AXIS_WORD.match(word) for word in words]
    if len(words) != 3 or not all(matches):
        raise GaitTwinInputError(f"{where}: {expected}, found {value!r}")
    matrix = np.zeros((3, 3))
    for match in matches:
        axis, direction = match.group(1), match.group(2)
        if direction not in _DIRECTIONS or np.any(matrix[:, "XYZ".index(axis)]):
            raise GaitTwinInputError(f"{where}: {expected}, found {value!r}")
        matrix[:, "XYZ".index(axis)] = _DIRECTIONS[direction]
    determinant = np.linalg.det(matrix)
    if abs(determinant) < 0.5:
        raise GaitTwinInputError(
            f"{where}: expected three axes along three different lines, found {value!r}"
        )
    if determinant < 0:
        raise GaitTwinInputError(
            f"{where}: expected a right-handed world frame (a left-handed one cannot be turned "
            f"into ours by a rotation), found {value!r}"
        )
    return Rotation.from_matrix(matrix)


def parse_units(value: str, *, where: str) -> dict[str, str]:
    """Return the units a ``Units`` header line declares.

    Parameters
    ----------
    value
        Unit tokens separated by spaces, tabs or commas, in any order, at most one per kind:
        a length unit (:data:`CALC_LENGTH_UNITS_M`), an acceleration unit
        (:data:`CALC_ACCELERATION_UNITS_M_S2`), an angular-velocity unit
        (:data:`CALC_ANGULAR_VELOCITY_UNITS_RAD_S`).
    where
        Where the value comes from, for messages.

    Returns
    -------
    dict
        Declared units by kind: ``"length"``, ``"acceleration"``, ``"angular_velocity"``.

    Raises
    ------
    GaitTwinInputError
        If a token is not one of those units, a kind is declared twice, or no length unit is
        given.

    """
    kinds = {
        "length": CALC_LENGTH_UNITS_M,
        "acceleration": CALC_ACCELERATION_UNITS_M_S2,
        "angular_velocity": CALC_ANGULAR_VELOCITY_UNITS_RAD_S,
    }
    known = [unit for units in kinds.values() for unit in units]
    declared: dict[str, str] = {}
    for token in value.replace(",", " ").split():
        kind = next((k for k, units in kinds.items() if token in units), None)
        if kind is None:
            raise GaitTwinInputError(
                f"{where}: expected units among {', '.join(known)}, found {token!r} (a unit we "
                f"cannot interpret)"
            )
        if kind in declared:
            raise GaitTwinInputError(
                f"{where}: expected one {kind.replace('_', ' ')} unit, found {declared[kind]!r} "
                f"and {token!r}"
            )
        declared[kind] = token
    if "length" not in declared:
        raise GaitTwinInputError(
            f"{where}: expected a length unit ({', '.join(CALC_LENGTH_UNITS_M)}), found {value!r}"
        )
    return declared


@dataclass(frozen=True)
class CalcLayout:
    """One variant of the Axis Neuron ``.calc`` export (what :func:`imu.write_calc` writes).

    The default is the layout of ``docs/readers.md``: five header lines, numbered columns
    (``01-X-x``), contacts after the 21 body parts, metres, the Z-down world, no fingers.
    :func:`imu.read_calc` puts the layout it found in ``metadata["calc_layout"]``.

    Parameters
    ----------
    header
        Header keys (of :data:`CALC_HEADER_KEYS`) in the order written, one line each; must hold
        ``FrameRate`` or ``FrameTime`` (or both).
    column_names
        ``"numbered"`` (``01-X-x ... 01-Q-w ...``) or ``"body_part"``
        (``Hips-Joint-Posi-x ... Hips-Joint-Quat-w ...``), see :data:`CALC_COLUMN_NAMES`.
    contacts
        Where the two foot-contact columns are, one of :data:`CALC_CONTACT_PLACES`.
    fingers
        Whether the 38 finger parts follow (59 bones) or not (21 bones).
    length_unit
        Unit of positions (velocities: the same unit per second); not ``"m"`` only with a
        ``Units`` line.
    acceleration_unit
        Declared acceleration unit, or ``None`` when the ``Units`` line does not give one (the
        length unit per s^2 then applies).
    angular_velocity_unit
        Declared angular-velocity unit, or ``None`` (rad/s then applies).
    world_frame
        The file's world frame (see :func:`world_rotation`); other than
        :data:`CALC_DEFAULT_WORLD_FRAME` only with a ``World`` line.

    Raises
    ------
    GaitTwinInputError
        If a field has a value not listed above, a header key is unknown or repeated, or the
        units or world frame differ from the defaults without the header line declaring them.

    Examples
    --------
    >>> import imu
    >>> layout = imu.CalcLayout(
    ...     header=("FrameTime", "Units", "World"),
    ...     column_names="body_part",
    ...     length_unit="cm",
    ...     world_frame="Y-up",
    ... )
    >>> layout.columns()[:2]
    ['Hips-Joint-Posi-x', 'Hips-Joint-Posi-y']
    >>> layout.units
    {'length': 'cm', 'acceleration': 'cm/s^2', 'angular_velocity': 'rad/s'}

    """

    header: tuple[str, ...] = _DEFAULT_HEADER
    column_names: str = "numbered"
    contacts: str = "after_body"
    fingers: bool = False
    length_unit: str = "m"
    acceleration_unit: str | None = None
    angular_velocity_unit: str | None = None
    world_frame: str = CALC_DEFAULT_WORLD_FRAME

    def __post_init__(self) -> None:
        object.__setattr__(self, "header", tuple(self.header))
        for key in self.header:
            if key not in CALC_HEADER_KEYS or self.header.count(key) > 1:
                raise GaitTwinInputError(
                    f"CalcLayout.header: expected distinct keys among "
                    f"{', '.join(CALC_HEADER_KEYS)}, found {self.header}"
                )
        if "FrameRate" not in self.header and "FrameTime" not in self.header:
            raise GaitTwinInputError(
                f"CalcLayout.header: expected 'FrameRate' or 'FrameTime', found {self.header}"
            )
        choices = {
            "column_names": tuple(CALC_COLUMN_NAMES),
            "contacts": CALC_CONTACT_PLACES,
            "length_unit": tuple(CALC_LENGTH_UNITS_M),
            "acceleration_unit": (None, *CALC_ACCELERATION_UNITS_M_S2),
            "angular_velocity_unit": (None, *CALC_ANGULAR_VELOCITY_UNITS_RAD_S),
            "fingers": (False, True),
        }
        for name, allowed in choices.items():
            if getattr(self, name) not in allowed:
                raise GaitTwinInputError(
                    f"CalcLayout.{name}: expected one of {', '.join(map(repr, allowed))}, "
                    f"found {getattr(self, name)!r}"
                )
        world_rotation(self.world_frame, where="CalcLayout.world_frame")
        declared_units = (self.length_unit, self.acceleration_unit, self.angular_velocity_unit)
        if "Units" not in self.header and declared_units != ("m", None, None):
            raise GaitTwinInputError(
                f"CalcLayout: expected a 'Units' header line to declare units other than the "
                f"default metres, found units {declared_units} and header {self.header}"
            )
        if "World" not in self.header and self.world_frame != CALC_DEFAULT_WORLD_FRAME:
            raise GaitTwinInputError(
                f"CalcLayout: expected a 'World' header line to declare a world frame other than "
                f"{CALC_DEFAULT_WORLD_FRAME!r}, found {self.world_frame!r} and header {self.header}"
            )

    @property
    def n_bones(self) -> int:
        """Number of body parts in the file (21, or 59 with fingers)."""
        return len(CALC_BODY_PARTS) + (len(CALC_FINGER_PARTS) if self.fingers else 0)

    @property
    def contact_columns(self) -> tuple[str, ...]:
        """Names of the left and right foot-contact columns (empty without contacts)."""
        return () if self.contacts == "none" else CALC_COLUMN_NAMES[self.column_names]["contacts"]

    @property
    def units(self) -> dict[str, str]:
        """Units in force by kind (declared, or the defaults): length, acceleration, ..."""
        return {
            "length": self.length_unit,
            "acceleration": self.acceleration_unit or f"{self.length_unit}/s^2",
            "angular_velocity": self.angular_velocity_unit or "rad/s",
        }

    @property
    def scales_si(self) -> dict[str, float]:
        """Factors from the file's units to SI by kind (m, m/s^2, rad/s)."""
        units = self.units
        return {
            "length": CALC_LENGTH_UNITS_M[units["length"]],
            "acceleration": CALC_ACCELERATION_UNITS_M_S2[units["acceleration"]],
            "angular_velocity": CALC_ANGULAR_VELOCITY_UNITS_RAD_S[units["angular_velocity"]],
        }

    @property
    def rotation_to_world(self) -> Rotation:
        """Rotation from the file's world frame to the gaittwin world (Z up)."""
        return world_rotation(self.world_frame, where="CalcLayout.world_frame")

    def part_columns(self, number: int) -> list[str]:
        """Return the 16 column names of body part ``number`` (1-based, file order)."""
        channels = CALC_COLUMN_NAMES[self.column_names]["channels"]
        if self.column_names == "numbered":
            prefix = f"{number:02d}-"
        else:
            prefix = f"{(CALC_BODY_PARTS + CALC_FINGER_PARTS)[number - 1]}-Joint-"
        return [f"{prefix}{c}-{a}" for c, axes in zip(channels, _AXES, strict=True) for a in axes]

    def columns(self) -> list[str]:
        """Return every column name in file order."""
        body = [c for k in range(1, len(CALC_BODY_PARTS) + 1) for c in self.part_columns(k)]
        fingers = [
            c
            for k in range(len(CALC_BODY_PARTS) + 1, self.n_bones + 1)
            for c in self.part_columns(k)
        ]
        contacts = list(self.contact_columns)
        if self.contacts == "after_body":
            return body + contacts + fingers
        return body + fingers + contacts
