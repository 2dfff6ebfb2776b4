from setuptools import setup

setup(
    name="sdt-no-setuptools-listed",
    version="1.0",
    description="sdistill test project: build-system.requires lacks setuptools",
    py_modules=[],
)
