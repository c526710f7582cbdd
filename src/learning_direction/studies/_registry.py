"""The study names accepted by ``ld.run_study`` and their display titles.

Kept apart from ``studies/__init__.py`` so that a pipeline can look up its title without
importing its own parent package.
"""

from __future__ import annotations

__all__ = ["STUDIES", "study_title"]

# study name -> (module, title)
STUDIES: dict[str, tuple[str, str]] = {
    "study1": (".study1", "Study 1: learning direction and mentor engagement"),
    "study2a": (".study2", "Study 2A: learning opportunity as the mechanism"),
    "study2b": (".study2", "Study 2B: replication in a different industry mix"),
    "study3": (".study3", "Study 3: field study of mentors and their mentees"),
    "study4": (".study4", "Study 4: a downward-learning reflection experiment"),
    "advocacy": (".advocacy", "Authentic advocacy: advocacy × authenticity in a mentoring program"),
    "dyads": (".dyads", "Reverse mentoring and mutual benefit: a dyadic analysis"),
    "networks": (".networks", "Developmental networks: typology, reassessment and validity"),
    "motives": (
        ".motives",
        "Mentor motives: self- and other-focused motives, behaviours and outcomes",
    ),
}


def study_title(name: str, default: str) -> str:
    """The title of study ``name``, or that of ``default`` for a name not in :data:`STUDIES`.

    Examples
    --------
    >>> study_title("my_replication", "study1")
    'Study 1: learning direction and mentor engagement'
    """
    return STUDIES.get(name, STUDIES[default])[1]
