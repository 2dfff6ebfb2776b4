from setuptools import setup

# Like some old setup.py files: markers are used only when the setuptools of the build
# environment "supports" them, which is asked through pkg_resources -- without it the
# dependency silently disappears from the metadata.
try:
    import pkg_resources  # noqa: F401

    extras = {":python_version >= '3'": ["sdt-marker-dependency"]}
except ImportError:
    extras = {}

setup(
    name="sdt-pkg-resources-optional",
    version="1.0",
    description="sdistill test project: metadata that depends on the build's setuptools",
    packages=["sdt_optional"],
    extras_require=extras,
)
