"""Importers for each raw public-data layout (see ``../shared/data/*/SOURCES.md``).

Each importer reads one layout family and returns an :class:`~orebloc.sources.schema.ImportResult`
of canonical tables; unknown layouts fail with file, row and column in the message.
"""
