"""``learn.Controller``: acting on one torch thread whatever the caller set."""

from pathlib import Path

import numpy as np
import torch

import learn

PATIENT = Path(__file__).resolve().parents[2] / "models" / "patients" / "xsens_mtw_walk" / "adapt"


def test_act_runs_torch_on_one_thread_and_restores_the_callers_count(monkeypatch):
    controller = learn.Controller.load(PATIENT)
    predict = controller.model.predict
    threads_seen = []

    def recording_predict(*args, **kwargs):
        threads_seen.append(torch.get_num_threads())
        return predict(*args, **kwargs)

    monkeypatch.setattr(controller.model, "predict", recording_predict)
    observations = np.random.default_rng(0).normal(size=(3, controller.obs_mean.size))
    callers = torch.get_num_threads()
    torch.set_num_threads(2)
    try:
        actions = controller.act(observations)
        assert torch.get_num_threads() == 2
    finally:
        torch.set_num_threads(callers)
    assert threads_seen == [1]
    expected, _ = predict(controller.normalise(observations), deterministic=True)
    np.testing.assert_array_equal(actions, expected)
