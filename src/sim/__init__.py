"""sim stage: pybullet lower-limb avatar, PD control, terrains, contact correction, rendering."""
