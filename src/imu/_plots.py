"""Figures of joint angles over time."""

from __future__ import annotations

import os

import numpy as np
from matplotlib.figure import Figure

from imu._files import atomic_path
from imu._joint_angles import JointAngles

_SIDE_COLOURS = {"r": "tab:red", "l": "tab:blue"}


def plot_joint_angles(
    angles: JointAngles,
    *,
    path: str | os.PathLike | None = None,
    title: str | None = None,
    shade_s: tuple[float, float] | None = None,
) -> Figure:
    """Plot every angle over time, in degrees, right side red and left side blue.

    Parameters
    ----------
    angles
        The angles.
    path
        If given, the figure is saved there (PNG/PDF/SVG by suffix).
    title
        Figure title; defaults to the source path in ``angles.metadata``.
    shade_s
        Optional ``(start, stop)`` time span to shade grey, s (e.g. the calibration window).

    Returns
    -------
    matplotlib.figure.Figure
        One panel per angle kind (pelvis angles, then hip/knee/ankle angles with both sides).

    """
    kinds: dict[str, list[str]] = {}
    for name in angles.names:
        side = name[-1] if name[-2:] in ("_r", "_l") else ""
        kinds.setdefault(name[:-2] if side else name, []).append(name)
    n = len(kinds)
    columns = 3
    rows = int(np.ceil(n / columns))
    fig = Figure(figsize=(4.2 * columns, 2.4 * rows))  # no pyplot: the backend stays as it is
    axes = fig.subplots(rows, columns, sharex=True, squeeze=False)
    for ax, (kind, names) in zip(axes.flat, kinds.items(), strict=False):
        for name in names:
            side = name[-1] if name != kind else ""
            label = {"r": "right", "l": "left"}.get(side, kind)
            ax.plot(
                angles.time_s,
                np.rad2deg(angles[name]),
                lw=1.0,
                color=_SIDE_COLOURS.get(side, "k"),
                label=label,
            )
        if shade_s is not None:
            ax.axvspan(*shade_s, color="0.85", zorder=0)
        ax.set_title(kind.replace("_", " "), fontsize=9)
        ax.set_ylabel("deg", fontsize=8)
        ax.tick_params(labelsize=7)
        ax.grid(alpha=0.3)
    for ax in axes.flat[n:]:
        ax.set_visible(False)
    for ax in axes[-1]:
        ax.set_xlabel("time (s)", fontsize=8)
    axes.flat[min(3, n - 1)].legend(fontsize=7, loc="upper right")
    fig.suptitle(title or str(angles.metadata.get("path") or "joint angles"), fontsize=10)
    fig.tight_layout()
    if path is not None:
        with atomic_path(path) as tmp:
            fig.savefig(tmp, dpi=110)
    return fig
