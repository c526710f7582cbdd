"""``python -m learning_direction``: the same as the ``learning-direction`` command."""

from __future__ import annotations

import sys

from .cli import main

if __name__ == "__main__":  # pragma: no branch
    sys.exit(main())
