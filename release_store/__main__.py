"""The release store's program: one ReleaseStore, its bucket and repository exported."""

from farm_deploy.release_store_program import main

main()
