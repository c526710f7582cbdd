"""Checks of the site, reported as Sphinx warnings (errors under ``make docs``, which uses -W).

* Every public name (``learning_direction.__all__``) has its page in the API reference.
* A reference to a Python object written in a page of the site (user guide, R equivalents,
  getting started, ...) resolves. Sphinx reports an unresolved reference only in nitpicky mode,
  which would also flag the many types named in the docstrings (``DataFrame``, ``ndarray``)
  that have no page here; this check applies to the site's own pages only.
"""

from __future__ import annotations

from typing import Any

from sphinx.util import logging

logger = logging.getLogger(__name__)

# the API pages (their text comes from the docstrings) and the notebooks: not written here
_GENERATED = ("api/", "notebooks/")


def _missing_reference(app: Any, env: Any, node: Any, contnode: Any) -> None:
    refdoc = node.get("refdoc", "")
    if node.get("refdomain") == "py" and not refdoc.startswith(_GENERATED):
        logger.warning(
            "unresolved reference to %r (%s)",
            node.get("reftarget"),
            node.get("reftype"),
            location=node,
        )


def _check_api_complete(app: Any, env: Any) -> None:
    import learning_direction as ld

    documented = set(env.get_domain("py").objects)
    missing = [name for name in ld.__all__ if f"learning_direction.{name}" not in documented]
    if missing:
        logger.warning(
            "the API reference (docs/api/index.rst) does not document these public names: %s",
            ", ".join(missing),
        )


def setup(app: Any) -> dict[str, Any]:
    app.connect("missing-reference", _missing_reference)
    app.connect("env-check-consistency", _check_api_complete)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
