"""The default body of every avatar and patient: its height and mass, defined once."""

from __future__ import annotations

#: Body height used when a patient's is not given (the avatar's segments, the IMU walk's leg
#: lengths, the atlas and every run built on it), m.
DEFAULT_HEIGHT_M = 1.75

#: Body mass used when a patient's is not given (the avatar's segment masses), kg.
DEFAULT_MASS_KG = 70.0
