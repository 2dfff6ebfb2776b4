from distutils.config import PyPIRCCommand
from setuptools import setup

setup(
    name="sdt-distutils-config",
    version="1.0",
    description="sdistill test project: setup.py imports " + PyPIRCCommand.__module__,
    py_modules=[],
)
