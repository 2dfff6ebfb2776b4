from setuptools import setup

setup(
    name="sdt-setup-py",
    version="1.0.0",
    description="sdistill test project: setuptools with setup.py only",
    packages=["sdt_setup_py"],
    python_requires=">=3.9",
    install_requires=[
        "packaging>=20",
        'tomli>=1.1; python_version < "3.11"',
    ],
    extras_require={
        "cli": ["click>=8"],
        "win": ['colorama>=0.4; sys_platform == "win32"'],
    },
)
