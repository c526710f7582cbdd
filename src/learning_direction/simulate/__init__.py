"""Data-generating processes for every bundled dataset.

One module per design family; public generators are re-exported here so that
``learning_direction.simulate.<generator>`` works for every dataset.
"""
