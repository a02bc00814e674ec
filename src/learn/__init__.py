"""learn stage: imitation environment, Healthy Motion Atlas (PPO), adaptation, BC + GAIL tasks."""
