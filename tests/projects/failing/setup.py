import sys

from setuptools import setup

if "bdist_wheel" in sys.argv:
    raise RuntimeError("sdt-failing: SDT_BUILD_FAILS_ON_PURPOSE")

setup(
    name="sdt-failing",
    version="0.0.1",
    description="sdistill test project: its wheel build always fails",
    packages=["sdt_failing"],
    python_requires=">=3.9",
    install_requires=['six; python_version >= "3"'],
    extras_require={"extra": ["attrs"]},
)
