import pkg_resources
from setuptools import setup

# An old habit: the version of a dependency read through pkg_resources at build time.
SETUPTOOLS = pkg_resources.get_distribution("setuptools").version

setup(
    name="sdt-pkg-resources",
    version="1.0",
    description="sdistill test project: setup.py imports pkg_resources",
    packages=["sdt_pkg_resources"],
)
