"""``python -m archiver``: the same command line as the ``archiver`` script (the scheduler runs crawls so)."""

from archiver.cli import main

if __name__ == "__main__":
    main()
