"""Developmental networks: ego-network metrics, the Higgins & Kram typology and wave-to-wave change.

A developmental network is the small set of people ("developers", here *alters*) who take an
active interest in a person's (the *ego*'s) career (Higgins & Kram, 2001). The input is an
egocentric alter table in long format, one row per ego × alter (× wave), e.g.

=========  =========  ==========  ==============  =================  =========  =========
ego_id     alter_id   role        relative_level  sphere             closeness  frequency
=========  =========  ==========  ==============  =================  =========  =========
E01        A1         supervisor  up              same organisation  4          5
E01        A2         friend      lateral         community          5          3
=========  =========  ==========  ==============  =================  =========  =========

plus optional ``career_support`` / ``psychosocial_support`` (0/1 or a 1–5 rating), ``wave``, and a
separate table of alter–alter ties (``ego_id, alter_a, alter_b`` (+ ``wave``)).

Modules: :mod:`.columns` (the column names as one :class:`NetworkColumns`, the level and sphere
codes, the check of an alter table), :mod:`.ties` (the alter–alter ties table),
:mod:`.typology` (the Higgins & Kram split), :mod:`.participation` (the record of who answered
at each wave: no answer gives missing metrics, not an empty network), :mod:`.metrics`
(:func:`network_metrics`) and :mod:`.change` (:func:`network_change`).

Codes
-----
``relative_level`` (the alter's position relative to the ego): ``up``, ``lateral``, ``down``;
also accepted, case-insensitively: upward/above/higher, peer/same level, downward/below/lower.

``sphere`` (the social system the alter belongs to): ``same_organisation``,
``other_organisation``, ``professional_association``, ``family``, ``community``, ``school``;
readable forms are accepted case-insensitively (``"Same organization"``, ``"other org"``,
``"Professional"``, ``"education"``, ...).
"""

from __future__ import annotations

from .change import NetworkChangeResult, network_change
from .columns import LEVELS, NETWORK_TYPES, SPHERES, NetworkColumns, validate_alters
from .metrics import NetworkMetricsResult, network_metrics

__all__ = [
    "LEVELS",
    "NETWORK_TYPES",
    "SPHERES",
    "NetworkChangeResult",
    "NetworkColumns",
    "NetworkMetricsResult",
    "network_change",
    "network_metrics",
    "validate_alters",
]
