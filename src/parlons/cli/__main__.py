import sys

from parlons.cli import main

sys.exit(main())
