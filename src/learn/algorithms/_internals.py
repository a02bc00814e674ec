"""The one place that reads or writes private attributes of stable-baselines3 and imitation.

Checkpoints of a task run need the discriminator's optimiser and imitation's round counters,
and run states record SB3's update counter; neither library offers public accessors for them
(stable-baselines3 2.2, imitation 1.0, as pinned in ``pyproject.toml``). Every access goes
through a function here, and :data:`PRIVATE_ATTRIBUTES` lists each attribute touched, so that
``tests/learn/test_internals.py`` fails on a library upgrade that renames one instead of a
training run failing (or silently resuming wrongly) hours in.

:class:`learn.algorithms.BCRegularisedPPO` also overrides SB3's protected hooks
``_excluded_save_params`` and ``_update_current_progress_remaining``, and
:func:`learn.algorithms.frozen_copy` calls ``_get_constructor_parameters``; they are listed too.
"""

from __future__ import annotations

import torch
from imitation.algorithms.adversarial.common import AdversarialTrainer
from imitation.rewards.reward_nets import RewardNet
from stable_baselines3.common.base_class import BaseAlgorithm
from stable_baselines3.common.policies import BasePolicy

#: ``(class, attribute, kind)`` of every private attribute used: ``"instance"`` attributes are
#: set by the class's constructor, ``"method"`` ones are defined on the class.
PRIVATE_ATTRIBUTES: tuple[tuple[type, str, str], ...] = (
    (AdversarialTrainer, "_reward_net", "instance"),
    (AdversarialTrainer, "_disc_opt", "instance"),
    (AdversarialTrainer, "_disc_step", "instance"),
    (AdversarialTrainer, "_global_step", "instance"),
    (BaseAlgorithm, "_n_updates", "instance"),
    (BaseAlgorithm, "_excluded_save_params", "method"),
    (BaseAlgorithm, "_update_current_progress_remaining", "method"),
    (BasePolicy, "_get_constructor_parameters", "method"),
)


def n_updates(model: BaseAlgorithm) -> int:
    """Return the number of gradient updates SB3 has made (``model._n_updates``)."""
    return int(model._n_updates)


def constructor_parameters(policy: BasePolicy) -> dict:
    """Return the keywords that build a policy like ``policy`` (``_get_constructor_parameters``)."""
    return policy._get_constructor_parameters()


def discriminator(trainer: AdversarialTrainer) -> RewardNet:
    """Return the discriminator network of an imitation adversarial trainer (``_reward_net``)."""
    return trainer._reward_net


def discriminator_optimizer(trainer: AdversarialTrainer) -> torch.optim.Optimizer:
    """Return the discriminator's optimiser of an imitation adversarial trainer (``_disc_opt``)."""
    return trainer._disc_opt


def global_step(trainer: AdversarialTrainer) -> int:
    """Return the trainer's round counter, the step of its logger dumps (``_global_step``)."""
    return int(trainer._global_step)


def gail_state(trainer: AdversarialTrainer) -> dict:
    """Return the discriminator's and its optimiser's state dicts and the two counters.

    Returns
    -------
    dict
        ``reward_net`` and ``optimizer`` (state dicts), ``disc_step`` and ``global_step``
        (ints).
    """
    return {
        "reward_net": trainer._reward_net.state_dict(),
        "optimizer": trainer._disc_opt.state_dict(),
        "disc_step": int(trainer._disc_step),
        "global_step": int(trainer._global_step),
    }


def restore_gail_state(
    trainer: AdversarialTrainer, optimizer_state: dict, *, disc_step: int, global_step: int
) -> None:
    """Restore the discriminator optimiser's state and the counters saved by :func:`gail_state`.

    The discriminator's weights are restored by the caller, before the trainer is built.
    """
    trainer._disc_opt.load_state_dict(optimizer_state)
    trainer._disc_step = int(disc_step)
    trainer._global_step = int(global_step)
