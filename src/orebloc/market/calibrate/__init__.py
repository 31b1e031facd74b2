"""Calibration: a :class:`~orebloc.market.model.Market` from the atlas, with the provenance of every input.

Units: quantities in tonnes (t) on the production's basis (contained metal, REO, gross
weight), prices in USD per tonne of that basis (USD/t). For each input the provenance table
says where it came from: ``atlas`` (with row references), ``sourced`` (``data/consumption.csv``,
a published figure with its trust level: primary, secondary or press), ``gap-fill``
(``data/gapfill.csv`` with its published source), ``default`` (``params.csv`` with its source),
``assumption`` (a documented prior from ``data/priors.csv``, with its low/high range, or another
assumption), ``derived`` (world balance, import-value proxy) or ``override`` (given by the user);
its ``category`` groups them as sourced, derived, prior-assumption, assumption, default, override.

- Supply q0 by zone: USGS production by country (atlas), converted to tonnes; the "Other
  countries" residual and any gap to the reported world total go to the rest-of-world zone.
  Where the atlas has no production by country, the gap-fill table's world total is split by
  the EU CRM 2023 supplier shares (atlas table ``supplier_shares``), the rest to the rest of
  the world. Neither, at a stage with published shares of single countries (refining: rare
  earths, cobalt, nickel, lithium, tungsten): the shares times a world refined total
  (``refined``; a sourced world figure, else the mine stage's world output with a range, an
  assumption), each zone's q0 with a low/high range (:attr:`Calibration.supply_ranges`, recorded,
  not drawn). None: :class:`CalibrationError`, never an invented number.
- Capacity: atlas capacity by country (nearest year on the same basis), else ``params.csv``.
- Demand d0 by zone, in this order (override > sourced > prior): a user override; apparent
  consumption from BACI trade (:func:`orebloc.metrics.trade_reliance.trade_import_reliance`);
  published figures, USGS US consumption (same basis, the calibration year or the nearest
  within 3 years) and the consumption table (shares of world use, or tonnes), where several
  disagree a low/high range, not an average (``consumption``); the **import-value proxy** for
  zones other than the rest-of-world zone, d0_z = d0_a x V_z / V_a on BACI import values,
  anchored on a zone with a published figure (``proxy``); a documented **prior**, a share of world
  use with a low/high range and its basis (``priors``). The rest-of-world zone takes the world
  balance (world demand = world supply), or, when it has a figure, the one zone left without
  one; when every zone has a figure, the difference to world supply goes to the rest-of-world
  zone and is reported. A zone no figure, proxy or prior covers is an error naming it and why.
  Inputs with a range are :attr:`Calibration.ranges`: a scenario draws them (triangular) unless
  its file sets them.
- Baseline price p0: the USGS price series named in ``atlas/data/price_series.csv`` (converted to
  USD/t of the basis), else a gap-fill ``price`` row, else at the refining stage the mine
  stage's series as a stand-in (``assumption``), else an error.
- Elasticities and spare capacity: ``params.csv`` defaults. Transport: 0 USD/t (assumption).
- By-products (gallium, germanium, indium, tellurium; ``byproducts``, ``data/byproducts.csv``):
  recycled supply (a share of world use, placed where the metal is used) is added to q0, and
  the recovery elasticity replaces the ``params.csv`` eta; a user override wins.

Package layout, one module per input: ``supply`` (q0), ``capacity`` (K), ``price`` (p0),
``demand`` (d0, with ``consumption``, ``proxy`` and ``priors``), ``byproducts`` (recycled supply, recovery elasticity), ``refined`` (refined-stage supply from
published shares, the refining price stand-in, :func:`market_stages`), ``overrides`` (the keys a user
may set), ``gapfill`` and ``tables`` (the bundled tables, validated), ``provenance`` (rows, the
result, and the :class:`Case` and :class:`Ledger` one calibration fills) and ``core``
(:func:`calibrate`).
"""

from orebloc.market.calibrate.core import calibrate
from orebloc.market.calibrate.gapfill import GAPFILL_COLUMNS, GAPFILL_ITEMS, GapFill, gapfill_rows
from orebloc.market.calibrate.overrides import GLOBAL_KEYS, ZONE_KEYS
from orebloc.market.calibrate.provenance import (
    CATEGORIES,
    KINDS,
    PROVENANCE_COLUMNS,
    Calibration,
    CalibrationError,
    Case,
    Ledger,
    Provenance,
)
from orebloc.market.calibrate.proxy import PROXY_OWN_OUTPUT_MAX, ImportValues, zone_import_values
from orebloc.market.calibrate.refined import market_stages

__all__ = [
    "CATEGORIES",
    "GAPFILL_COLUMNS",
    "GAPFILL_ITEMS",
    "GLOBAL_KEYS",
    "KINDS",
    "PROVENANCE_COLUMNS",
    "PROXY_OWN_OUTPUT_MAX",
    "ZONE_KEYS",
    "Calibration",
    "CalibrationError",
    "Case",
    "GapFill",
    "ImportValues",
    "Ledger",
    "Provenance",
    "calibrate",
    "gapfill_rows",
    "market_stages",
    "zone_import_values",
]
