"""The documentation site builds with warnings as errors, renders in a browser, and its links hold.

The site is built as ``make docs NOTEBOOKS=quick`` builds it (Sphinx, ``-W --keep-going``, into
``docs/_build/html``), from the notebooks ``tests/test_notebooks.py`` executed with small
resample counts (this module runs after it, see ``conftest.py``; a notebook not executed yet is
executed here). Then:

* every internal link of every page, anchors included, points at a file of the site and at an
  element id in it (read from the HTML files: fast, complete);
* a headless Chromium (Playwright) opens the main pages: each has its title, no Sphinx error
  markers, no local file that fails to load, and its rendered links resolve too; the API page
  lists ``ld.mediate``.

Chromium: ``$LD_CHROMIUM``, else ``chromium``/``chromium-browser``/``google-chrome`` on the
PATH, else the one ``playwright install chromium`` downloaded. Without any, the browser test is
skipped with a message saying how to install one; the link check still runs.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urldefrag, urlsplit

import pytest

import learning_direction as ld

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
HTML = DOCS / "_build" / "html"

# pages opened in the browser (the others are checked for links only)
PAGES = [
    "index.html",
    "getting-started.html",
    "guide/index.html",
    "guide/study1.html",
    "guide/study2.html",
    "guide/study3.html",
    "guide/study4.html",
    "guide/motives.html",
    "guide/advocacy.html",
    "guide/reverse-mentoring.html",
    "guide/networks.html",
    "api/index.html",
    "api/generated/learning_direction.mediate.html",
    "notebooks/03_study2_mediation.html",
    "r-equivalents.html",
    "changelog.html",
    "citing.html",
    "about.html",
]
# what Sphinx and docutils leave in a page when something did not resolve or parse
ERROR_MARKERS = [".system-message", ".problematic", "div.admonition.error"]


@pytest.fixture(scope="module")
def site() -> Path:
    """Build the site (incrementally: an unchanged site takes seconds) and return its folder."""
    pytest.importorskip("sphinx", reason="the docs extra is not installed: make setup")
    env = {**os.environ, "LD_DOCS_NOTEBOOKS": os.environ.get("LD_DOCS_NOTEBOOKS", "quick")}
    cmd = [sys.executable, "-m", "sphinx", "-W", "--keep-going", "-q", "-b", "html"]
    cmd += ["-d", str(DOCS / "_build" / "doctrees"), str(DOCS), str(HTML)]
    done = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=3600)
    assert done.returncode == 0, f"make docs fails:\n{done.stderr[-6000:]}"
    return HTML


class _Page(HTMLParser):
    """The hrefs (of <a> and <link>) and element ids of one HTML page."""

    def __init__(self) -> None:
        super().__init__()
        self.hrefs: list[str] = []
        self.ids: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if a.get("id"):
            self.ids.add(str(a["id"]))
        if tag == "a" and a.get("name"):
            self.ids.add(str(a["name"]))
        if tag in {"a", "link"} and a.get("href"):
            self.hrefs.append(str(a["href"]))


_PARSED: dict[Path, _Page] = {}


def _parse(path: Path) -> _Page:
    if path not in _PARSED:
        page = _Page()
        page.feed(path.read_text(encoding="utf-8"))
        _PARSED[path] = page
    return _PARSED[path]


def broken_links(page: Path, hrefs: list[str], root: Path) -> list[str]:
    """The internal hrefs of ``page`` whose file, or whose #anchor in that file, is missing."""
    broken = []
    for href in hrefs:
        parts = urlsplit(href)
        if parts.scheme not in {"", "file"} or href.startswith("//"):
            continue  # an external link: not checked (the build machine may have no network)
        url, anchor = urldefrag(href)
        if parts.scheme == "file":
            target = Path(unquote(parts.path))
        else:
            target = (page.parent / unquote(urlsplit(url).path)).resolve() if url else page
        if target.is_dir():
            target = target / "index.html"
        if not target.is_file() or root.resolve() not in target.resolve().parents:
            broken.append(f"{href} (no file {target})")
        elif anchor and target.suffix == ".html" and unquote(anchor) not in _parse(target).ids:
            broken.append(f"{href} (no id {anchor!r} in {target.name})")
    return broken


def test_broken_links_are_found(tmp_path):
    (tmp_path / "a.html").write_text('<h1 id="top">A</h1><a href="b.html#x">b</a>')
    (tmp_path / "b.html").write_text(
        '<p id="y">B</p><a href="a.html#top"></a><a href="c.html"></a>'
    )
    a, b = tmp_path / "a.html", tmp_path / "b.html"
    assert broken_links(a, _parse(a).hrefs, tmp_path) == ["b.html#x (no id 'x' in b.html)"]
    assert broken_links(b, _parse(b).hrefs, tmp_path)[0].startswith("c.html (no file")
    assert broken_links(b, ["https://example.org/#z", "mailto:x@y.z", "#y"], tmp_path) == []


def test_every_internal_link_resolves(site):
    # the site's pages; _static/ holds the theme's assets (a Jinja macro file among them)
    pages = sorted(p for p in site.rglob("*.html") if "_static" not in p.relative_to(site).parts)
    assert len(pages) > 100
    guide = {p.stem for p in (site / "guide").glob("*.html")}
    assert {"study1", "study2", "study3", "study4", "motives", "advocacy", "networks"} <= guide
    assert {"reverse-mentoring", "index"} <= guide
    assert len(list((site / "notebooks").glob("*.html"))) == len(
        list((ROOT / "notebooks").glob("*.ipynb"))
    )
    broken = {}
    for page in pages:
        bad = broken_links(page, _parse(page).hrefs, site)
        if bad:
            broken[str(page.relative_to(site))] = bad
    assert not broken, f"broken internal links: {broken}"


def test_api_reference_has_a_page_per_public_name(site):
    generated = {
        p.stem.removeprefix("learning_direction.")
        for p in (site / "api" / "generated").glob("*.html")
    }
    assert set(ld.__all__) <= generated, sorted(set(ld.__all__) - generated)


def _chromium() -> str | None:
    """A Chromium executable: $LD_CHROMIUM, the PATH, or Playwright's own download."""
    for candidate in (
        os.environ.get("LD_CHROMIUM"),
        "chromium",
        "chromium-browser",
        "google-chrome",
    ):
        found = candidate and shutil.which(candidate)
        if found:
            return found
    try:
        from playwright.sync_api import sync_playwright

        with sync_playwright() as p:
            path = p.chromium.executable_path
        return path if Path(path).is_file() else None
    except Exception:  # no Playwright driver or no browser: skipped by the caller
        return None


def test_pages_render_in_a_browser(site):
    sync_api = pytest.importorskip(
        "playwright.sync_api", reason="Playwright is not installed: make setup"
    )
    chromium = _chromium()
    if chromium is None:
        pytest.skip(
            "no Chromium found for the browser test: install one (Debian: apt-get install "
            "chromium; or .venv/bin/playwright install chromium) or set LD_CHROMIUM"
        )
    problems: dict[str, list[str]] = {}
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, headless=True, args=["--no-sandbox"])
        page = browser.new_page()
        failed: list[str] = []
        page.on(
            "requestfailed", lambda r: failed.append(r.url) if r.url.startswith("file:") else None
        )
        for name in PAGES:
            failed.clear()
            path = site / name
            assert path.is_file(), f"{name} was not built"
            page.goto(path.as_uri(), wait_until="load")
            found = []
            title = page.title()
            if (
                "learning_direction" not in title
                or not page.locator("h1").first.inner_text().strip()
            ):
                found.append(f"title {title!r} or no heading")
            found += [f"{sel} in the page" for sel in ERROR_MARKERS if page.locator(sel).count()]
            found += [f"cannot load {url}" for url in failed]
            hrefs = page.eval_on_selector_all(
                "a[href]", "els => els.map(e => e.getAttribute('href'))"
            )
            found += broken_links(path, hrefs, site)
            if found:
                problems[name] = found
        api = site / "api" / "index.html"
        page.goto(api.as_uri())
        link = page.locator("a[href='generated/learning_direction.mediate.html']").first
        assert link.count() == 1 and "mediate" in link.inner_text(), (
            "the API page does not list ld.mediate"
        )
        link.click()
        page.wait_for_load_state()
        assert page.locator("dt#learning_direction\\.mediate").count() == 1, page.url
        notebook = site / "notebooks" / "03_study2_mediation.html"
        page.goto(notebook.as_uri())
        images = page.locator("img").evaluate_all(
            "els => els.filter(e => e.naturalWidth > 0).length"
        )
        assert images >= 2, f"the executed notebook page shows {images} figure(s)"
        browser.close()
    assert not problems, problems
