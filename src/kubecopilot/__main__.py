import sys

from kubecopilot.cli import main

sys.exit(main())
