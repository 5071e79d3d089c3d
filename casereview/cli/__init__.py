"""The command line, one module per group of commands (`python -m casereview COMMAND`; the parser is built in
``casereview/__main__.py``).

Each group module registers its commands with ``add_parsers(sub)`` and imports what a command uses only when that
command runs, so that building the parser (and `screen`) stays light.
"""
