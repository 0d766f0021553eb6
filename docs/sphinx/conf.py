# Sphinx configuration for spmi's documentation (built with sphinx-build -W).
project = "spmi"
author = "the spmi developers"
copyright = "2026, the spmi developers"
release = "0.1.0"
extensions = []
exclude_patterns = ["_build"]
html_theme = "alabaster"
highlight_language = "none"

# `-b man` (CMakeLists.txt, SPMI_MAN_PAGES): the CLI reference as spmi(1),
# the descriptor format as spmi-descriptor(5).
man_pages = [
    ("cli", "spmi", "daemonless process manager", ["the spmi developers"], 1),
    ("descriptors", "spmi-descriptor", "spmi's task and project descriptor files", ["the spmi developers"], 5),
]
man_make_section_directory = False
