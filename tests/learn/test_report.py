"""Tests of the clinician's prediction report (HTML, PNG summary) and its flags."""

from __future__ import annotations

import dataclasses
import html
import math
import re
from functools import partial

import markupsafe
import matplotlib.colors
import matplotlib.image
import numpy as np
import pytest
from headless_chromium import chromium_binary, run_chromium

import sim
from imu import GaitTwinInputError
from learn import write_report, write_summary_png
from learn.evaluation import GaitMeasures, LevelOutcome
from learn.report import (
    DECISION_SUPPORT_NOTE,
    NO_PREDICTION_TEXT,
    NOT_A_PREDICTION,
    FlagThresholds,
    PatientSummary,
    compensations,
    media_data_uri,
    prediction_status,
    report_html,
    safety_flags,
    summary_figure,
)
from learn.report._context import _measure_rows
from learn.tasks import N_LEVELS, TASK_TERRAINS

DEG = math.pi / 180.0


def _measures(
    *, sway_deg=5.0, hike_deg=3.0, circ_cm=(2.0, 1.0), knee_deg=(60.0, 35.0), falls=0, success=True
) -> GaitMeasures:
    return GaitMeasures(
        success=success,
        falls=falls,
        max_trunk_sway_rad=sway_deg * DEG,
        max_pelvis_hike_rad=hike_deg * DEG,
        circumduction_m=(circ_cm[0] / 100.0, circ_cm[1] / 100.0),
        knee_flexion_peak_rad=(knee_deg[0] * DEG, knee_deg[1] * DEG),
        speed_m_s=0.7,
        step_length_m=0.4,
    )


@pytest.fixture(scope="module")
def media(tmp_path_factory):
    folder = tmp_path_factory.mktemp("media")
    frames = [np.full((32, 48, 3), 40 * i, dtype=np.uint8) for i in range(4)]
    return {
        "gif": sim.write_video(frames, folder / "walk.gif", fps=10),
        "mp4": sim.write_video(frames, folder / "walk.mp4", fps=10),
    }


@pytest.fixture(scope="module")
def report_inputs(media):
    patient = PatientSummary(
        patient_id='P-07 <script>alert("x")</script> & Co',
        recording="walk <1>.calc",
        height_m=1.72,
        mass_kg=70.0,
        baseline=_measures(),
        push_max_force_n={"forward": 980.0, "left": 340.0},
        baseline_media=media["mp4"],
        notes="left hemiparesis; uses <no> aid",
        goal_speed_m_s=0.8,
        goal_stride_m=1.2,
    )
    outcomes = []
    for task in ("slope", "stairs"):
        for level in range(5):
            sway = 5.0 + 12.0 * level if task == "stairs" else 4.0 + level
            outcomes.append(
                LevelOutcome(
                    task=task,
                    level=level,
                    measures=dataclasses.replace(
                        _measures(
                            sway_deg=sway + 0.1,
                            hike_deg=3.0 + 2.0 * level,
                            falls=1 if (task == "stairs" and level == 4) else 0,
                            success=not (task == "stairs" and level == 4),
                        ),
                        course_fraction=0.4 if (task == "stairs" and level == 4) else 1.0,
                    ),
                    steps_to_master=None if level == 4 else 700_000 * (level + 1),
                    controller_steps=1_024 if level == 4 else 800_000 * (level + 1),
                    activation_similarity=0.99 - 0.05 * level,
                    discriminator_output=0.5,
                    media=media["gif"] if level % 2 else media["mp4"],
                )
            )
    return patient, outcomes


def test_flags_in_plain_words():
    assert safety_flags(_measures()) == []
    assert safety_flags(_measures(sway_deg=56.1, falls=1, success=False)) == [
        "fell",
        "trunk sway 56 deg",
    ]
    assert safety_flags(_measures(falls=3, success=False)) == ["fell (3 times)"]
    assert safety_flags(_measures(success=False)) == ["did not reach the end"]
    short = dataclasses.replace(_measures(success=False), course_fraction=0.749)
    assert safety_flags(short) == ["did not reach the end (75 % of the way)"]
    assert safety_flags(_measures(sway_deg=12.0), FlagThresholds(trunk_sway_deg=10.0)) == [
        "trunk sway 12 deg"
    ]
    assert compensations(_measures(hike_deg=9.0, circ_cm=(3.0, 7.0), knee_deg=(62.0, 30.0))) == [
        "pelvic hike 9 deg",
        "right circumduction 7 cm",
        "stiff right knee (peak flexion 30 deg)",
        "knee flexion asymmetry 32 deg",
    ]
    assert compensations(_measures(knee_deg=(60.0, 55.0))) == []
    # compared as printed: 8.4 deg of hike reads 8 deg and is not listed over 8 deg
    assert compensations(_measures(hike_deg=8.4, knee_deg=(60.0, 55.0))) == []
    assert compensations(_measures(hike_deg=8.6, knee_deg=(60.0, 55.0))) == ["pelvic hike 9 deg"]
    assert safety_flags(_measures(sway_deg=15.4)) == []


def test_step_to_and_step_asymmetry_from_each_side_step_length():
    def steps(left, right):
        return compensations(
            dataclasses.replace(
                _measures(knee_deg=(60.0, 55.0)), step_length_by_side_m=(left, right)
            )
        )

    # the trailing left foot lands behind the right on its tread: step-to, not an asymmetry
    assert steps(-0.10, 0.35) == [
        "step-to: the left foot joins the right (left step -0.10 m, right 0.35 m)"
    ]
    assert steps(0.30, 0.02) == [
        "step-to: the right foot joins the left (left step 0.30 m, right 0.02 m)"
    ]
    assert steps(0.52, 0.66) == ["step length asymmetry 0.14 m (left step 0.52 m, right 0.66 m)"]
    assert steps(0.60, 0.66) == []  # within 0.10 m
    # compared as printed: 0.104 m reads 0.10 m and is not listed over 0.10 m; 0.106 is
    assert steps(0.500, 0.604) == []
    assert steps(0.500, 0.606) == ["step length asymmetry 0.11 m (left step 0.50 m, right 0.61 m)"]
    assert steps(0.60, float("nan")) == []  # a side that never struck: not worded
    assert compensations(_measures(knee_deg=(60.0, 55.0))) == []  # not recorded


def test_a_walk_without_a_complete_step_says_so(report_inputs):
    patient, outcomes = report_inputs
    no_step = dataclasses.replace(patient.baseline, step_length_m=float("nan"))
    page = report_html(dataclasses.replace(patient, baseline=no_step), outcomes)
    assert "<td>no complete step</td>" in page and "nan m" not in page


def test_step_length_per_side_shows_a_step_to_climb(report_inputs):
    patient, outcomes = report_inputs
    # step-to: the leading right foot lands a tread ahead, the trailing left one beside it
    step_to = dataclasses.replace(
        patient.baseline, step_length_m=0.15, step_length_by_side_m=(0.0, 0.3)
    )
    page = report_html(dataclasses.replace(patient, baseline=step_to), outcomes)
    assert "step length, mean (left / right)" in page
    assert "<td>0.15 m (0.00 / 0.30)</td>" in page
    # an older result, saved without the sides, keeps the one mean
    page = report_html(patient, outcomes)
    assert "<td>0.40 m</td>" in page and "mean (left / right)" not in page


def test_html_shows_every_level_with_measures_and_flags(report_inputs):
    patient, outcomes = report_inputs
    page = report_html(patient, outcomes)
    for o in outcomes:
        match = re.search(
            rf'<section class="level[^"]*" id="{o.task}-{o.level}">(.*?)</section>', page, re.S
        )
        assert match, f"{o.task} level {o.level} missing"
        section = match.group(1)
        sway = math.degrees(o.measures.max_trunk_sway_rad)
        assert f"{sway:.1f} deg" in section
        assert f"{math.degrees(o.measures.max_pelvis_hike_rad):.1f} deg" in section
        assert f"{100 * o.activation_similarity:.1f} %" in section
        assert "<th>circumduction left / right</th><td>2.0 / 1.0 cm</td>" in section
        for flag in safety_flags(o.measures):
            assert flag in section
        steps = "not mastered" if o.steps_to_master is None else f"{o.steps_to_master / 1e6:.2f} M"
        assert steps in section
    stairs_top = re.search(r'id="stairs-4">(.*?)</section>', page, re.S).group(1)
    assert "<li>fell</li>" in stairs_top
    assert "trunk sway 53 deg" in stairs_top
    assert "15.00 cm risers" in stairs_top
    assert "<th>controller evaluated, trained</th><td>1,024 steps</td>" in stairs_top
    assert "0.75 m rise, 1:12" in page
    assert "Level 0 (flat ground)" in page
    # a compensation absent on flat ground is marked; the baseline's stiff right knee is not
    slope_3 = re.search(r'id="slope-3">(.*?)</section>', page, re.S).group(1)
    assert "pelvic hike 9 deg (not on flat ground)" in slope_3
    assert "stiff right knee (peak flexion 35 deg)</li>" in slope_3
    assert "survives up to 980 N" in page
    assert markupsafe.escape(DECISION_SUPPORT_NOTE) in page  # the template's escaping


def test_a_range_below_zero_reads_with_to():
    """A walker that falls backwards has a negative speed: "-0.10 to 0.20", not "-0.10–0.20"."""
    each = [dataclasses.replace(_measures(), speed_m_s=v) for v in (-0.1, 0.2, 0.05)]
    measures = dataclasses.replace(_measures(), speed_m_s=0.05, rollouts=tuple(each))
    rows = {row["key"]: row for row in _measure_rows(measures, 0.5)}
    assert rows["speed"]["spread"] == "-0.10 to 0.20 m/s"
    assert rows["pace"]["spread"] == "-20 to 40 %"
    assert rows["trunk_sway"]["spread"] == "5.0 deg"  # the rollouts agree
    each = tuple(dataclasses.replace(_measures(), speed_m_s=v) for v in (0.1, 0.2))
    rows = {r["key"]: r for r in _measure_rows(dataclasses.replace(measures, rollouts=each), None)}
    assert rows["speed"]["spread"] == "0.10\u20130.20 m/s" and "pace" not in rows


def test_each_task_says_what_its_controllers_were_asked(report_inputs):
    """Cadence and the asked speed are named above each task; without a goal, neither is."""
    patient, outcomes = report_inputs
    page = report_html(patient, outcomes)
    asked = re.findall(r'<h2>([^<]*)</h2>\s*<p class="asked">([^<]*)</p>', page)
    assert [title.split(" ")[0] for title, _ in asked] == ["Slope", "Stair"]
    slope, stairs = (html.unescape(text) for _, text in asked)
    assert "cadence is not a prediction" in slope and "cadence is not a prediction" in stairs
    assert "flat-ground speed, 0.80 m/s" in slope
    assert (
        "no speed target" in stairs and "one step per tread at that cadence, is 0.40 m/s" in stairs
    )
    assert page.count("speed / the patient&#39;s pace") == 1 + len(outcomes)
    unknown = dataclasses.replace(patient, goal_speed_m_s=None, goal_stride_m=None)
    page = report_html(unknown, outcomes)
    assert 'class="asked"' not in page and "the patient&#39;s pace" not in page
    with pytest.raises(GaitTwinInputError, match="goal_speed_m_s, goal_stride_m: expected both"):
        dataclasses.replace(patient, goal_stride_m=None)
    with pytest.raises(GaitTwinInputError, match=r"found -0\.8 m/s and 1\.2 m"):
        dataclasses.replace(patient, goal_speed_m_s=-0.8)


def test_a_step_to_reference_is_named_as_asked_with_its_pace(report_inputs):
    """Stairs levels whose reference climbed step-to: named above the task and in each title.

    Their pace is one tread per stride (0.20 m/s for 0.8 m/s and 1.2 m strides on 0.30 m
    treads), half the step-over-step pace the other levels keep.
    """
    patient, outcomes = report_inputs
    step_to = [
        dataclasses.replace(o, trailing_leg="left") if o.task == "stairs" and o.level >= 2 else o
        for o in outcomes
    ]
    page = html.unescape(report_html(patient, step_to))
    stairs = re.findall(r'<p class="asked">([^<]*)</p>', page)[1]
    assert "At level(s) 2, 3, 4 the reference climbs step-to, the left leg trailing" in stairs
    assert "at 0.20 m/s" in stairs and "step-to was asked, not predicted" in stairs
    titles = re.findall(r"<h3[^>]*>([^<]*)</h3>", page)
    assert sum("reference step-to, left leg trailing" in t for t in titles) == 3
    assert "% of 0.20 m/s" in page and "% of 0.40 m/s" in page
    plain = html.unescape(report_html(patient, outcomes))
    assert "step-to" not in plain and "% of 0.20 m/s" not in plain
    with pytest.raises(GaitTwinInputError, match="trailing_leg: expected 'left', 'right' or None"):
        dataclasses.replace(outcomes[0], trailing_leg="both")


def test_status_line_says_what_the_report_may_claim(report_inputs):
    """Levels 4 are not mastered: a partial prediction; a falling baseline: no prediction."""
    patient, outcomes = report_inputs
    page = report_html(patient, outcomes)
    status = prediction_status(patient.baseline, outcomes)
    assert status.kind == "partial" and "slope 4, stairs 4" in status.text
    assert page.index('class="status partial"') < page.index('class="note"')
    assert page.count(": not a prediction</h3>") == 2
    assert 'class="level not-predicted" id="stairs-4"' in page
    none = [dataclasses.replace(o, steps_to_master=None) for o in outcomes]
    assert "No level was mastered" in prediction_status(patient.baseline, none).text
    mastered = [dataclasses.replace(o, steps_to_master=1) for o in outcomes]
    assert prediction_status(patient.baseline, mastered).kind == "predicted"
    assert ": not a prediction</h3>" not in report_html(patient, mastered)
    falling = dataclasses.replace(
        patient, baseline=dataclasses.replace(patient.baseline, falls=2, success=False)
    )
    page = report_html(falling, mastered)
    assert prediction_status(falling.baseline, mastered).kind == "no prediction"
    assert f'class="status no-prediction">{html.escape(NO_PREDICTION_TEXT)}' in page
    assert page.count(": not a prediction</h3>") == len(outcomes)  # no level called mastered
    assert page.count("not mastered: the promotion bar came from a controller that falls") == 10


def test_html_is_self_contained_and_escapes_text(report_inputs):
    patient, outcomes = report_inputs
    page = report_html(patient, outcomes)
    assert "http://" not in page and "https://" not in page
    sources = re.findall(r'src="([^"]*)"', page)
    assert len(sources) == 11  # baseline + 10 levels
    assert all(s.startswith(("data:image/gif;base64,", "data:video/mp4;base64,")) for s in sources)
    assert sources[0] == media_data_uri(patient.baseline_media)
    assert "<script>" not in page
    assert "P-07 &lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; Co" in page
    assert "walk &lt;1&gt;.calc" in page
    assert "uses &lt;no&gt; aid" in page


def test_bad_inputs_raise(report_inputs, tmp_path):
    patient, outcomes = report_inputs
    with pytest.raises(GaitTwinInputError, match="outcomes: expected one per task and level"):
        report_html(patient, [outcomes[0], outcomes[0]])
    (tmp_path / "x.bmp").write_bytes(b"BM")
    with pytest.raises(GaitTwinInputError, match=r"x\.bmp': expected a suffix among"):
        media_data_uri(tmp_path / "x.bmp")
    with pytest.raises(GaitTwinInputError, match=r"LevelOutcome\.discriminator_output: expected 0"):
        LevelOutcome("slope", 1, _measures(), 10, 20, 0.9, 1.5)
    with pytest.raises(GaitTwinInputError, match="task: expected one of"):
        LevelOutcome("ramp", 1, _measures(), 10, 20, 0.9, 0.5)
    with pytest.raises(GaitTwinInputError, match=r"circumduction_m: expected a \(left, right\)"):
        dataclasses.replace(_measures(), circumduction_m=0.03)


def test_files_are_written(report_inputs, tmp_path):
    patient, outcomes = report_inputs
    html_path = write_report(patient, outcomes, tmp_path / "report.html")
    assert html_path.read_text(encoding="utf-8") == report_html(patient, outcomes)
    png = write_summary_png(patient, outcomes, tmp_path / "summary.png")
    image = matplotlib.image.imread(png)
    assert image.shape[:2] == (1169, 827)  # A4 portrait at 100 dpi
    assert image[..., :3].std() > 0.05  # not blank
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.html", "summary.png"]


def test_the_summary_page_and_report_show_only_the_tasks_that_were_run(report_inputs):
    """A stairs-only run has no slope column (an empty panel reads as missing data)."""
    patient, outcomes = report_inputs
    stairs = [o for o in outcomes if o.task == "stairs"]
    both = summary_figure(patient, outcomes)
    assert len(both.axes) == 3 * 2
    only = summary_figure(patient, stairs)
    assert len(only.axes) == 3
    titles = [ax.get_title() for ax in only.axes if ax.get_title()]
    assert titles == ["Stair climbing (12 steps)"]
    page = report_html(patient, stairs)
    assert "<h2>Stair climbing (12 steps)</h2>" in page and "Slope ascent" not in page
    none = summary_figure(patient, [])
    assert none.axes == [] and "No task level was run." in [t.get_text() for t in none.texts]


def test_the_summary_page_outcome_bars_say_how_far_the_walker_got(report_inputs):
    """Green reached, orange short of the end (with how far), red fell (with how far)."""
    patient, outcomes = report_inputs
    stairs = [o for o in outcomes if o.task == "stairs"]
    short = dataclasses.replace(stairs[1].measures, success=False, falls=0, course_fraction=0.67)
    stairs[1] = dataclasses.replace(stairs[1], measures=short)
    (ax_ok, *_) = summary_figure(patient, stairs).axes
    colours = [matplotlib.colors.to_hex(bar.get_facecolor()) for bar in ax_ok.patches]
    green, orange, red = (
        matplotlib.colors.to_hex(c) for c in ("tab:green", "tab:orange", "tab:red")
    )
    assert colours == [green, orange, green, green, red]
    words = [t.get_text().split("\n")[0] for t in ax_ok.texts]
    assert words == [
        "reached end",
        "did not reach end (67%)",
        "reached end",
        "reached end",
        "fell (40%)",
    ]


def _markers(ax) -> dict[float, set[str]]:
    """Per level drawn in a panel: "filled" and/or "hollow", from its lines' markers."""
    found: dict[float, set[str]] = {}
    for line in ax.lines:
        if line.get_marker() != "o":
            continue
        kind = "hollow" if str(line.get_markerfacecolor()) == "none" else "filled"
        for x, y in zip(line.get_xdata(), line.get_ydata(), strict=True):
            if np.isfinite(y):
                found.setdefault(float(x), set()).add(kind)
    return found


def _joined(ax) -> set[float]:
    """The levels a drawn line (not a marker alone) passes through in a panel."""
    return {
        float(x)
        for line in ax.lines
        if line.get_linestyle() not in ("None", "none", "") and line.get_marker() == "o"
        for x, y in zip(line.get_xdata(), line.get_ydata(), strict=True)
        if np.isfinite(y)
    }


def test_the_summary_page_draws_non_predictions_hollow_and_unjoined(report_inputs):
    """Level 4 is not mastered: hollow and off the line in both line panels; all when falling."""
    patient, outcomes = report_inputs
    stairs = [o for o in outcomes if o.task == "stairs"]
    figure = summary_figure(patient, stairs)
    panels = {ax.get_ylabel(): ax for ax in figure.axes}
    for label in ("max trunk sway (deg)", "knee flexion peak (deg)"):
        markers = _markers(panels[label])
        assert markers == {
            0.0: {"filled"},
            1.0: {"filled"},
            2.0: {"filled"},
            3.0: {"filled"},
            4.0: {"hollow"},
        }
        assert _joined(panels[label]) == {0.0, 1.0, 2.0, 3.0}
    knee = panels["knee flexion peak (deg)"]
    hollow_edges = {
        line.get_markeredgecolor() for line in knee.lines if line.get_markerfacecolor() == "none"
    }
    assert hollow_edges == {"tab:blue", "tab:orange"}  # the sides keep their colours
    (legend,) = figure.legends
    assert f"hollow: {NOT_A_PREDICTION}" in [t.get_text() for t in legend.get_texts()]
    mastered = [dataclasses.replace(o, steps_to_master=1) for o in stairs]
    (legend,) = summary_figure(patient, mastered).legends
    assert f"hollow: {NOT_A_PREDICTION}" not in [t.get_text() for t in legend.get_texts()]
    falling = dataclasses.replace(
        patient, baseline=dataclasses.replace(patient.baseline, falls=1, success=False)
    )
    figure = summary_figure(falling, mastered)
    for ax in figure.axes[1:]:
        assert set().union(*_markers(ax).values()) == {"hollow"} and _joined(ax) == set()


def _runs(mask: np.ndarray, gap: int) -> list[tuple[int, int]]:
    """``(start, length)`` of the runs of True in a 1-D mask, bridging gaps up to ``gap``."""
    index = np.flatnonzero(mask)
    if index.size == 0:
        return []
    breaks = np.flatnonzero(np.diff(index) > gap + 1)
    starts = np.r_[index[0], index[breaks + 1]]
    ends = np.r_[index[breaks], index[-1]]
    return [(int(a), int(b)) for a, b in zip(starts, ends - starts + 1, strict=True)]


@pytest.fixture(scope="module")
def chromium() -> str:
    return chromium_binary()


def test_report_renders_in_headless_chromium(report_inputs, chromium, tmp_path):
    """A screenshot of the whole report shows every level's clip and every red flag."""
    patient, outcomes = report_inputs
    page = write_report(patient, outcomes, tmp_path / "report.html")
    shot = tmp_path / "screenshot.png"
    size = (1200, 8000)
    run_chromium(
        chromium,
        page,
        tmp_path / "profile",
        f"--screenshot={shot}",
        f"--window-size={size[0]},{size[1]}",
    )
    rgb = matplotlib.image.imread(shot)[..., :3]
    assert rgb.shape[:2] == (size[1], size[0])
    drawn = np.flatnonzero(~(rgb > 0.98).all(axis=(1, 2)))
    assert 3000 < drawn.max() < size[1] - 200  # the whole page is in the shot, not cut off
    # every video and GIF is drawn, one for the baseline and one per level: a grey box in the
    # media column, 320 px wide at the clips' 48:32 aspect, so 213.3 px high (212-215 rows at
    # any sub-pixel offset; a video that fails to load is a 300:150 placeholder, 150 rows);
    # gap 6 bridges the bar of a video's controls
    strip = rgb[:, 100:340]
    grey = (np.ptp(strip, axis=2) < 0.02) & (strip.max(axis=2) < 0.75)
    boxes = _runs(grey.mean(axis=1) > 0.8, gap=6)
    assert len(boxes) == 1 + len(outcomes), boxes
    assert all(212 <= length <= 215 for _, length in boxes), boxes
    # the flag colour (#a00, bold red) sits at every flagged level and nowhere else
    red = (rgb[..., 0] > 0.55) & (rgb[..., 1] < 0.15) & (rgb[..., 2] < 0.15)
    flagged = [patient.baseline, *(o.measures for o in outcomes)]
    n_flagged = sum(bool(safety_flags(m)) for m in flagged)
    assert len(_runs(red.sum(axis=1) > 3, gap=60)) == n_flagged == 4
    assert red.sum() > 50 * n_flagged


def _rows(section: str) -> dict[str, tuple[str, str]]:
    """The rows of the measures table in a DOM section, ``{label: (value, spread)}``."""
    table = re.search(r'<table class="measures">.*?<tbody>(.*?)</tbody>\s*</table>', section, re.S)
    assert table, "measures table missing"
    cells = r'<tr><th>(.*?)</th><td>(.*?)</td><td class="spread">(.*?)</td></tr>'
    return {label: (value, spread) for label, value, spread in re.findall(cells, table.group(1))}


def _items(section: str, css: str) -> list[str]:
    """The ``<li>`` texts of a flag list in a DOM section, or [] after finding its none note."""
    found = re.search(rf'<ul class="{css}">(.*?)</ul>', section, re.S)
    if found is None:
        assert f'<p class="{css} none">' in section, f"{css} list missing"
        return []
    return re.findall(r"<li>(.*?)</li>", found.group(1))


def test_chromium_dom_has_media_measures_and_flags_of_every_level(
    report_inputs, chromium, tmp_path
):
    """The DOM Chromium built (``--dump-dom``) holds each level's media, measures and flags."""
    patient, outcomes = report_inputs
    assert {(o.task, o.level) for o in outcomes} == {
        (task, level) for task in TASK_TERRAINS for level in range(N_LEVELS)
    }
    page = write_report(patient, outcomes, tmp_path / "report.html")
    dom = run_chromium(chromium, page, tmp_path / "profile", "--dump-dom")
    # the browser's tree (the header table gains a tbody), not the file read back
    assert re.search(r'<table class="header">\s*<tbody>', dom)
    text = partial(html.escape, quote=False)
    baseline = re.search(r'<section class="baseline">(.*?)</section>', dom, re.S)
    assert baseline, "baseline missing from the DOM"
    shown = [(patient.baseline, patient.baseline_media, baseline.group(1), 0.8)]
    for o in outcomes:
        found = re.search(
            rf'<section class="level[^"]*" id="{o.task}-{o.level}">(.*?)</section>', dom, re.S
        )
        assert found, f"{o.task} level {o.level} missing from the DOM"
        rows = _rows(found.group(1))
        steps = "not mastered" if o.steps_to_master is None else f"{o.steps_to_master / 1e6:.2f} M"
        assert rows["training steps to master"] == (steps, "")
        small = o.controller_steps < 100_000  # shown in full, not as "0.00 M"
        controller = "1,024 steps" if small else f"{o.controller_steps / 1e6:.2f} M steps"
        assert rows["controller evaluated, trained"] == (controller, "")
        similarity = rows["activation similarity to flat ground"]
        assert similarity == (f"{100 * o.activation_similarity:.1f} %", "")
        assert rows["discriminator output D"] == (f"{o.discriminator_output:.2f}", "")
        pace = 0.4 if o.task == "stairs" and o.level > 0 else 0.8  # a 0.3 m tread a step
        shown.append((o.measures, o.media, found.group(1), pace))
    for measures, media, section, pace in shown:
        tag = "video" if media.suffix == ".mp4" else "img"
        media_tags = re.findall(r'<(video|img)\b[^>]*\ssrc="([^"]*)"', section)
        assert media_tags == [(tag, media_data_uri(media))]  # the whole clip, embedded
        rows = _rows(section)
        sway = math.degrees(measures.max_trunk_sway_rad)
        assert rows["max lateral trunk sway"][0] == f"{sway:.1f} deg"
        assert rows["speed / the patient's pace"][0] == f"{70 / pace:.0f} % of {pace:.2f} m/s"
        for row in _measure_rows(measures, pace):
            assert rows.get(text(row["label"])) == (text(row["value"]), text(row["spread"]))
        assert _items(section, "flags") == [text(f) for f in safety_flags(measures)]
        assert len(_items(section, "compensations")) == len(compensations(measures))
    stairs_top = re.search(r'id="stairs-4">(.*?)</section>', dom, re.S).group(1)
    assert _items(stairs_top, "flags") == ["fell", "trunk sway 53 deg"]
    assert _rows(stairs_top)["reached the end"][0] == "no (40 % of the way)"
