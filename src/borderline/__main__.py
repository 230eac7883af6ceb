"""``python -m borderline`` runs the CLI."""

from borderline.cli import main

main()
