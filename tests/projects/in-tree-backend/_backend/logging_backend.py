"""A PEP 517 backend wrapping setuptools.build_meta that logs each hook it runs.

Every hook call appends one JSON line to the file named by $SDISTILL_TEST_HOOK_LOG
(if set): {"hook", "config_settings", "pid", "executable"}. Config settings whose key
starts with "sdt-" are logged and then removed before setuptools sees them.
$SDISTILL_TEST_HOOK_SLEEP (seconds) makes prepare_metadata/build hooks slow, so that
tests can make concurrent callers overlap.
"""

import json
import os
import sys
import time

from setuptools import build_meta as _inner


def _log(hook, config_settings):
    path = os.environ.get("SDISTILL_TEST_HOOK_LOG")
    if path:
        line = json.dumps(
            {
                "hook": hook,
                "config_settings": config_settings,
                "pid": os.getpid(),
                "executable": sys.executable,
            }
        )
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            os.write(fd, (line + "\n").encode())
        finally:
            os.close(fd)


def _sleep():
    delay = os.environ.get("SDISTILL_TEST_HOOK_SLEEP")
    if delay:
        time.sleep(float(delay))


def _strip(config_settings):
    if not config_settings:
        return config_settings
    return {k: v for k, v in config_settings.items() if not k.startswith("sdt-")}


def get_requires_for_build_wheel(config_settings=None):
    _log("get_requires_for_build_wheel", config_settings)
    return _inner.get_requires_for_build_wheel(_strip(config_settings))


def get_requires_for_build_editable(config_settings=None):
    _log("get_requires_for_build_editable", config_settings)
    return _inner.get_requires_for_build_editable(_strip(config_settings))


def get_requires_for_build_sdist(config_settings=None):
    _log("get_requires_for_build_sdist", config_settings)
    return _inner.get_requires_for_build_sdist(_strip(config_settings))


def prepare_metadata_for_build_wheel(metadata_directory, config_settings=None):
    _log("prepare_metadata_for_build_wheel", config_settings)
    _sleep()
    return _inner.prepare_metadata_for_build_wheel(metadata_directory, _strip(config_settings))


def prepare_metadata_for_build_editable(metadata_directory, config_settings=None):
    _log("prepare_metadata_for_build_editable", config_settings)
    _sleep()
    return _inner.prepare_metadata_for_build_editable(metadata_directory, _strip(config_settings))


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    _log("build_wheel", config_settings)
    _sleep()
    return _inner.build_wheel(wheel_directory, _strip(config_settings), metadata_directory)


def build_editable(wheel_directory, config_settings=None, metadata_directory=None):
    _log("build_editable", config_settings)
    _sleep()
    return _inner.build_editable(wheel_directory, _strip(config_settings), metadata_directory)


def build_sdist(sdist_directory, config_settings=None):
    _log("build_sdist", config_settings)
    return _inner.build_sdist(sdist_directory, _strip(config_settings))
