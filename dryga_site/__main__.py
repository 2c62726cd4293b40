"""``python -m dryga_site``: the authoring commands."""

from .cli import main

main()
