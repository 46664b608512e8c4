"""``python -m sitewatch``: the command line."""

from sitewatch.cli.main import main

main()
