"""A backend whose ``prepare_metadata_for_build_wheel`` misbehaves, as ``$SDT_HANG_MODE``
says, and records what it started in ``$SDT_PIDS`` (one JSON object per line):

- ``hang``: makes a temporary file (recorded: where ``TMPDIR`` put it), starts a
  ``sleep 300`` of its own, and never returns;
- ``detach``: starts ``sleep 300`` in the background holding the hook's output open
  (as ``sleep 300 &`` in a shell would), and returns the metadata at once.
"""

import json
import os
import subprocess
import tempfile
import time

NAME, VERSION = "sdt_hang", "1.0"


def _record(**fields):
    fields.update(pid=os.getpid(), ppid=os.getppid())
    with open(os.environ["SDT_PIDS"], "a", encoding="utf-8") as f:
        f.write(json.dumps(fields) + "\n")


def prepare_metadata_for_build_wheel(metadata_directory, config_settings=None):
    mode = os.environ.get("SDT_HANG_MODE", "")
    if mode == "hang":
        fd, scratch = tempfile.mkstemp(prefix="sdt-scratch-")
        os.close(fd)
        sleeper = subprocess.Popen(["sleep", "300"])
        _record(scratch=scratch, sleeper=sleeper.pid)
        while True:
            time.sleep(1)
    if mode == "detach":
        sleeper = subprocess.Popen(["sleep", "300"])  # inherits stdout and stderr
        _record(sleeper=sleeper.pid)
    dist_info = os.path.join(metadata_directory, f"{NAME}-{VERSION}.dist-info")
    os.makedirs(dist_info)
    with open(os.path.join(dist_info, "METADATA"), "w", encoding="utf-8") as f:
        f.write(f"Metadata-Version: 2.1\nName: sdt-hang\nVersion: {VERSION}\n")
    return os.path.basename(dist_info)


def get_requires_for_build_wheel(config_settings=None):
    return []


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    raise RuntimeError("sdt_hang builds no wheels")
