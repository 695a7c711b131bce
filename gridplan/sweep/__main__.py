"""``python -m gridplan.sweep sweep SWEEP.yaml --out DIR``: the gridplan command line with the sweep commands mounted.

Works whether or not ``gridplan/cli.py`` already mounts them.
"""

from gridplan.cli import app, main
from gridplan.sweep.commands import register

if not any(c.name in ("sweep", "sweep-summary") for c in app.registered_commands):
    register(app)

if __name__ == "__main__":
    main()
