"""``python -m dryga_site``: the authoring commands."""

from .authoring.cli import main

main()
