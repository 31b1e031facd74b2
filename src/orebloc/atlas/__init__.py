"""The atlas: canonical supply-chain tables on DuckDB, built from the bundled dataset.

- :mod:`orebloc.atlas.build`   rebuilds the derived dataset from a raw-data folder
- :mod:`orebloc.atlas.dataset` locates the bundled (or a user's) dataset
- :mod:`orebloc.atlas.store`   the :class:`Atlas`: DuckDB views and queries
- :mod:`orebloc.atlas.blocs`   bloc membership from a TOML file
- :mod:`orebloc.atlas.shares`  shares of a total, with the published totals' rounding tolerance
- :mod:`orebloc.atlas.prices`  market prices in USD/t from the USGS price series
- :mod:`orebloc.atlas.published` published shares of one country where no source gives them all
"""
