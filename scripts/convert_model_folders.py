"""Convert model folders written with pickles to formats that cannot run code (issue 21).

Usage::

    .venv/bin/python scripts/convert_model_folders.py models/atlas models/patients ...

``vecnormalize.pkl`` becomes ``normaliser.json``, ``rng.pkl`` becomes ``rng.npz``, a
``discriminator.pt`` holding a whole module becomes its state dict; the pickles are deleted.
This UNPICKLES the old files: run it only on folders you trust (see docs/model-folders.md).
"""

from __future__ import annotations

import argparse
import logging

from learn.runs import convert_model_folders


def main() -> None:
    """Convert the folders named on the command line, logging each file converted."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folders", nargs="+", help="trusted model folders, searched recursively")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    for folder in args.folders:
        convert_model_folders(folder)


if __name__ == "__main__":
    main()
