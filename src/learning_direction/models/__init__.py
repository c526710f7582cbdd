"""Models: regression (OLS, logit, mixed), the bootstrap engine, mediation, moderation,
conditional process (moderated mediation), dyadic (APIM) and power analysis.

Numerics only: nothing here plots or reads files.
"""
