# Sphinx configuration for spmi's documentation (built with sphinx-build -W).
project = "spmi"
author = "the spmi developers"
copyright = "2026, the spmi developers"
release = "0.1.0"
extensions = []
exclude_patterns = ["_build"]
html_theme = "alabaster"
highlight_language = "none"
