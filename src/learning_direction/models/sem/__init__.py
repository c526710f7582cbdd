"""A structural-equation-model engine that reproduces lavaan: syntax, single-level and two-level ML."""
