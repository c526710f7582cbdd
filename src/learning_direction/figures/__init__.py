"""Figures: one module per figure family; every function takes ``ax=None`` and returns the Axes."""
