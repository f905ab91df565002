from farm_deploy.cli import entry

entry()
