"""The base layer every other part of the package builds on.

``results`` (the shared behaviour of result objects), ``format`` (the one number formatter),
``checks`` (option checks), ``data`` (input checks and listwise deletion with a record),
``resources`` (the bundled folders), ``provenance`` (versions and hashes) and ``plotting`` (how
a result's ``.plot()`` reaches the figures layer). Nothing here imports another part of the
package except :mod:`learning_direction.exceptions`.
"""
