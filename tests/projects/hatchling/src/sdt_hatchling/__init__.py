from sdt_hatchling.__about__ import __version__ as __version__
