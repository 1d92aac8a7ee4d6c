import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from congvu.units.models import Role, StaffProfile, Unit, UnitKind

pytestmark = pytest.mark.django_db


@pytest.fixture
def commune_officer():
    province = Unit.objects.create(path="0001", depth=1, name="Thành phố Hà Nội", code="T01", kind=UnitKind.PROVINCE)
    commune = Unit.objects.create(path="00010001", depth=2, name="Phường Hoàn Kiếm", code="X00070", kind=UnitKind.COMMUNE)
    province.numchild = 1
    province.save()
    user = get_user_model().objects.create_user("mc.hoankiem", password="s3cret-Pass", first_name="Lan", last_name="Nguyễn Thị")
    StaffProfile.objects.create(user=user, unit=commune, role=Role.ONE_STOP_OFFICER)
    return user


def test_anonymous_staff_home_redirects_to_the_vietnamese_login_page(client):
    response = client.get(reverse("staff:home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("staff:login"))
    page = client.get(response["Location"])
    html = page.content.decode()
    assert page.status_code == 200
    assert '<html lang="vi">' in html
    assert "Đăng nhập" in html and "Mật khẩu" in html


def test_wrong_password_gets_a_vietnamese_message_and_no_session(client, commune_officer):
    response = client.post(reverse("staff:login"), {"username": "mc.hoankiem", "password": "wrong"})
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session
    assert "tên đăng nhập" in response.content.decode().lower()


def test_staff_home_shows_the_users_unit_and_role(client, commune_officer):
    assert client.login(username="mc.hoankiem", password="s3cret-Pass")
    html = client.get(reverse("staff:home")).content.decode()
    assert "Phường Hoàn Kiếm" in html
    assert "Cán bộ một cửa" in html


def test_english_is_available_as_second_language(client, commune_officer):
    client.login(username="mc.hoankiem", password="s3cret-Pass")
    client.post(reverse("set_language"), {"language": "en", "next": "/staff/"})
    html = client.get(reverse("staff:home")).content.decode()
    assert '<html lang="en">' in html
    assert "One-stop officer" in html


def test_django_admin_is_available_to_superusers(client):
    get_user_model().objects.create_superuser("root", "root@example.org", "s3cret-Pass")
    client.login(username="root", password="s3cret-Pass")
    assert client.get("/admin/").status_code == 200


def test_healthz_answers_when_the_database_does(client):
    assert client.get("/healthz").json() == {"status": "ok"}


def test_an_english_browser_still_gets_vietnamese_until_the_person_chooses(client):
    response = client.get(reverse("staff:login"), HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert '<html lang="vi">' in response.content.decode()
    client.post(reverse("set_language"), {"language": "en", "next": "/staff/login/"})
    response = client.get(reverse("staff:login"), HTTP_ACCEPT_LANGUAGE="vi")
    assert '<html lang="en">' in response.content.decode()


def test_unknown_pages_answer_404_in_vietnamese(client):
    response = client.get("/khong-co-trang-nay/")
    assert response.status_code == 404
    assert "Không tìm thấy trang" in response.content.decode()
