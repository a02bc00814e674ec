"""gait stage: motions, mocap readers, step segmentation, gait events and parameters, clips.

Public names are re-exported here; implementation lives in the private modules.
"""

from gait._motion import Motion

__all__ = ["Motion"]
