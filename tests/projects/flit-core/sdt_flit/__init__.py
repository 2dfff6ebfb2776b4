"""sdistill test project: flit-core, version and description from this module."""

__version__ = "0.9.0"
