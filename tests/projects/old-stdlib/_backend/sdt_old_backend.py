"""A backend from before Python 3.10: ``prepare_metadata_for_build_wheel`` does what
``$SDT_OLD_STDLIB`` says -- ``mapping``: ``from collections import Mapping`` (moved to
``collections.abc``, gone from ``collections`` in 3.10), ``attribute``:
``collections.Mapping``, ``removed``: import ``$SDT_OLD_MODULE``, a standard-library
module this Python removed (``imp`` from 3.12, ``binhex`` from 3.11)."""

import importlib
import os


def prepare_metadata_for_build_wheel(metadata_directory, config_settings=None):
    what = os.environ.get("SDT_OLD_STDLIB")
    if what == "mapping":
        from collections import Mapping  # noqa: F401, UP035
    elif what == "attribute":
        import collections

        collections.Mapping  # noqa: B018
    elif what == "removed":
        importlib.import_module(os.environ["SDT_OLD_MODULE"])
    raise RuntimeError("nothing old was asked for")


def get_requires_for_build_wheel(config_settings=None):
    return []
