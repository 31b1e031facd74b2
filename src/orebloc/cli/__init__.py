"""The ``orebloc`` command line: a thin layer over the library (every number comes from a core function)."""
