from decimal import Decimal as D


def test_quote_over_http(api, network):
    r = api.post("/logistics/quotes", {"origin": "MY", "destination": "AU", "date": "2026-03-02", "currency": "AUD",
                                       "parcels": [{"weight_kg": "1.2", "length_cm": "30", "width_cm": "20",
                                                    "height_cm": "10"}]})
    assert r.status_code == 200, r.content
    q = r.json()
    assert q["currency"] == "AUD" and q["route"] == ["KUL"] and [leg["from"] for leg in q["legs"]] == ["MY", "KUL"]
    assert D(q["price"]) == sum(D(leg["converted"]) for leg in q["legs"])
    fast = api.post("/logistics/quotes", {"origin": "MY", "destination": "AU", "date": "2026-03-02",
                                          "prefer": "fastest", "parcels": [{"weight_kg": "1.2"}]}).json()
    assert fast["legs"][-1]["carrier"] == "DHLX" and fast["currency"] == "AUD"


def test_no_route_and_bad_input_are_422(api, network):
    r = api.post("/logistics/quotes", {"origin": "BR", "destination": "AU", "parcels": [{"weight_kg": "1"}]})
    assert r.status_code == 422 and r.json()["error"]["code"] == "no_route"
    r = api.post("/logistics/quotes", {"origin": "MY", "destination": "AU", "parcels": [{"weight_kg": "0"}],
                                       "prefer": "slow", "extra": 1})
    assert r.status_code == 422
    assert {"parcels.0.weight_kg", "prefer", "extra"} <= set(r.json()["error"]["fields"])
