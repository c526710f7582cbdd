"""Sphinx configuration of the learning_direction site (``make docs``; see docs/about.md)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

DOCS = Path(__file__).resolve().parent
ROOT = DOCS.parent
sys.path.insert(0, str(DOCS / "_ext"))
sys.path.insert(0, str(ROOT / "src"))

import learning_direction as ld  # noqa: E402

project = "learning_direction"
author = "learning_direction developers"
copyright = "the learning_direction developers; GPL-3.0-or-later"  # noqa: A001
release = version = ld.__version__

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
    "numpydoc",
    "myst_nb",
    "ld_notebooks",  # executes notebooks/ (cached) into docs/notebooks/
    "ld_checks",  # the API page lists every public name; guide pages link to real objects
]

source_suffix = {".rst": "restructuredtext", ".md": "myst-nb", ".ipynb": "myst-nb"}
root_doc = "index"
exclude_patterns = ["_build", "_ext", "_templates", "**.ipynb_checkpoints", "README.md"]
templates_path = ["_templates"]

# -- the API reference (from the numpydoc docstrings) -----------------------------------------
autosummary_generate = True
autosummary_imported_members = True
autodoc_default_options = {"members": True, "undoc-members": False, "inherited-members": False}
autodoc_typehints = "none"  # the numpydoc "Parameters" sections give the types
autodoc_member_order = "bysource"
numpydoc_show_class_members = False  # members are listed by the class template instead
numpydoc_class_members_toctree = False
numpydoc_xref_param_type = False

# -- the notebooks: executed by ld_notebooks (cache), rendered as they are --------------------
# "full" (the counts written in the notebooks) or "quick" (the tests' small counts): see about.md
ld_notebook_parameters = os.environ.get("LD_DOCS_NOTEBOOKS", "full")
nb_execution_mode = "off"
nb_output_stderr = "show"
nb_merge_streams = True
myst_enable_extensions = ["colon_fence", "dollarmath", "deflist", "substitution"]
myst_substitutions = {"version": release}
myst_heading_anchors = 3
# the notebooks start with a level-1 title and may jump from it to level-3 headings
suppress_warnings = ["myst.header"]

# -- HTML --------------------------------------------------------------------------------------
html_theme = "pydata_sphinx_theme"
html_title = f"learning_direction {release}"
html_static_path: list[str] = []
html_show_sourcelink = False
html_copy_source = False
html_theme_options = {
    "navigation_with_keys": False,
    "show_toc_level": 2,
    "footer_start": ["copyright"],
    "footer_end": ["sphinx-version"],
    "secondary_sidebar_items": ["page-toc"],
    "header_links_before_dropdown": 8,
    # the machine building the site may have no network: nothing fetched at build or view time
    "check_switcher": False,
}
html_context = {"default_mode": "light"}
