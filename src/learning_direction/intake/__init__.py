"""Getting a user's data in: survey files (``io``) and pseudonymisation (``privacy``).

The bundled simulated datasets are :mod:`learning_direction.datasets` (``ld.datasets``), next to
the simulators that make them.
"""
