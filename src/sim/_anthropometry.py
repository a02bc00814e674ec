"""Segment masses, lengths and inertias from height and mass (de Leva 1996; Winter 2009).

De Leva (1996) "Adjustments to Zatsiorsky-Seluyanov's segment inertia parameters", J. Biomech.
29(9):1223-1230, Table 4: segment lengths (mm) for a reference stature, mass fractions (% of body
mass), centre-of-mass positions and radii of gyration (% of segment length), per sex. Lengths are
scaled with stature, masses with body mass. Widths that de Leva does not give come from Winter
(2009) "Biomechanics and Motor Control of Human Movement", Fig. 4.1 (fractions of height).
"""

from __future__ import annotations

from dataclasses import dataclass

from imu import GaitTwinInputError

#: Reference stature of de Leva's (1996) samples, m.
DE_LEVA_STATURE_M: dict[str, float] = {"male": 1.741, "female": 1.735}

#: de Leva (1996) Table 4, per sex and segment: (length mm, mass %, CoM % of length from the
#: proximal/cranial endpoint, radii of gyration % of length: sagittal, transverse, longitudinal).
#: Endpoints: thigh HJC-KJC, shank KJC-LMAL, foot HEEL-TTIP, head VERT-CERV, upper trunk
#: CERV-XYPH, middle trunk XYPH-OMPH, lower trunk (pelvis) OMPH-MIDH, trunk CERV-MIDH.
DE_LEVA_TABLE: dict[str, dict[str, tuple[float, float, float, float, float, float]]] = {
    "male": {
        "head": (242.9, 6.94, 50.02, 30.3, 31.5, 26.1),
        "upper_trunk": (242.1, 15.96, 50.66, 50.5, 32.0, 46.5),
        "middle_trunk": (215.5, 16.33, 45.02, 48.2, 38.3, 46.8),
        "lower_trunk": (145.7, 11.17, 61.15, 61.5, 55.1, 58.7),
        "trunk": (603.3, 43.46, 51.38, 32.8, 30.6, 16.9),
        "upper_arm": (281.7, 2.71, 57.72, 28.5, 26.9, 15.8),
        "forearm": (268.9, 1.62, 45.74, 27.6, 26.5, 12.1),
        "hand": (86.2, 0.61, 79.00, 62.8, 51.3, 40.1),
        "thigh": (422.2, 14.16, 40.95, 32.9, 32.9, 14.9),
        "shank": (434.0, 4.33, 44.59, 25.5, 24.9, 10.3),
        "foot": (258.1, 1.37, 44.15, 25.7, 24.5, 12.4),
    },
    "female": {
        "head": (243.7, 6.68, 48.41, 27.1, 29.5, 26.1),
        "upper_trunk": (228.0, 15.45, 50.50, 46.6, 31.4, 44.9),
        "middle_trunk": (205.3, 14.65, 45.12, 43.3, 35.4, 41.5),
        "lower_trunk": (181.5, 12.47, 49.20, 43.3, 40.2, 44.4),
        "trunk": (614.8, 42.57, 49.64, 30.7, 29.2, 14.7),
        "upper_arm": (275.1, 2.55, 57.54, 27.8, 26.0, 14.8),
        "forearm": (264.3, 1.38, 45.59, 26.1, 25.7, 9.4),
        "hand": (78.0, 0.56, 74.74, 53.1, 45.4, 33.5),
        "thigh": (368.5, 14.78, 36.12, 36.9, 36.4, 16.2),
        "shank": (432.3, 4.81, 44.16, 27.1, 26.7, 9.3),
        "foot": (228.3, 1.29, 40.14, 29.9, 27.9, 13.9),
    },
}

#: Widths and heights not in de Leva, as fractions of height (Winter 2009, Fig. 4.1; the hip joint
#: centre separation is half of Winter's hip width 0.191 H, an assumption close to the 36 % of the
#: inter-ASIS distance either side of the midline of Bell et al. 1990).
WINTER_FRACTIONS: dict[str, float] = {
    "ankle_height": 0.039,
    "foot_width": 0.055,
    "hip_width": 0.191,
    "hip_joint_separation": 0.0955,
    "shoulder_width": 0.259,
}


@dataclass(frozen=True)
class Segment:
    """Inertial and geometric parameters of one rigid segment of the avatar.

    Parameters
    ----------
    name
        Segment name (``pelvis``, ``trunk``, ``thigh``, ``shank``, ``foot``).
    mass_kg
        Mass, kg.
    length_m
        Length between the segment's endpoints (see :data:`DE_LEVA_TABLE`), m.
    com_m
        Centre of mass in the segment frame (x anterior, y left, z up; origin at the proximal
        joint, or at the hip-joint-centre midpoint for the pelvis), ``(3,)``, m.
    inertia_kg_m2
        Principal moments about the centre of mass (about x, y, z), kg m^2.
    """

    name: str
    mass_kg: float
    length_m: float
    com_m: tuple[float, float, float]
    inertia_kg_m2: tuple[float, float, float]


@dataclass(frozen=True)
class BodyDimensions:
    """Segment parameters of a whole avatar, built by :func:`body_dimensions`.

    Parameters
    ----------
    height_m, mass_kg
        Stature, m, and body mass, kg.
    sex
        ``"male"`` or ``"female"`` (which column of de Leva's table was used).
    segments
        ``pelvis``, ``trunk``, ``thigh``, ``shank``, ``foot`` (one side; the other is mirrored).
    hip_joint_separation_m
        Distance between the two hip joint centres, m.
    lumbar_height_m
        Height of the lumbar joint (OMPH) above the hip-joint-centre midpoint, m.
    ankle_height_m
        Height of the ankle joint (LMAL) above the sole, m.
    foot_width_m
        Width of the foot box, m.
    heel_to_ankle_m
        Horizontal distance from the heel to the ankle joint, m.
    """

    height_m: float
    mass_kg: float
    sex: str
    segments: dict[str, Segment]
    hip_joint_separation_m: float
    lumbar_height_m: float
    ankle_height_m: float
    foot_width_m: float
    heel_to_ankle_m: float

    @property
    def leg_length_m(self) -> float:
        """Hip joint centre to sole in neutral standing, m."""
        seg = self.segments
        return seg["thigh"].length_m + seg["shank"].length_m + self.ankle_height_m


def _radii_inertia(mass_kg: float, length_m: float, radii_pct: tuple[float, ...]) -> tuple:
    """Return (Ixx, Iyy, Izz) from de Leva's sagittal, transverse, longitudinal radii."""
    r_sag, r_trans, r_long = (length_m * r / 100.0 for r in radii_pct)
    # de Leva's axes: sagittal = antero-posterior (x), transverse = medio-lateral (y).
    return (mass_kg * r_sag**2, mass_kg * r_trans**2, mass_kg * r_long**2)


def body_dimensions(height_m: float, mass_kg: float, *, sex: str = "male") -> BodyDimensions:
    """Scale de Leva's (1996) segment parameters to a subject.

    Parameters
    ----------
    height_m
        Stature, m (0.5 to 2.5).
    mass_kg
        Body mass, kg (10 to 250).
    sex
        ``"male"`` or ``"female"``.

    Returns
    -------
    BodyDimensions
        Pelvis, trunk, thigh, shank and foot parameters.

    Raises
    ------
    GaitTwinInputError
        If the height, mass or sex is out of range or unknown.

    Notes
    -----
    Lengths are ``L_table * height_m / stature_table``; masses ``mass_% / 100 * mass_kg``. The
    pelvis is de Leva's lower trunk (OMPH-MIDH). The trunk link carries everything above it: the
    middle and upper trunk, the head and both arms (hanging along the trunk), so that the segment
    masses add up to the body mass; its centre of mass is the mass-weighted mean of those parts
    and its inertia uses de Leva's whole-trunk radii of gyration over the OMPH-VERT length.
    """
    if sex not in DE_LEVA_TABLE:
        raise GaitTwinInputError(f"sex: expected 'male' or 'female', found {sex!r}")
    if not 0.5 <= height_m <= 2.5:
        raise GaitTwinInputError(f"height_m: expected 0.5 to 2.5 m, found {height_m}")
    if not 10.0 <= mass_kg <= 250.0:
        raise GaitTwinInputError(f"mass_kg: expected 10 to 250 kg, found {mass_kg}")
    table = DE_LEVA_TABLE[sex]
    scale = height_m / DE_LEVA_STATURE_M[sex]

    def length(name: str) -> float:
        return table[name][0] / 1000.0 * scale

    def mass(name: str) -> float:
        return table[name][1] / 100.0 * mass_kg

    segments: dict[str, Segment] = {}
    for name in ("thigh", "shank"):
        seg_len, seg_mass = length(name), mass(name)
        com_z = -table[name][2] / 100.0 * seg_len
        inertia = _radii_inertia(seg_mass, seg_len, table[name][3:])
        segments[name] = Segment(name, seg_mass, seg_len, (0.0, 0.0, com_z), inertia)

    ankle_height = WINTER_FRACTIONS["ankle_height"] * height_m
    foot_len, foot_mass = length("foot"), mass("foot")
    heel_to_ankle = 0.25 * foot_len
    foot_com_x = table["foot"][2] / 100.0 * foot_len - heel_to_ankle
    foot_inertia = _radii_inertia(foot_mass, foot_len, table["foot"][3:])
    # the foot's long axis is x: its longitudinal radius is about x, its sagittal about y.
    foot_inertia = (foot_inertia[2], foot_inertia[1], foot_inertia[0])
    segments["foot"] = Segment(
        "foot", foot_mass, foot_len, (foot_com_x, 0.0, -0.5 * ankle_height), foot_inertia
    )

    pelvis_len, pelvis_mass = length("lower_trunk"), mass("lower_trunk")
    pelvis_com_z = (1.0 - table["lower_trunk"][2] / 100.0) * pelvis_len
    segments["pelvis"] = Segment(
        "pelvis",
        pelvis_mass,
        pelvis_len,
        (0.0, 0.0, pelvis_com_z),
        _radii_inertia(pelvis_mass, pelvis_len, table["lower_trunk"][3:]),
    )

    # trunk link above OMPH: middle trunk, upper trunk, head, and arms hanging from CERV.
    mid_len, up_len, head_len = length("middle_trunk"), length("upper_trunk"), length("head")
    cerv = mid_len + up_len
    arm_len = length("upper_arm") + length("forearm") + length("hand")
    parts = [
        (mass("middle_trunk"), mid_len * (1.0 - table["middle_trunk"][2] / 100.0)),
        (mass("upper_trunk"), mid_len + up_len * (1.0 - table["upper_trunk"][2] / 100.0)),
        (mass("head"), cerv + head_len * (1.0 - table["head"][2] / 100.0)),
    ]
    arm_mass = 2.0 * (mass("upper_arm") + mass("forearm") + mass("hand"))
    parts.append((arm_mass, cerv - 0.5 * arm_len))
    trunk_mass = mass_kg - pelvis_mass - 2.0 * (mass("thigh") + mass("shank") + foot_mass)
    trunk_com_z = sum(m * z for m, z in parts) / sum(m for m, _ in parts)
    trunk_len = cerv + head_len
    segments["trunk"] = Segment(
        "trunk",
        trunk_mass,
        trunk_len,
        (0.0, 0.0, trunk_com_z),
        _radii_inertia(trunk_mass, trunk_len, table["trunk"][3:]),
    )
    return BodyDimensions(
        height_m=float(height_m),
        mass_kg=float(mass_kg),
        sex=sex,
        segments=segments,
        hip_joint_separation_m=WINTER_FRACTIONS["hip_joint_separation"] * height_m,
        lumbar_height_m=pelvis_len,
        ankle_height_m=ankle_height,
        foot_width_m=WINTER_FRACTIONS["foot_width"] * height_m,
        heel_to_ankle_m=heel_to_ankle,
    )
