"""``python -m gridplan`` runs the command line."""

from gridplan.cli import main

main()
