"""Allows `python -m compliance`."""

from compliance.cli import main

if __name__ == "__main__":
    main()
