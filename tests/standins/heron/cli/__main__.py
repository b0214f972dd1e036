"""Run the STAND-IN heron CLI (tests only): python -m standins.heron.cli submit|kill|activate|deactivate ..."""

import sys

from . import main

sys.exit(main(sys.argv[1:]))
