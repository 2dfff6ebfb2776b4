# What `import distutils` raises on Python 3.12 and later when nothing provides it.
raise ModuleNotFoundError("No module named 'distutils'", name="distutils")
