"""Tests of the clinician's prediction report (HTML, PNG summary) and its flags."""

from __future__ import annotations

import html
import math
import re
import subprocess

import matplotlib.image
import numpy as np
import pytest

import sim
from imu import GaitTwinInputError
from learn import (
    DECISION_SUPPORT_NOTE,
    FlagThresholds,
    GaitMeasures,
    LevelOutcome,
    PatientSummary,
    compensations,
    media_data_uri,
    report_html,
    safety_flags,
    write_report,
    write_summary_png,
)

DEG = math.pi / 180.0


def _measures(
    *, sway_deg=5.0, hike_deg=3.0, circ_cm=2.0, knee_deg=(60.0, 35.0), falls=0, success=True
) -> GaitMeasures:
    return GaitMeasures(
        success=success,
        falls=falls,
        max_trunk_sway_rad=sway_deg * DEG,
        max_pelvis_hike_rad=hike_deg * DEG,
        circumduction_m=circ_cm / 100.0,
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
    )
    outcomes = []
    for task in ("slope", "stairs"):
        for level in range(5):
            sway = 5.0 + 12.0 * level if task == "stairs" else 4.0 + level
            outcomes.append(
                LevelOutcome(
                    task=task,
                    level=level,
                    measures=_measures(
                        sway_deg=sway + 0.1,
                        hike_deg=3.0 + 2.0 * level,
                        falls=1 if (task == "stairs" and level == 4) else 0,
                        success=not (task == "stairs" and level == 4),
                    ),
                    steps_to_master=None if level == 4 else 700_000 * (level + 1),
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
    assert safety_flags(_measures(sway_deg=12.0), FlagThresholds(trunk_sway_deg=10.0)) == [
        "trunk sway 12 deg"
    ]
    assert compensations(_measures(hike_deg=9.0, circ_cm=7.0, knee_deg=(62.0, 30.0))) == [
        "pelvic hike 9 deg",
        "circumduction 7 cm",
        "stiff right knee (peak flexion 30 deg)",
        "knee flexion asymmetry 32 deg",
    ]
    assert compensations(_measures(knee_deg=(60.0, 55.0))) == []


def test_html_shows_every_level_with_measures_and_flags(report_inputs):
    patient, outcomes = report_inputs
    page = report_html(patient, outcomes)
    for o in outcomes:
        match = re.search(
            rf'<section class="level" id="{o.task}-{o.level}">(.*?)</section>', page, re.S
        )
        assert match, f"{o.task} level {o.level} missing"
        section = match.group(1)
        sway = math.degrees(o.measures.max_trunk_sway_rad)
        assert f"{sway:.1f} deg" in section
        assert f"{math.degrees(o.measures.max_pelvis_hike_rad):.1f} deg" in section
        assert f"{100 * o.activation_similarity:.1f} %" in section
        for flag in safety_flags(o.measures):
            assert flag in section
        steps = "not mastered" if o.steps_to_master is None else f"{o.steps_to_master / 1e6:.2f} M"
        assert steps in section
    stairs_top = re.search(r'id="stairs-4">(.*?)</section>', page, re.S).group(1)
    assert "<li>fell</li>" in stairs_top
    assert "trunk sway 53 deg" in stairs_top
    assert "15.00 cm risers" in stairs_top
    assert "0.75 m rise, 1:12" in page
    assert "Level 0 (flat ground)" in page
    # a compensation absent on flat ground is marked; the baseline's stiff right knee is not
    slope_3 = re.search(r'id="slope-3">(.*?)</section>', page, re.S).group(1)
    assert "pelvic hike 9 deg (not on flat ground)" in slope_3
    assert "stiff right knee (peak flexion 35 deg)</li>" in slope_3
    assert "survives up to 980 N" in page
    assert html.escape(DECISION_SUPPORT_NOTE) in page


def test_html_is_self_contained_and_escapes_text(report_inputs):
    patient, outcomes = report_inputs
    page = report_html(patient, outcomes)
    assert "http://" not in page and "https://" not in page
    sources = re.findall(r'src="([^"]*)"', page)
    assert len(sources) == 11  # baseline + 10 levels
    assert all(s.startswith(("data:image/gif;base64,", "data:video/mp4;base64,")) for s in sources)
    assert sources[0] == media_data_uri(patient.baseline_media)
    assert "<script>" not in page
    assert "P-07 &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; Co" in page
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
        LevelOutcome("slope", 1, _measures(), 10, 0.9, 1.5)
    with pytest.raises(GaitTwinInputError, match="task: expected one of"):
        LevelOutcome("ramp", 1, _measures(), 10, 0.9, 0.5)


def test_files_are_written(report_inputs, tmp_path):
    patient, outcomes = report_inputs
    html_path = write_report(patient, outcomes, tmp_path / "report.html")
    assert html_path.read_text(encoding="utf-8") == report_html(patient, outcomes)
    png = write_summary_png(patient, outcomes, tmp_path / "summary.png")
    image = matplotlib.image.imread(png)
    assert image.shape[:2] == (1169, 827)  # A4 portrait at 100 dpi
    assert image[..., :3].std() > 0.05  # not blank
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.html", "summary.png"]


@pytest.mark.slow
def test_report_renders_in_headless_chromium(report_inputs, tmp_path):
    """Needs the `chromium` binary (Debian: `apt-get install chromium`)."""
    patient, outcomes = report_inputs
    page = write_report(patient, outcomes, tmp_path / "report.html")
    shot = tmp_path / "screenshot.png"
    subprocess.run(
        [
            "chromium",
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--hide-scrollbars",
            f"--screenshot={shot}",
            "--window-size=1200,5000",
            page.as_uri(),
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )
    image = matplotlib.image.imread(shot)
    assert image.shape[:2] == (5000, 1200)
    rgb = image[..., :3]
    assert rgb.std() > 0.05  # text, tables and media drawn, not an empty page
    # the flag colour (#a00, bold red) is on the page: the fell / trunk sway flags were rendered
    red = (rgb[..., 0] > 0.55) & (rgb[..., 1] < 0.15) & (rgb[..., 2] < 0.15)
    assert red.sum() > 50
