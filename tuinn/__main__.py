"""`python -m tuinn` runs the same command as `tuinn`."""

from tuinn.cli import main

main()
