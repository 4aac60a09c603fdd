"""``python -m runyard …`` runs the ``runyard`` command."""

import sys

from runyard.cli.main import main

sys.exit(main())
