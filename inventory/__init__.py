"""Equipment inventory and maintenance for schools and public buildings."""

import os

# Piccolo finds its engine through this module; set before any Piccolo look-up.
os.environ.setdefault("PICCOLO_CONF", "inventory.core.piccolo_conf")
