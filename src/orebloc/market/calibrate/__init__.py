"""Calibration: a :class:`~orebloc.market.model.Market` from the atlas, with the provenance of every input.

Units: quantities in tonnes (t) on the production's basis (contained metal, REO, gross
weight), prices in USD per tonne of that basis (USD/t). For each input the provenance table
says where it came from: ``atlas`` (with row references), ``gap-fill`` (``data/gapfill.csv``
with its published source), ``default`` (``params.csv`` with its source), ``assumption``,
``derived`` (world balance, import-value proxy) or ``override`` (given by the user).

- Supply q0 by zone: USGS production by country (atlas), converted to tonnes; the "Other
  countries" residual and any gap to the reported world total go to the rest-of-world zone.
  Where the atlas has no production by country, the gap-fill table's world total is split by
  the EU CRM 2023 supplier shares (atlas table ``supplier_shares``), the rest to the rest of
  the world. Neither: :class:`CalibrationError`, never an invented number.
- Capacity: atlas capacity by country (nearest year on the same basis), else ``params.csv``.
- Demand d0 by zone, first that applies: user override; apparent consumption from BACI trade
  (:func:`orebloc.metrics.trade_reliance.trade_import_reliance`); USGS US consumption (same
  basis); gap-fill ``demand`` / ``demand_share`` rows (the nearest period, zone by zone).
  Where more than one zone is left without a figure, the **import-value proxy** estimates those
  other than the rest-of-world zone (kept for the balance): with V_z the BACI import value of
  zone z from outside it (the stage's own HS6 codes, shared codes excluded, the BACI year
  nearest the calibration year with flows) and an anchor a whose d0 is a sourced figure (atlas:
  USGS or BACI; or gap-fill, never an override) and which produces at most
  ``PROXY_OWN_OUTPUT_MAX`` of it (the largest importer among such zones),
  d0_z = d0_a x V_z / V_a, for zones whose own output is at most that share of the estimate
  (kind ``derived``, the equation and the figures in the source text). Exactly
  one zone left without a figure takes the world balance (sum of supply less the others'
  demand; an error naming the figures if negative). More than one is an error that names them
  and why each has none. When every zone has a figure, the difference to world supply (stock
  change and statistical discrepancy) goes to the rest-of-world zone and is reported.
- Baseline price p0: the USGS price series named in ``atlas/data/price_series.csv`` (converted to
  USD/t of the basis), else a gap-fill ``price`` row, else an error.
- Elasticities and spare capacity: ``params.csv`` defaults. Transport: 0 USD/t (assumption).

Package layout, one module per input: ``supply`` (q0), ``capacity`` (K), ``price`` (p0),
``demand`` (d0, with the import-value proxy in ``proxy``), ``overrides`` (the keys a user may
set), ``gapfill`` (the bundled gap-fill table), ``provenance`` (rows, the result, and the
:class:`Case` and :class:`Ledger` one calibration fills) and ``core`` (:func:`calibrate`).
"""

from orebloc.market.calibrate.core import calibrate
from orebloc.market.calibrate.gapfill import GAPFILL_COLUMNS, GAPFILL_ITEMS, GapFill, gapfill_rows
from orebloc.market.calibrate.overrides import GLOBAL_KEYS, ZONE_KEYS
from orebloc.market.calibrate.provenance import (
    KINDS,
    PROVENANCE_COLUMNS,
    Calibration,
    CalibrationError,
    Case,
    Ledger,
    Provenance,
)
from orebloc.market.calibrate.proxy import PROXY_OWN_OUTPUT_MAX, ImportValues, zone_import_values

__all__ = [
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
    "zone_import_values",
]
