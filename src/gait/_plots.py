"""Figures: gait-cycle-normalised joint angles against Winter's curves; parameters per stride."""

from __future__ import annotations

import os

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from gait._parameters import GaitParameters
from gait._segmentation import CYCLE_POINTS, cycle_curves
from imu import GaitTwinInputError, JointAngles, atomic_path

_SIDE_COLOURS = {"r": "tab:red", "l": "tab:blue"}
_SIDE_NAMES = {"r": "right", "l": "left"}

#: Sagittal angles shown against Winter's curves: angle prefix -> normative column.
_SAGITTAL = {
    "hip_flexion": "hip_flexion_deg",
    "knee_flexion": "knee_flexion_deg",
    "ankle_dorsiflexion": "ankle_dorsiflexion_deg",
}


def _save(fig: Figure, path: str | os.PathLike | None) -> None:
    if path is not None:
        with atomic_path(path) as tmp:
            fig.savefig(tmp, dpi=110)


def plot_gait_cycles(
    angles: JointAngles,
    strides: pd.DataFrame,
    *,
    normative: pd.DataFrame | None = None,
    path: str | os.PathLike | None = None,
    title: str | None = None,
) -> Figure:
    """Plot hip, knee and ankle sagittal angles over the gait cycle: mean ± 1 SD per side.

    Parameters
    ----------
    angles
        Joint angles, rad.
    strides
        One row per stride with ``side`` (``l``/``r``), ``start_sample`` and ``end_sample``
        (heel strike to heel strike), e.g. :attr:`GaitParameters.strides`.
    normative
        Optional normative curves indexed by gait-cycle percent with ``hip_flexion_deg``,
        ``knee_flexion_deg``, ``ankle_dorsiflexion_deg`` (:func:`read_winter_normative`),
        drawn as a black dashed line.
    path
        If given, the figure is saved there (format by suffix), atomically.
    title
        Figure title; defaults to the source in ``angles.metadata``.

    Returns
    -------
    matplotlib.figure.Figure
        One panel per angle present in ``angles`` (hip, knee, ankle), x axis 0-100 % of the
        gait cycle, y axis deg; the number of strides per side is in the legend.

    Raises
    ------
    GaitTwinInputError
        If ``strides`` lacks a column or ``angles`` has none of the sagittal angles.

    """
    for column in ("side", "start_sample", "end_sample"):
        if column not in strides.columns:
            raise GaitTwinInputError(
                f"strides: expected a column {column!r}, found {list(strides.columns)}"
            )
    kinds = [k for k in _SAGITTAL if any(f"{k}_{s}" in angles.names for s in _SIDE_NAMES)]
    if not kinds:
        raise GaitTwinInputError(
            f"angles: expected hip/knee/ankle sagittal angles, found {', '.join(angles.names)}"
        )
    percent = np.linspace(0.0, 100.0, CYCLE_POINTS)
    fig = Figure(figsize=(4.0 * len(kinds), 3.2))  # no pyplot: the backend stays as it is
    axes = fig.subplots(1, len(kinds), squeeze=False)
    for ax, kind in zip(axes[0], kinds, strict=True):
        for side in ("l", "r"):
            name = f"{kind}_{side}"
            rows = strides[strides["side"] == side]
            if name not in angles.names or rows.empty:
                continue
            bounds = list(zip(rows["start_sample"], rows["end_sample"], strict=True))
            curves = np.rad2deg(cycle_curves(angles[name], bounds))
            mean, sd = curves.mean(axis=0), curves.std(axis=0)
            colour = _SIDE_COLOURS[side]
            ax.fill_between(percent, mean - sd, mean + sd, color=colour, alpha=0.2, lw=0)
            ax.plot(
                percent,
                mean,
                color=colour,
                lw=1.5,
                label=f"{_SIDE_NAMES[side]} (n = {len(bounds)})",
            )
        if normative is not None and _SAGITTAL[kind] in normative.columns:
            ax.plot(normative.index, normative[_SAGITTAL[kind]], "k--", lw=1.2, label="Winter")
        ax.set_title(kind.replace("_", " "), fontsize=10)
        ax.set_xlabel("gait cycle (%)", fontsize=9)
        ax.set_ylabel("deg", fontsize=9)
        ax.set_xlim(0, 100)
        ax.tick_params(labelsize=8)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7, loc="best")
    fig.suptitle(title or str(angles.metadata.get("path") or "gait cycles"), fontsize=10)
    fig.tight_layout()
    _save(fig, path)
    return fig


def plot_step_parameters(
    parameters: GaitParameters,
    *,
    path: str | os.PathLike | None = None,
    title: str | None = None,
) -> Figure:
    """Plot per-stride parameters over time, left and right side apart.

    Parameters
    ----------
    parameters
        From :func:`gait_parameters`.
    path
        If given, the figure is saved there (format by suffix), atomically.
    title
        Figure title.

    Returns
    -------
    matplotlib.figure.Figure
        Panels of stride time (s), cadence (steps/min), step length (m), speed (m/s) and
        stance (% of the stride) against the stride's start time (s); quantities that are all
        NaN (e.g. no root path) are left out.

    """
    table = parameters.strides
    columns = {
        "stride_time_s": "stride time (s)",
        "cadence_steps_per_min": "cadence (steps/min)",
        "step_length_m": "step length (m)",
        "speed_m_s": "speed (m/s)",
        "stance_percent": "stance (% stride)",
    }
    shown = {c: label for c, label in columns.items() if table[c].notna().any()}
    n_columns = min(3, max(1, len(shown)))
    n_rows = max(1, int(np.ceil(len(shown) / n_columns)))
    fig = Figure(figsize=(3.6 * n_columns, 2.6 * n_rows))
    axes = fig.subplots(n_rows, n_columns, squeeze=False)
    for ax, (column, label) in zip(axes.flat, shown.items(), strict=False):
        for side in ("l", "r"):
            rows = table[table["side"] == side]
            ax.plot(
                rows["start_s"],
                rows[column],
                "o-",
                ms=4,
                lw=0.8,
                color=_SIDE_COLOURS[side],
                label=_SIDE_NAMES[side],
            )
        ax.set_title(label, fontsize=9)
        ax.set_xlabel("time (s)", fontsize=8)
        ax.tick_params(labelsize=7)
        ax.grid(alpha=0.3)
    for ax in axes.flat[len(shown) :]:
        ax.set_visible(False)
    axes[0][0].legend(fontsize=7)
    fig.suptitle(title or "parameters per stride", fontsize=10)
    fig.tight_layout()
    _save(fig, path)
    return fig
