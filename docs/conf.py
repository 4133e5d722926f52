"""Sphinx configuration of the stickiness_research documentation site (``make docs``)."""

from __future__ import annotations

import sys
from pathlib import Path

DOCS = Path(__file__).resolve().parent
sys.path.insert(0, str(DOCS / "_ext"))

from stickiness_docs import NOTEBOOK_FORMATS  # noqa: E402

import stickiness_research  # noqa: E402

project = "stickiness_research"
author = "stickiness_research contributors"
copyright = "stickiness_research contributors, GPL-3.0-or-later"
release = version = stickiness_research.__version__

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.mathjax",
    "numpydoc",
    "myst_nb",
    "stickiness_docs",  # docs/_ext: the API pages from stickiness_research.__all__ and the CLI reference
]

# .py sources are the jupytext notebooks of analyses/ (docs/analyses links to them); conf.py and the
# helpers are not pages.
exclude_patterns = ["_build", "conf.py", "_ext", "analyses/README.md", "**/.ipynb_checkpoints"]
root_doc = "index"
language = "en"

# --- notebooks (MyST-NB) -------------------------------------------------------------------------------
nb_custom_formats = NOTEBOOK_FORMATS
# Outputs come from a jupyter-cache keyed by each notebook's code: `make test` stores the notebooks it
# executes (tests/test_notebooks.py) in this cache, so its docs build renders them without running them again;
# `make docs` alone executes only notebooks whose code is not in the cache.
nb_execution_mode = "cache"
nb_execution_cache_path = str(DOCS / "_build" / ".jupyter_cache")
nb_execution_timeout = 600  # a hang guard (as tests/test_notebooks.py), not a speed test
nb_execution_raise_on_error = True
nb_merge_streams = True
myst_enable_extensions = ["colon_fence", "deflist", "dollarmath"]
myst_heading_anchors = 3

# --- API reference (autodoc + numpydoc) ----------------------------------------------------------------
autodoc_typehints = "none"  # numpydoc's Parameters section carries the types
autodoc_member_order = "bysource"
autodoc_default_options = {"exclude-members": "model_config, model_fields, model_computed_fields"}
numpydoc_show_class_members = False  # members are documented by autodoc's :members:, no stub tables
numpydoc_class_members_toctree = False
numpydoc_attributes_as_param_list = True
numpydoc_xref_param_type = False

# --- HTML ----------------------------------------------------------------------------------------------
html_theme = "pydata_sphinx_theme"
html_title = "stickiness_research"
html_theme_options = {
    "navigation_with_keys": False,
    "show_toc_level": 2,
    "secondary_sidebar_items": ["page-toc"],
    "footer_start": ["copyright"],
    "footer_end": [],
}
html_sidebars = {"**": ["sidebar-nav-bs"]}
html_static_path: list[str] = []
html_last_updated_fmt = None
