"""docs/your-recording.md names only options, functions and messages that exist."""

import importlib
import inspect
import logging
import re
from pathlib import Path

import numpy as np

import gait
from learn import cli
from learn.report import NO_PREDICTION_TEXT, prediction_status

ROOT = Path(__file__).resolve().parents[2]
PAGE = (ROOT / "docs" / "your-recording.md").read_text(encoding="utf-8")


def test_every_option_is_an_option_of_the_prediction_commands():
    options = set(re.findall(r"(?<![\w-])(--[a-z][a-z-]*|-[qv])\b", PAGE))
    helps = cli.build_parser().format_help() + cli.build_batch_parser().format_help()
    assert {"--sensor-map", "--standing", "--mounting", "--height-m", "--mass-kg"} <= options
    assert not [option for option in options if option not in helps]


def test_every_named_function_or_constant_exists():
    prose = re.sub(r"^```.*?^```", "", PAGE, flags=re.MULTILINE | re.DOTALL)
    code = " ".join(re.findall(r"`([^`]+)`", prose))
    names = set(re.findall(r"\b(?:imu|gait|sim|learn)(?:\.[A-Za-z_]\w*)+", code))
    assert {"imu.read_calibration", "imu.read_sensor_map", "gait.mean_cycle"} <= names
    missing = []
    for name in sorted(names):
        package, *attributes = name.split(".")
        target = importlib.import_module(package)
        for attribute in attributes:
            target = getattr(target, attribute, None)
        if target is None:
            missing.append(name)
    assert not missing


def test_the_quoted_status_lines_are_the_reports():
    source = inspect.getsource(prediction_status)
    assert NO_PREDICTION_TEXT in PAGE
    for line in (
        "Every level is predicted by the controller that mastered it.",
        "Not mastered within the training budget, so not predictions:",
    ):
        assert line in PAGE and line in source, line


def test_the_quoted_default_body_warning_is_the_commands(caplog):
    with caplog.at_level(logging.WARNING):
        cli.warn_default_body(None, None)
    quoted = re.search(r"gaittwin-predict: warning: (.*)\n", PAGE).group(1)
    assert caplog.messages == [quoted]


def test_the_quoted_thresholds_are_the_codes():
    from gait import _mean_cycle
    from imu import _calibration

    quoted = [
        f"turns by more than {_mean_cycle.MAX_STRIDE_TURN_DEG:.0f} deg",
        f"more than {_mean_cycle.STRIDE_TIME_TOLERANCE:.0%} longer or shorter",
        f"slower than {_mean_cycle.MIN_STRIDE_SPEED_M_S:g} m/s",
        f"spreads more than {np.rad2deg(_calibration.MAX_STATIC_SPREAD_RAD):.0f} deg RMS",
        "searched between {:g} and {:g} strides per second".format(*gait.STRIDE_BAND_HZ),
    ]
    assert _mean_cycle.MAX_TURNING_FRACTION == 0.1  # "more than a tenth of it"
    text = " ".join(PAGE.split()).replace("25 %", "25%")
    assert [phrase for phrase in quoted if phrase not in text] == []
