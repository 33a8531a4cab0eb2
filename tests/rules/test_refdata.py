import pytest

from ewtp.rules.models import Country, Currency, HSCode
from ewtp.rules.refdata import is_country, is_hs_subheading, load_reference_data, search_hs

pytestmark = pytest.mark.usefixtures("refdata")


def test_counts_match_the_sources():
    assert HSCode.objects.filter(level=2).count() == 96  # 97 chapters less the reserved chapter 77
    assert HSCode.objects.filter(level=4).count() == 1228
    assert HSCode.objects.filter(level=6).count() == 5612
    assert Country.objects.count() == 249
    assert Currency.objects.get(code="JPY").minor_unit == 0
    assert Currency.objects.get(code="KWD").minor_unit == 3


def test_country_names_in_three_languages():
    my = Country.objects.get(alpha2="MY")
    assert (my.name_en, my.name_zh_hans, my.name_ms) == ("Malaysia", "马来西亚", "Malaysia")
    assert Country.objects.get(alpha2="US").name_ms == "Amerika Syarikat"


def test_search_by_prefix_and_words():
    assert [c.code for c in search_hs("6109")] == ["6109", "610910", "610990"]
    assert [c.code for c in search_hs("61.09.10")] == ["610910"]
    found = list(search_hs("t-shirts cotton"))
    assert "610910" in {c.code for c in found}
    assert all("t-shirts" in c.search_text and "cotton" in c.search_text for c in found)
    assert not search_hs("t-shirts titanium").exists()


def test_validators():
    assert is_country("CN") and not is_country("XX") and not is_country(None)
    assert is_hs_subheading("610910") and not is_hs_subheading("6109") and not is_hs_subheading("999999")


def test_loading_twice_is_idempotent():
    before = HSCode.objects.count()
    load_reference_data()
    assert HSCode.objects.count() == before


def test_hs_api(api):
    r = api.get("/reference/hs", q="coffee", level=6)
    assert r.status_code == 200 and any(x["code"] == "090111" for x in r.json())
    assert api.get("/reference/hs/0000").status_code == 404
    assert api.get("/reference/hs", limit=0).status_code == 422
