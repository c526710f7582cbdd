"""Scales: the codebook model, scoring, reliability, CFA, profiles and response-quality checks."""
