"""``python -m sdistill``: the same as the ``sdistill`` command."""

from __future__ import annotations

import sys

from sdistill.cli import main

if __name__ == "__main__":
    sys.exit(main())
