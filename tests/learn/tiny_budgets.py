"""The tiny training budgets several learn tests share (they run every stage, learn nothing).

Imported by test modules as ``from tiny_budgets import ...`` (pytest puts ``tests/learn`` on the
path, as ``tests/sim`` does for ``winter_clips``).
"""

from __future__ import annotations

import learn

#: Task training: two GAIL rounds of 128 steps (2 envs x 64), a checkpoint after each round.
TINY_TASK_SETTINGS = learn.TaskSettings(
    n_envs=2,
    n_steps_per_env=64,
    batch_size=64,
    n_epochs=1,
    demo_steps=128,
    demo_batch_size=64,
    max_steps=40,
    checkpoint_every_rounds=1,
)


def tiny_prediction_options() -> dict:
    """The cheapest options that run every stage (as example 09's test; one task, one level)."""
    adapt_ppo, task_settings = learn.small_budget_settings(
        n_envs=1, n_steps_per_env=64, max_steps=30
    )
    settings = learn.PredictionSettings(
        allow_scratch=True,
        budgets=learn.Budgets(adapt_steps=64, task_steps=64),
        tasks=["slope"],
        levels=[0],
        n_envs=1,
        adapt_ppo=adapt_ppo,
        task_settings=task_settings,
        curriculum=learn.CurriculumSettings(flat_ground_episodes=1),
        n_rollouts=1,
        push_directions=[],
        continue_if_falling=True,
    )
    return {"settings": settings}
