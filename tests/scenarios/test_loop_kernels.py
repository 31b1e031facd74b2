"""The period loop's compiled outputs against the numpy formulas they replace, bit for bit."""

from __future__ import annotations

import numpy as np

from orebloc.market import curves
from orebloc.scenarios import loop_kernels


def cover_days(stock: np.ndarray, consumption: np.ndarray, dt: float) -> np.ndarray:
    """Days of the period's consumption (t per period of ``dt`` years) the stock (t) covers."""
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(
            consumption > 0, stock / consumption * (dt * 365.0), np.where(stock > 0, np.inf, 0.0)
        )


def _add(terms: list[np.ndarray]) -> np.ndarray:
    """Elementwise sum of ``terms``, left to right (0 for none)."""
    if not terms:
        return np.zeros(())
    total = np.array(terms[0], dtype=float)
    for x in terms[1:]:
        total += x
    return total


def _numpy_outputs(r: dict[str, np.ndarray], in_bloc: np.ndarray, dt: float) -> dict:
    """The loop's outputs as it computed them with numpy (before loop_kernels)."""
    z = r["price"].shape[1]
    a = r["eps"] * r["d0"] / r["p0"]
    cc = curves.consumer_surplus(r["ref_price"], r["d0"], r["p0"], a) - curves.consumer_surplus(
        r["price"], r["d0"], r["p0"], a
    )
    shipped = np.nan_to_num(r["flows"]) * (1.0 - np.eye(z))
    pp = np.nan_to_num(r["producer_price"])
    out = {k: r[k] for k in ("price", "supply", "demand", "shortfall", "net_imports")}
    out |= {
        "consumer_cost": cc, "fiscal_cost": r["fiscal"], "levy_revenue": r["levy"],
        "tariff_revenue": r["tariff"], "capacity": r["capacity_yr"], "stock": r["stock"],
        "release": r["release"], "exports_to_bloc": shipped[:, :, in_bloc].sum(axis=2),
        "export_revenue": shipped.sum(axis=2) * pp,
        "producer_revenue": np.nan_to_num(r["supply"]) * pp, "purchases": r["purchases"],
        "cover_days": cover_days(r["stock"], np.nan_to_num(r["demand"]) - r["purchases"], dt),
    }  # fmt: skip
    carried = (
        np.maximum(np.nan_to_num(r["supply"]), 0.0),
        np.maximum(np.nan_to_num(r["demand"]), 0.0),
    )
    return {"out": out, "carried": carried}


def test_write_outputs_and_flush_give_the_numpy_numbers() -> None:
    rng = np.random.default_rng(0)
    n, z, cases, periods, markets, block = 50, 6, 3, 5, 2, 2
    in_bloc = np.array([True, True, False, True, False, False])
    dt = 0.25
    bufs = tuple(np.full((n, cases, periods, markets, z + 1), -7.0) for _ in loop_kernels.ORDER)
    stage = np.empty((len(bufs), block, cases, markets, n, z))
    want: dict[tuple[int, int, int], dict] = {}
    for t in range(periods):
        for ci in range(cases):
            for mi in range(markets):
                r = {k: rng.uniform(0, 1000, (n, z)) for k in (
                    "price", "supply", "demand", "shortfall", "net_imports", "fiscal", "levy",
                    "tariff", "producer_price", "ref_price", "d0", "eps", "capacity_yr", "stock",
                    "release", "purchases")}  # fmt: skip
                r["eps"] = np.where(rng.random((n, z)) < 0.2, 0.0, r["eps"] / 1000)
                r["p0"] = rng.uniform(500, 1500, z)
                r["flows"] = rng.uniform(-1e-13, 100, (n, z, z))
                r["flows"][rng.random((n, z, z)) < 0.1] = np.nan
                for k in ("price", "supply", "demand", "producer_price"):
                    r[k][rng.random((n, z)) < 0.1] = np.nan
                r["supply"][0, 0] = -1e-13
                r["stock"][rng.random((n, z)) < 0.3] = 0.0
                r["purchases"] = np.where(rng.random((n, z)) < 0.3, r["demand"], 0.0)
                last, bought = np.empty((n, z)), np.empty((n, z))
                loop_kernels.write_outputs(
                    stage, ci, t % block, mi, r["price"], r["supply"], r["demand"],
                    r["shortfall"], r["net_imports"], r["fiscal"], r["levy"], r["tariff"],
                    r["producer_price"], r["flows"], r["ref_price"], r["d0"], r["p0"], r["eps"],
                    r["capacity_yr"], r["stock"], r["release"], r["purchases"], in_bloc, dt,
                )  # fmt: skip
                loop_kernels.carry(r["supply"], r["demand"], last, bought)
                want[(ci, t, mi)] = _numpy_outputs(r, in_bloc, dt)
                np.testing.assert_array_equal(last, want[(ci, t, mi)]["carried"][0])
                np.testing.assert_array_equal(bought, want[(ci, t, mi)]["carried"][1])
        if t % block == block - 1 or t == periods - 1:
            loop_kernels.flush(stage, bufs, t - t % block, t % block + 1)
    for (ci, t, mi), w in want.items():
        for k, b in zip(loop_kernels.ORDER, bufs, strict=True):
            np.testing.assert_array_equal(b[:, ci, t, mi, :z], w["out"][k], err_msg=k)
    assert all(np.all(b[..., z] == -7.0) for b in bufs)  # the bloc slot is run.frame's


def _numpy_bloc(bufs: dict[str, np.ndarray], bloc: np.ndarray, dt: float) -> dict:
    """The bloc slot as run.frame computed it with numpy (before loop_kernels.fill_bloc)."""
    w = [np.nan_to_num(bufs["demand"][..., i]) for i in bloc]
    out = {k: _add([v[..., i] for i in bloc]) for k, v in bufs.items()}
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        out["price"] = _add(
            [bufs["price"][..., i] * wi for i, wi in zip(bloc, w, strict=True)]
        ) / _add(w)
    out["cover_days"] = cover_days(out["stock"], out["demand"] - out["purchases"], dt)
    return out


def test_fill_bloc_gives_the_numpy_numbers() -> None:
    rng = np.random.default_rng(1)
    rows, z, dt = 400, 6, 0.25
    for bloc in (np.array([0, 1, 3]), np.array([4]), np.array([], dtype=np.int64)):
        bufs = {k: rng.uniform(0, 1000, (rows, z + 1)) for k in loop_kernels.ORDER}
        for k in ("price", "demand", "supply"):
            bufs[k][rng.random((rows, z + 1)) < 0.1] = np.nan
        bufs["demand"][:5, :] = 0.0  # no weight: the price is nan
        bufs["demand"][5, 0] = np.inf
        bufs["stock"][rng.random((rows, z + 1)) < 0.3] = 0.0
        bufs["purchases"] = np.where(rng.random((rows, z + 1)) < 0.3, bufs["demand"], 0.0)
        want = _numpy_bloc({k: v.copy() for k, v in bufs.items()}, bloc, dt)
        zones = {k: v[:, :z].copy() for k, v in bufs.items()}
        loop_kernels.fill_bloc(tuple(bufs[k] for k in loop_kernels.ORDER), bloc, dt)
        for k in loop_kernels.ORDER:
            np.testing.assert_array_equal(bufs[k][:, z], np.broadcast_to(want[k], rows), err_msg=k)
            np.testing.assert_array_equal(bufs[k][:, :z], zones[k], err_msg=k)  # untouched
