"""``python -m recall_risk.cli``."""

import sys

from recall_risk.cli import main

sys.exit(main())
