"""The portal home: search, browsing by field and level with counts, and the ways in to filing, lookup and
feedback."""

import pytest
from django.urls import reverse

from congvu.catalog import selectors
from congvu.catalog.models import ImplementingLevel

pytestmark = pytest.mark.django_db


def test_home_browses_by_field_and_level_with_counts(client, catalogue):
    response = client.get(reverse("portal:home"))
    html = response.content.decode()
    assert response.status_code == 200 and 'lang="vi"' in html
    fields = {b.code: b for b in response.context["fields"]}
    assert fields["ho-tich"].count == 14 and fields["ho-tich"].name == "Hộ tịch"
    assert sum(b.count for b in fields.values()) == selectors.search_versions().count() == 50
    levels = {b.code: b.count for b in response.context["levels"]}
    assert levels[ImplementingLevel.PROVINCE] == 14 and levels[ImplementingLevel.COMMUNE] == selectors.search_versions(level="commune").count()
    assert f'{reverse("catalog:procedure_list")}?field=ho-tich&amp;sort=name' in html
    assert f'{reverse("catalog:procedure_list")}?level=province&amp;sort=name' in html
    # Each link leads to a list of exactly that many procedures.
    listed = client.get(reverse("catalog:procedure_list"), {"field": "ho-tich", "sort": "name"})
    assert listed.context["page"].paginator.count == 14


def test_home_links_to_filing_lookup_and_feedback(client, catalogue):
    html = client.get(reverse("portal:home")).content.decode()
    for url in (reverse("portal:online_list"), reverse("portal:lookup"), "/phan-anh/", reverse("catalog:procedure_list")):
        assert f'href="{url}"' in html
    online = selectors.online_filing_versions().count()
    assert online > 0 and f"Có {online} thủ tục nộp được trực tuyến" in html
    assert 'role="search"' in html and 'for="home-q"' in html


@pytest.mark.parametrize("query", ["dang ky khai sinh", "ĐĂNG KÝ KHAI SINH", "Đăng ký khai sinh", "khai sinh dang ky"])
def test_the_home_search_is_accent_insensitive(client, catalogue, query):
    response = client.get(reverse("catalog:procedure_list"), {"q": query})
    codes = {v.procedure.code for v in response.context["page"].object_list}
    assert codes == {"1.001193", "1.000689", "1.004884", "2.000528", "2.000986", "2.001023"}


def test_an_abolished_procedure_is_not_counted(client, catalogue):
    import datetime as dt

    from congvu.catalog import services
    from congvu.catalog.models import Procedure

    services.abolish_procedure(Procedure.objects.get(code="1.004222"), decision_number="15/QĐ-UBND", effective_from=dt.date(2025, 8, 1))
    fields = {b.code: b.count for b in client.get(reverse("portal:home")).context["fields"]}
    assert sum(fields.values()) == 49


def test_the_public_pages_carry_one_navigation_marking_the_current_page(client, catalogue):
    for url, current in [
        (reverse("catalog:procedure_list"), "Thủ tục hành chính"),
        (reverse("portal:online_list"), "Nộp hồ sơ trực tuyến"),
        (reverse("portal:lookup"), "Tra cứu hồ sơ"),
    ]:
        html = client.get(url).content.decode()
        nav = html[html.index('<nav class="navbar'):html.index("</nav>")]
        assert nav.count('aria-current="page"') == 1
        marked = nav.split('aria-current="page"', 1)[1].split("</a>", 1)[0]
        assert current in marked, (url, marked)
        for label in ("Thủ tục hành chính", "Nộp hồ sơ trực tuyến", "Tra cứu hồ sơ", "Phản ánh, kiến nghị"):
            assert label in nav


def test_the_pages_also_work_in_english_for_who_chooses_it(client, catalogue, staff):
    from django.conf import settings

    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    for url in (reverse("portal:home"), reverse("portal:lookup"), reverse("portal:online_list"), reverse("portal:file_online", args=["1.004884"])):
        response = client.get(url)
        assert response.status_code == 200 and 'lang="en"' in response.content.decode()
    assert "Look up your dossier" in client.get(reverse("portal:home")).content.decode()
