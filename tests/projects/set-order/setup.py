import os

from setuptools import setup

# The iteration order of a set of strings follows the interpreter's hash seed.
FLAVOURS = {"anise", "basil", "caraway", "dill", "fennel", "ginger", "hyssop", "juniper"}

setup(
    name="sdt-set-order",
    version="1.0",
    description=f"seed {os.environ.get('PYTHONHASHSEED', 'unset')}: " + " ".join(FLAVOURS),
    extras_require={flavour: [] for flavour in FLAVOURS},
    py_modules=[],
)
