"""The Pulumi program: read the stack's config, plan the stage, build it, export."""

from farm_deploy.program import main

main()
