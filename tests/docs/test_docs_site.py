"""The documentation site, API reference included, builds strictly and shows every public name."""

import importlib
import pkgutil
import subprocess
import sys
from pathlib import Path

import pytest

import learn

ROOT = Path(__file__).resolve().parents[2]

#: Each API reference page (``docs/api/<page>.md``) and the package it documents.
API_PAGES = {
    "imu": "imu",
    "gait": "gait",
    "sim": "sim",
    "learn": "learn",
    **{
        f"learn-{module.name}": f"learn.{module.name}"
        for module in pkgutil.iter_modules(learn.__path__)
        if module.ispkg  # every sub-package of learn has its page
    },
}


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    """The site built with ``mkdocs build --strict`` (as ``make docs`` does) into a tmp folder."""
    site_dir = tmp_path_factory.mktemp("site")
    result = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(site_dir)],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "WARNING" not in result.stderr, result.stderr
    return site_dir


def test_every_api_page_is_in_the_nav():
    nav = (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    pages = {path.stem for path in (ROOT / "docs" / "api").glob("*.md")}
    assert pages == set(API_PAGES)
    for page in API_PAGES:
        assert f"api/{page}.md" in nav, page


@pytest.mark.parametrize("page", sorted(API_PAGES))
def test_api_page_shows_every_public_name(site, page):
    package = API_PAGES[page]
    html = (site / "api" / page / "index.html").read_text(encoding="utf-8")
    missing = [
        name
        for name in importlib.import_module(package).__all__
        if f'id="{package}.{name}"' not in html
    ]
    assert not missing, f"{package}: not in the API reference: {missing}"


@pytest.mark.parametrize("page", sorted(API_PAGES))
def test_api_page_has_no_sphinx_markup_left(site, page):
    html = (site / "api" / page / "index.html").read_text(encoding="utf-8")
    for markup in (":func:`", ":class:`", ":mod:`", ":data:`", ":meth:`", ":math:`", ".. math::"):
        assert markup not in html, (page, markup)


def test_cross_references_become_links(site):
    html = (site / "api" / "imu" / "index.html").read_text(encoding="utf-8")
    # imu.JobResult's docstring names :func:`run_jobs` (module imu._jobs): a link to imu.run_jobs
    start = html.index('id="imu.JobResult"')
    assert 'href="#imu.run_jobs"' in html[start : html.index('id="imu.JointAngles"')]
