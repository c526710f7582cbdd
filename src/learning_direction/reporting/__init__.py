"""Reporting: APA-style text, tables (markdown/HTML/LaTeX) and the self-contained HTML report."""
