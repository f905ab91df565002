import sys

from farm_deploy.cli import main

sys.exit(main())
