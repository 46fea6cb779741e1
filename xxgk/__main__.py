import sys

from xxgk.cli import main

sys.exit(main())
