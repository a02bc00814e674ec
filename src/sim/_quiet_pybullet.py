"""pybullet imported before any other module of sim, without its ``pybullet build time`` line.

pybullet prints that line to stderr (file descriptor 2, from C) when it is first imported;
:mod:`sim` imports this module first, so that scripts and commands do not show it.
"""

from imu import silenced_fds

with silenced_fds(2):
    import pybullet  # noqa: F401
