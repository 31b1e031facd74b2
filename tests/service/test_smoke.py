from tests.service.helpers import running


def test_holding_roundtrip(db_url):
    with running(db_url) as bloc:
        r = bloc.call(
            "usa",
            "POST",
            "/holdings",
            json={
                "mineral": "gallium",
                "form": "metal",
                "holder": "agency",
                "quantity_t": 12.5,
                "as_of": "2026-06-30",
            },
        )
        assert r.status_code == 201, r.text
        assert r.json()["owner"] == "USA"
        assert bloc.call("jpn", "GET", f"/holdings/{r.json()['id']}").status_code == 404
        assert bloc.call("usa", "GET", f"/holdings/{r.json()['id']}").json()["quantity_t"] == 12.5
