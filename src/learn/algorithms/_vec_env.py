"""Parallel environments with several environments per worker process (fewer, larger messages)."""

from __future__ import annotations

import multiprocessing as mp
import os
from collections.abc import Callable, Sequence
from multiprocessing.connection import Connection
from typing import Any

import gymnasium as gym
import numpy as np
from stable_baselines3.common.vec_env import DummyVecEnv, VecEnv
from stable_baselines3.common.vec_env.base_vec_env import CloudpickleWrapper, VecEnvIndices


def _step(envs: DummyVecEnv, actions: np.ndarray) -> tuple:
    """Step this worker's environments; return ``DummyVecEnv.step``'s results and reset infos.

    Environments of one class that defines ``step_together(envs, actions)`` (as
    :class:`learn.ImitationEnv` does) are stepped by it in one call, then finished episodes are
    reset and reported as ``DummyVecEnv`` does (``TimeLimit.truncated``,
    ``terminal_observation``); other environments one by one by ``DummyVecEnv`` itself.
    """
    kind = type(envs.envs[0])
    together = getattr(kind, "step_together", None)
    if together is None or any(type(env) is not kind for env in envs.envs):
        observations, rewards, dones, infos = envs.step(actions)
        return observations, rewards, dones, infos, envs.reset_infos
    observations, rewards, dones, infos = [], [], [], []
    for i, (observation, reward, terminated, truncated, info) in enumerate(
        together(envs.envs, actions)
    ):
        info["TimeLimit.truncated"] = truncated and not terminated
        if terminated or truncated:
            info["terminal_observation"] = observation
            observation, envs.reset_infos[i] = envs.envs[i].reset()
        observations.append(observation)
        rewards.append(reward)
        dones.append(terminated or truncated)
        infos.append(info)
    return (
        np.stack(observations),
        np.array(rewards, dtype=np.float32),
        np.array(dones),
        infos,
        envs.reset_infos,
    )


def _serve(envs: DummyVecEnv, command: str, data: Any) -> Any:
    """Carry out one command of the parent on this worker's environments."""
    if command == "step":
        return _step(envs, data)
    if command == "reset":
        first_seed, options = data
        if first_seed is not None:
            envs.seed(first_seed)
        envs.set_options(options)
        return envs.reset(), envs.reset_infos
    method, args, kwargs = data
    return getattr(envs, method)(*args, **kwargs)


def _worker(remote: Connection, parent_remote: Connection, env_fns: CloudpickleWrapper) -> None:
    """Own a ``DummyVecEnv`` of this worker's environments and serve the parent's commands.

    An exception raised by an environment is sent back and raised again in the parent.
    """
    parent_remote.close()
    envs = DummyVecEnv(env_fns.var)
    while True:
        try:
            command, data = remote.recv()
        except EOFError:
            break
        if command == "close":
            envs.close()
            remote.close()
            break
        try:
            remote.send(_serve(envs, command, data))
        except Exception as error:  # handed to the parent, which raises it
            remote.send(_WorkerError(error))


class _WorkerError:
    """An exception raised in a worker, on its way to the parent."""

    def __init__(self, error: Exception) -> None:
        self.error = error


class BatchedSubprocVecEnv(VecEnv):
    """Like stable-baselines3's ``SubprocVecEnv``, but each worker process steps several envs.

    One message per worker and step instead of one per environment: with more environments than
    cores (which the policy's batched forward pass favours), ``SubprocVecEnv`` spends much of a
    step switching between processes and waiting on pipes (see ``benchmarks/train_throughput.py``).
    Each worker holds a ``DummyVecEnv`` of its share, which resets finished episodes and records
    ``terminal_observation`` exactly as ``SubprocVecEnv`` does. A worker steps
    :class:`learn.ImitationEnv` environments together
    (:meth:`learn.ImitationEnv.step_together`: their observation and reward arithmetic in one
    numpy call per operation), with the same results.

    Parameters
    ----------
    env_fns
        One factory per environment.
    n_workers
        Worker processes (default: one per CPU core, at most one per environment).
    start_method
        ``multiprocessing`` start method (``fork`` needs no ``__main__`` guard in scripts).
    """

    def __init__(
        self,
        env_fns: Sequence[Callable[[], gym.Env]],
        *,
        n_workers: int | None = None,
        start_method: str = "fork",
    ) -> None:
        n_envs = len(env_fns)
        n_workers = min(n_envs, n_workers or os.cpu_count() or 1)
        #: Environment indices of every worker, in order.
        self.shares = [s.tolist() for s in np.array_split(np.arange(n_envs), n_workers)]
        context = mp.get_context(start_method)
        self.remotes: list[Connection] = []
        self.processes = []
        for share in self.shares:
            remote, work_remote = context.Pipe()
            wrapped = CloudpickleWrapper([env_fns[i] for i in share])
            process = context.Process(
                target=_worker, args=(work_remote, remote, wrapped), daemon=True
            )
            process.start()
            work_remote.close()
            self.remotes.append(remote)
            self.processes.append(process)
        self.waiting = False
        self.closed = False
        observation_space = self._call(0, "get_attr", ("observation_space", [0]))[0]
        action_space = self._call(0, "get_attr", ("action_space", [0]))[0]
        super().__init__(n_envs, observation_space, action_space)

    def _receive(self, remote: Connection) -> Any:
        """Return a worker's answer, raising an exception the worker sent instead."""
        answer = remote.recv()
        if isinstance(answer, _WorkerError):
            raise answer.error
        return answer

    def _call(self, worker: int, method: str, args: tuple, **kwargs: Any) -> Any:
        """Call ``method`` of worker ``worker``'s ``DummyVecEnv`` and return the result."""
        self.remotes[worker].send(("call", (method, args, kwargs)))
        return self._receive(self.remotes[worker])

    def step_async(self, actions: np.ndarray) -> None:
        for remote, share in zip(self.remotes, self.shares, strict=True):
            remote.send(("step", actions[share]))
        self.waiting = True

    def step_wait(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[dict]]:
        self.waiting = False
        results = [self._receive(remote) for remote in self.remotes]
        self.reset_infos = [info for r in results for info in r[4]]
        return (
            np.concatenate([r[0] for r in results]),
            np.concatenate([r[1] for r in results]),
            np.concatenate([r[2] for r in results]),
            [info for r in results for info in r[3]],
        )

    def reset(self) -> np.ndarray:
        for remote, share in zip(self.remotes, self.shares, strict=True):
            # VecEnv.seed gives consecutive seeds: a worker's first one seeds all its envs
            remote.send(("reset", (self._seeds[share[0]], [self._options[i] for i in share])))
        results = [self._receive(remote) for remote in self.remotes]
        self.reset_infos = [info for r in results for info in r[1]]
        self._reset_seeds()
        self._reset_options()
        return np.concatenate([r[0] for r in results])

    def close(self) -> None:
        if self.closed:
            return
        if self.waiting:
            for remote in self.remotes:
                remote.recv()
        for remote in self.remotes:
            remote.send(("close", None))
        for process in self.processes:
            process.join()
        self.closed = True

    def _per_worker(self, indices: VecEnvIndices, method: str, *args: Any, **kwargs: Any) -> list:
        """Call a ``DummyVecEnv`` method on the workers holding ``indices``, in index order."""
        wanted = list(self._get_indices(indices))
        out: dict[int, Any] = {}
        for worker, share in enumerate(self.shares):
            local = [share.index(i) for i in wanted if i in share]
            if local:
                results = self._call(worker, method, args, indices=local, **kwargs)
                out.update(
                    zip([share[k] for k in local], results or [None] * len(local), strict=True)
                )
        return [out[i] for i in wanted]

    def get_attr(self, attr_name: str, indices: VecEnvIndices = None) -> list[Any]:
        return self._per_worker(indices, "get_attr", attr_name)

    def set_attr(self, attr_name: str, value: Any, indices: VecEnvIndices = None) -> None:
        self._per_worker(indices, "set_attr", attr_name, value)

    def env_method(
        self,
        method_name: str,
        *method_args: Any,
        indices: VecEnvIndices = None,
        **method_kwargs: Any,
    ) -> list[Any]:
        return self._per_worker(indices, "env_method", method_name, *method_args, **method_kwargs)

    def env_is_wrapped(
        self, wrapper_class: type[gym.Wrapper], indices: VecEnvIndices = None
    ) -> list[bool]:
        return self._per_worker(indices, "env_is_wrapped", wrapper_class)


def parallel_envs(factory: Callable[[], gym.Env], n_envs: int) -> VecEnv:
    """Return ``n_envs`` copies of ``factory``'s environment, in worker processes if more than one.

    ``DummyVecEnv`` for one environment; otherwise :class:`BatchedSubprocVecEnv` with one
    worker per CPU core.
    """
    if n_envs == 1:
        return DummyVecEnv([factory])
    return BatchedSubprocVecEnv([factory] * n_envs)
