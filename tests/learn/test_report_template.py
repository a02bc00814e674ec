"""The report as a gait laboratory's: template, header, spread, curves; the PNG's status."""

from __future__ import annotations

import dataclasses
import datetime
import importlib.metadata
import json
import math
import re
import shutil
from pathlib import Path

import matplotlib.image
import numpy as np
import pytest
from headless_chromium import chromium_binary, run_chromium
from tiny_budgets import tiny_prediction_options

import gait
import learn
import sim
from gait import read_normative_curves
from imu import GaitTwinInputError
from learn.cli import build_parser, prediction_options
from learn.evaluation import SAGITTAL_ANGLES, FlexionCycles, GaitMeasures, LevelOutcome
from learn.report import (
    NO_ATLAS_TEXT,
    NOT_A_PREDICTION,
    REPORT_TEMPLATE,
    PatientSummary,
    atlas_identity,
    prediction_status,
    report_html,
    summary_figure,
    write_report,
)

DEG = math.pi / 180.0
DATE = datetime.date(2026, 1, 2)


def _cycles(knee_gain: float) -> FlexionCycles:
    """Curves at Winter's mean (the knee scaled by ``knee_gain``), SD 2 deg, on both sides."""
    table = read_normative_curves()
    percent = np.linspace(0.0, 100.0, gait.CYCLE_POINTS)
    mean, sd = {}, {}
    for angle in SAGITTAL_ANGLES:
        curve = np.interp(percent, table.index, table[f"{angle}_mean_deg"])
        curve *= knee_gain if angle == "knee_flexion" else 1.0
        for side in gait.SIDES:
            mean[f"{angle}_{side}"] = tuple(np.deg2rad(curve))
            sd[f"{angle}_{side}"] = (2.0 * DEG,) * gait.CYCLE_POINTS
    return FlexionCycles(mean, sd, {"l": 6, "r": 5})


def _measures(*, sway_deg: float, knee_gain: float = 1.0, falls: int = 0) -> GaitMeasures:
    """Three rollouts: trunk sway sway_deg - 2, sway_deg, sway_deg + 2 and speeds 0.6-0.8 m/s."""

    def one(k: int, fell: bool) -> GaitMeasures:
        return GaitMeasures(
            success=not fell,
            falls=int(fell),
            max_trunk_sway_rad=(sway_deg + 2.0 * k) * DEG,
            max_pelvis_hike_rad=3.0 * DEG,
            circumduction_m=(0.02 + 0.01 * k, 0.01),
            knee_flexion_peak_rad=(60.0 * knee_gain * DEG, 58.0 * knee_gain * DEG),
            speed_m_s=0.7 + 0.1 * k,
            step_length_m=0.4 + 0.05 * k,
        )

    each = tuple(one(k, k < falls - 1) for k in (-1, 0, 1))
    return dataclasses.replace(
        one(1, falls > 0),
        falls=falls,
        speed_m_s=0.7,
        step_length_m=0.4,
        rollouts=each,
        flexion_cycles=_cycles(knee_gain),
    )


@pytest.fixture(scope="module")
def report_inputs(tmp_path_factory):
    """A patient with a walking baseline, 5 slope and 5 stair levels; media and atlas in tmp."""
    folder = tmp_path_factory.mktemp("inputs")
    frames = [np.full((32, 48, 3), 40 * i, dtype=np.uint8) for i in range(4)]
    gif = sim.write_video(frames, folder / "walk.gif", fps=10)
    atlas = folder / "atlas_legs13"
    atlas.mkdir()
    (atlas / "model.zip").write_bytes(b"weights")
    (atlas / "normaliser.json").write_text("{}")
    patient = PatientSummary(
        patient_id="P-07",
        recording="walk.calc",
        height_m=1.72,
        mass_kg=70.0,
        baseline=_measures(sway_deg=5.0),
        push_max_force_n={"forward": 980.0},
        baseline_media=gif,
        atlas=atlas_identity(atlas),
        adapt_steps=2_000_000,
        task_steps={"slope": 20_000_000, "stairs": 6_553_600},
    )
    outcomes = [
        LevelOutcome(
            task=task,
            level=level,
            measures=_measures(sway_deg=5.0 + level, knee_gain=1.0 - 0.1 * level),
            steps_to_master=None if level == 4 else 700_000 * (level + 1),
            controller_steps=800_000,
            activation_similarity=0.9,
            discriminator_output=0.5,
            media=gif,
        )
        for task in ("slope", "stairs")
        for level in range(5)
    ]
    return patient, outcomes, folder


@pytest.fixture(scope="module")
def page(report_inputs) -> str:
    """The report of :func:`report_inputs` dated 2026-01-02 (drawn once: 11 figures)."""
    patient, outcomes, _ = report_inputs
    return report_html(patient, outcomes, report_date=DATE)


def _without_curves(measures: GaitMeasures) -> GaitMeasures:
    """``measures`` without joint-angle curves: a report of them draws no figure (fast)."""
    return dataclasses.replace(measures, flexion_cycles=None)


def _sections(page: str) -> dict[str, str]:
    """The baseline's and every level's section of a report, by id ("baseline" for the first)."""
    found = dict(
        re.findall(r'<section class="level[^"]*" id="([^"]+)">(.*?)</section>', page, re.S)
    )
    found["baseline"] = re.search(r'<section class="baseline">(.*?)</section>', page, re.S)[1]
    return found


def test_every_section_has_its_curves_against_the_normative_band(report_inputs, page):
    _, outcomes, _ = report_inputs
    sections = _sections(page)
    assert len(sections) == 1 + len(outcomes)
    for name, section in sections.items():
        svg = re.findall(r"<svg\b.*?</svg>", section, re.S)
        assert len(svg) == 1, name
        ids = set(re.findall(r'<g id="([^"]+)"', svg[0]))
        for angle in SAGITTAL_ANGLES:
            assert {f"normative-{angle}", f"{angle}_l", f"{angle}_r"} <= ids, name
            assert (f"baseline-{angle}_l" in ids) == (name != "baseline"), name  # dotted
        assert "(6 left, 5 right strides)" in section
    assert page.count("Grey band: Winter, The Biomechanics and Motor Control of Human Gait") == 11


def test_the_measures_show_their_spread_across_rollouts(report_inputs, page):
    patient, outcomes, _ = report_inputs
    slope_2 = _sections(page)["slope-2"]
    assert "<th>per rollout, min\u2013max (n = 3)</th>" in slope_2
    rows = dict(re.findall(r'<tr><th>(.*?)</th><td>.*?</td><td class="spread">(.*?)</td>', slope_2))
    assert rows["max lateral trunk sway"] == "5.0\u20139.0 deg"  # 7 +- 2 deg
    assert rows["speed"] == "0.60\u20130.80 m/s"
    assert rows["step length"] == "0.35\u20130.45 m"
    assert rows["circumduction left / right"] == "1.0\u20133.0 / 1.0 cm"
    assert rows["knee flexion peak left / right"] == "48.0 / 46.4 deg"  # one value: no range
    assert rows["reached the end"] == "3 of 3 rollouts"
    assert rows["training steps to master"] == ""  # not a per-rollout measure
    two_fell = dataclasses.replace(
        outcomes[0], measures=_without_curves(_measures(sway_deg=5.0, falls=2))
    )
    section = _sections(report_html(patient, [two_fell], report_date=DATE))["slope-0"]
    assert '<tr><th>falls</th><td>2</td><td class="spread">2 of 3 rollouts</td></tr>' in section
    assert '<td class="spread">1 of 3 rollouts</td>' in section  # reached the end
    # a result saved before the rollouts were kept says so instead of inventing a spread
    old = dataclasses.replace(patient.baseline, rollouts=(), flexion_cycles=None)
    baseline = _sections(report_html(dataclasses.replace(patient, baseline=old), []))["baseline"]
    assert "<th>per rollout: not recorded</th>" in baseline
    assert "Joint-angle curves not recorded" in baseline and "<svg" not in baseline


def test_the_header_names_date_version_atlas_budgets_and_recording(report_inputs, page):
    patient, _, _ = report_inputs
    header = dict(
        re.findall(r"<tr><th>(.*?)</th><td>(.*?)</td></tr>", page.split('class="header"')[1])[:7]
    )
    assert header["recording"] == "walk.calc"
    assert header["report date"] == "2026-01-02"
    assert header["gaittwin version"] == importlib.metadata.version("gaittwin")
    assert re.fullmatch(r"atlas_legs13 \(sha256 [0-9a-f]{12}\)", header["Healthy Motion Atlas"])
    assert header["adaptation, trained"] == "2,000,000 steps"
    assert header["task controllers, trained"] == "slope 20,000,000 steps; stairs 6,553,600 steps"
    today = report_html(
        dataclasses.replace(patient, baseline=_without_curves(patient.baseline), task_steps={}),
        [],
    )
    assert f"<td>{datetime.date.today().isoformat()}</td>" in today
    assert "<th>task controllers, trained</th><td>none trained</td>" in today


def test_atlas_identity_is_the_folder_name_and_a_hash_of_its_weights(report_inputs, tmp_path):
    _, _, folder = report_inputs
    atlas = folder / "atlas_legs13"
    copy = shutil.copytree(atlas, tmp_path / "elsewhere" / "atlas_legs13")
    assert atlas_identity(copy) == atlas_identity(atlas)  # wherever it is stored
    assert str(tmp_path) not in atlas_identity(copy)
    (copy / "normaliser.json").write_text('{"mean": [1.0]}')
    assert atlas_identity(copy) != atlas_identity(atlas)
    assert atlas_identity(None) == NO_ATLAS_TEXT
    (copy / "model.zip").unlink()
    with pytest.raises(GaitTwinInputError, match=r"atlas_legs13'.*expected model\.zip"):
        atlas_identity(copy)


def test_no_path_of_this_machine_in_the_report(report_inputs, page):
    _, _, folder = report_inputs
    text = re.sub(r"data:[a-z]+/[a-z0-9.+-]+;base64,[A-Za-z0-9+/=]+", "", page)  # the media
    assert str(folder) not in text and "file:" not in text
    absolute = re.findall(r"(?<![\w.:/])/(?:tmp|home|root|work|usr|var|Users|mnt)/", text)
    assert absolute == [] and not re.search(r"\b[A-Z]:\\\\", text)
    assert "src=" in page and page.count('src="data:') == page.count("src=")


def test_a_clinic_renders_the_report_with_its_own_template(report_inputs, tmp_path):
    patient, outcomes, _ = report_inputs
    own = tmp_path / "klinik.html.j2"
    own.write_text(
        "<h1>Ganglabor: {{ patient_id }}</h1><p>{{ status.text }}</p>\n"
        "{% set words = {'trunk_sway': 'Rumpfneigung'} %}"
        "{% for task in tasks %}{% for level in task.levels %}"
        "<div id='{{ level.id }}'>{% for row in level.rows if row.key in words %}"
        "{{ words[row.key] }}: {{ row.value }} ({{ row.spread }}){% endfor %}"
        "{{ level.curves }}</div>{% endfor %}{% endfor %}"
    )
    risky = dataclasses.replace(patient, patient_id="<b>P-07</b>")
    shown = [o for o in outcomes if o.level == 3]
    page = write_report(risky, shown, tmp_path / "r.html", template=own).read_text()
    assert page.startswith("<h1>Ganglabor: &lt;b&gt;P-07&lt;/b&gt;</h1>")  # escaped
    assert html_text(prediction_status(patient.baseline, shown).text) in page
    assert "<div id='stairs-3'>Rumpfneigung: 10.0 deg (6.0\u201310.0 deg)<svg" in page
    assert page.count("<svg") == len(shown)  # the curves are markup, not escaped
    assert "<table" not in page and "<h2>" not in page  # nothing of the shipped template


def html_text(text: str) -> str:
    """``text`` as the template's autoescaping writes it."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def test_a_bad_template_is_named(report_inputs, tmp_path):
    patient, outcomes, _ = report_inputs
    typo = tmp_path / "typo.html.j2"
    typo.write_text("<h1>{{ patient_name }}</h1>")
    with pytest.raises(GaitTwinInputError, match=r"typo\.html\.j2'.*'patient_name' is undefined"):
        report_html(patient, outcomes[:1], template=typo)
    broken = tmp_path / "broken.html.j2"
    broken.write_text("ok\n{% for level in tasks %}")
    with pytest.raises(GaitTwinInputError, match=r"broken\.html\.j2', line 2: "):
        report_html(patient, outcomes, template=broken)
    with pytest.raises(GaitTwinInputError, match=r"none\.html\.j2': file not found"):
        report_html(patient, outcomes, template=tmp_path / "none.html.j2")


def test_the_summary_page_carries_the_reports_status_lines(report_inputs):
    """learn.report.prediction_status heads both; both mark the same levels "not a prediction"."""
    patient, outcomes, _ = report_inputs
    outcomes = [dataclasses.replace(o, measures=_without_curves(o.measures)) for o in outcomes]
    walking = _without_curves(patient.baseline)
    falling = _without_curves(_measures(sway_deg=5.0, falls=1))
    for who in (dataclasses.replace(patient, baseline=b) for b in (walking, falling)):
        status = prediction_status(who.baseline, outcomes)
        page = report_html(who, outcomes)
        figure = summary_figure(who, outcomes)
        assert status.text in [t.get_text() for t in figure.texts]
        assert html_text(status.text) in page
        levels = [t.get_text() for ax in figure.axes for t in ax.texts]
        marked = sum(text.endswith(f"({NOT_A_PREDICTION})") for text in levels)
        assert marked == page.count(f": {NOT_A_PREDICTION}</h3>")
        assert marked == (2 if who.baseline is walking else len(outcomes))


def test_screenshot_shows_a_normative_band_in_every_section(report_inputs, page, tmp_path):
    """Headless Chromium draws the grey band behind the curves of the baseline and every level."""
    _, outcomes, _ = report_inputs
    file = tmp_path / "report.html"
    file.write_text(page, encoding="utf-8")
    shot = tmp_path / "screenshot.png"
    width, height = 1200, 10000
    run_chromium(
        chromium_binary(),
        file,
        tmp_path / "profile",
        f"--screenshot={shot}",
        f"--window-size={width},{height}",
    )
    rgb = matplotlib.image.imread(shot)[..., :3]
    drawn = np.flatnonzero(~(rgb > 0.98).all(axis=(1, 2)))
    assert drawn.max() < height - 200  # the whole page is in the shot
    # the band's grey (#d9d9d9): rows with a wide stretch of it, one run per figure
    band = (np.abs(rgb - 0xD9 / 255).max(axis=2) < 0.02).sum(axis=1) > 60
    index = np.flatnonzero(band)
    runs = np.split(index, np.flatnonzero(np.diff(index) > 40) + 1)
    assert len(runs) == 1 + len(outcomes), [(int(r[0]), len(r)) for r in runs]
    assert all(len(r) > 60 for r in runs)  # tall as a plot, not a line


def test_the_docs_example_renders_a_saved_prediction_with_a_clinics_template(
    report_inputs, tmp_path, monkeypatch
):
    """The Python block of docs/report.md, on a folder laid out as gaittwin-predict writes it."""
    patient, outcomes, _ = report_inputs
    out = tmp_path / "out" / "patient_07"
    (out / "outcomes").mkdir(parents=True)
    (out / "baseline.json").write_text(json.dumps(dataclasses.asdict(patient.baseline)))
    for o in outcomes[:2]:
        record = dataclasses.asdict(dataclasses.replace(o, media=None))
        (out / "outcomes" / f"{o.task}_{o.level}.json").write_text(json.dumps(record))
    shutil.copy(patient.baseline_media, out / "baseline.gif")
    shipped = REPORT_TEMPLATE.read_text(encoding="utf-8")
    (tmp_path / "klinik.html.j2").write_text(
        shipped.replace("<h2>Flat-ground baseline</h2>", "<h2>Gehen in der Ebene</h2>")
    )
    docs = Path(__file__).resolve().parents[2] / "docs" / "report.md"
    blocks = re.findall(r"```python\n(.*?)```", docs.read_text(encoding="utf-8"), re.S)
    (code,) = [block for block in blocks if "write_report" in block]
    monkeypatch.chdir(tmp_path)
    exec(compile(code, str(docs), "exec"), {})  # the page's own example
    page = (out / "report_de.html").read_text(encoding="utf-8")
    assert "<h2>Gehen in der Ebene</h2>" in page and "Flat-ground baseline" not in page
    assert page.count("<svg") == 1 + 2 and 'id="slope-1"' in page


def test_a_prediction_renders_its_report_with_the_template_it_is_given(data_dir, tmp_path):
    shipped = REPORT_TEMPLATE.read_text(encoding="utf-8")
    assert shipped.count("<body>") == 1
    clinic = tmp_path / "clinic.html.j2"
    clinic.write_text(shipped.replace("<body>", "<body><p>Klinik Beispiel</p>"), encoding="utf-8")
    options = tiny_prediction_options()
    settings = dataclasses.replace(options["settings"], report_template=clinic)
    result = learn.predict_patient(data_dir / "xsens_mtw_walk", tmp_path / "out", settings)
    assert "<p>Klinik Beispiel</p>" in result.report.read_text(encoding="utf-8")
    args = build_parser().parse_args(
        ["walk", "--out", "o", "--allow-scratch", "--report-template", str(clinic)]
    )
    assert prediction_options(args)["settings"].report_template == clinic
    with pytest.raises(GaitTwinInputError, match="report_template: expected a Jinja2 template"):
        learn.PredictionSettings(allow_scratch=True, report_template=tmp_path / "none.j2")
