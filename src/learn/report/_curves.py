"""Joint-angle curves over the gait cycle against a normative band, as inline SVG for the report."""

from __future__ import annotations

import io

import matplotlib
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

import gait
from learn.evaluation import SAGITTAL_ANGLES, FlexionCycles

#: Panel titles and y labels of :data:`learn.evaluation.SAGITTAL_ANGLES`.
ANGLE_TITLES: dict[str, tuple[str, str]] = {
    "hip_flexion": ("Hip", "flexion (+) / extension, deg"),
    "knee_flexion": ("Knee", "flexion, deg"),
    "ankle_dorsiflexion": ("Ankle", "dorsiflexion (+) / plantarflexion, deg"),
}

#: Line colours of the sides, as on the summary page.
SIDE_COLOURS: dict[str, str] = {"l": "tab:blue", "r": "tab:orange"}

#: Fill of the normative band (light grey, as gait laboratories draw it).
BAND_COLOUR = "#d9d9d9"

# text stays text (smaller, selectable, translatable by a template's CSS fonts); fixed ids
_SVG_SETTINGS = {"svg.fonttype": "none", "svg.hashsalt": "gaittwin-report"}


def flexion_curves_svg(
    cycles: FlexionCycles,
    normative: pd.DataFrame,
    *,
    baseline: FlexionCycles | None = None,
) -> str:
    """Draw hip, knee and ankle flexion over the gait cycle against a normative band.

    Parameters
    ----------
    cycles
        The curves to show (their mean per side; a light band of +-1 SD over the strides).
    normative
        :func:`gait.read_normative_curves`: its mean +- 1 SD is the grey band.
    baseline
        The flat-ground baseline's curves, drawn dotted for comparison; None: not drawn.

    Returns
    -------
    str
        One ``<svg>`` element (no XML prologue) with a ``viewBox``, text as text, for inlining in
        HTML. Element ids: ``normative-<angle>``, ``<angle>_<side>`` and
        ``baseline-<angle>_<side>`` (``side`` ``l`` or ``r``). The same input gives the same
        bytes.
    """
    percent = np.linspace(0.0, 100.0, gait.CYCLE_POINTS)  # of FlexionCycles curves
    fig = Figure(figsize=(9.6, 2.6))  # no pyplot: the caller's backend stays as it is
    axes = fig.subplots(1, len(SAGITTAL_ANGLES), squeeze=False)[0]
    for ax, angle in zip(axes, SAGITTAL_ANGLES, strict=True):
        title, ylabel = ANGLE_TITLES[angle]
        mean = normative[f"{angle}_mean_deg"].to_numpy()
        sd = normative[f"{angle}_sd_deg"].to_numpy()
        band = ax.fill_between(
            normative.index.to_numpy(), mean - sd, mean + sd, color=BAND_COLOUR, lw=0
        )
        band.set_gid(f"normative-{angle}")
        shown = False
        for side, colour in SIDE_COLOURS.items():
            name = f"{angle}_{side}"
            if baseline is not None and name in baseline.mean_rad:
                (line,) = ax.plot(
                    percent, np.degrees(baseline.mean_rad[name]), ":", color=colour, lw=1.2
                )
                line.set_gid(f"baseline-{name}")
            if name in cycles.mean_rad:
                curve = np.degrees(cycles.mean_rad[name])
                spread = np.degrees(cycles.sd_rad[name])
                ax.fill_between(
                    percent, curve - spread, curve + spread, color=colour, alpha=0.15, lw=0
                )
                (line,) = ax.plot(percent, curve, color=colour, lw=1.6)
                line.set_gid(name)
                shown = True
        if not shown:
            ax.text(50, mean.mean(), "not in the avatar model\nor no complete stride", ha="center")
        ax.set_title(title, fontsize=10)
        ax.set_ylabel(ylabel, fontsize=8)
        ax.set_xlabel("% gait cycle (heel strike to heel strike)", fontsize=8)
        ax.set_xlim(0, 100)
        ax.tick_params(labelsize=8)
    fig.subplots_adjust(left=0.07, right=0.99, bottom=0.17, top=0.9, wspace=0.3)  # fixed: fast
    out = io.StringIO()
    with matplotlib.rc_context(_SVG_SETTINGS):
        fig.savefig(out, format="svg", metadata={"Date": None, "Creator": None})
    text = out.getvalue()
    return text[text.index("<svg") :]
