from setuptools import setup

setup(name="sdt-malformed-toml", version="1.0.0", python_requires=">=3.9")
