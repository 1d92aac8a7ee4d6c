"""The fake adapter over real HTTP (urllib): each answer kind, the field checks, dstcode, sessions, injected
errors, an outage, the catalogue look-ups, and the management command that runs it for the demo."""

import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest

from congvu.sync.fake_adapter import FakeAdapter
from congvu.sync.fields import answer_kind
from tests.sync.test_fields import good_item, good_record

CODE = "H15.50.05.13-250102-0001"


def post(url: str, body, *, dstcode: str | None = "000.00.00.H00", raw: bytes | None = None) -> tuple[int, dict]:
    headers = {"Content-Type": "application/json; charset=utf-8"}
    if dstcode is not None:
        headers["dstcode"] = dstcode
    data = raw if raw is not None else json.dumps(body, ensure_ascii=False).encode("utf-8")
    request = urllib.request.Request(url, data=data, method="POST", headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, json.loads(response.read().decode("utf-8"))
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read().decode("utf-8"))


class Client:
    def __init__(self, fake: FakeAdapter):
        self.fake = fake
        self.session = self.login()

    def login(self, password=None) -> str:
        status, answer = post(self.fake.url + "/auth", {"username": "congvu", "password": password or "congvu-demo"})
        assert status == 200
        return answer.get("session", "")

    def call(self, service: str, **fields) -> dict:
        body = {"service": service, "session": self.session, "madonvi": self.fake.madonvi, **fields}
        status, answer = post(self.fake.url + "/integration", body)
        assert status == 200
        return answer


@pytest.fixture
def fake():
    with FakeAdapter(catalogue={"1.001193": {"TENTTHC": "Đăng ký khai sinh", "MALINHVUC": "G09-TP03", "TENLINHVUC": "Hộ tịch"}}) as adapter:
        yield adapter


@pytest.fixture
def client(fake):
    return Client(fake)


def test_settings_name_everything_a_client_needs(fake):
    assert fake.url.startswith("http://127.0.0.1:") and fake.port > 0
    assert fake.settings() == {
        "adapter_url": fake.url, "auth_endpoint": "/auth", "integration_endpoint": "/integration", "username": "congvu",
        "password": "congvu-demo", "dstcode": "000.00.00.H00", "madonvi": "DEMO.01",
    }


def test_login_gives_a_session_and_wrong_credentials_an_error(fake):
    status, answer = post(fake.url + "/auth", {"username": "congvu", "password": "congvu-demo"})
    assert status == 200 and answer["error_code"] == 0 and len(answer["session"]) == 32
    _, wrong = post(fake.url + "/auth", {"username": "congvu", "password": "sai"})
    assert wrong["error_code"] == "-1" and "session" not in wrong and answer_kind(wrong) == "error"
    assert fake.received == [{"username": "congvu", "password": "congvu-demo"}, {"username": "congvu", "password": "sai"}]


def test_dstcode_header_is_required_on_every_request(fake, client):
    _, missing = post(fake.url + "/auth", {"username": "congvu", "password": "congvu-demo"}, dstcode=None)
    _, wrong = post(fake.url + "/integration", {"service": "TraCuuHoSo", "session": client.session, "madonvi": "DEMO.01", "mahoso": CODE}, dstcode="x")
    assert missing["error_code"] == wrong["error_code"] == "-1" and "dstcode" in wrong["message"]
    assert answer_kind(missing) == answer_kind(wrong) == "error"


def test_unit_code_must_be_the_adapters(fake, client):
    _, answer = post(fake.url + "/integration", {"service": "TraCuuHoSo", "session": client.session, "madonvi": "KHAC", "mahoso": CODE})
    assert answer_kind(answer) == "error" and "madonvi" in answer["message"]


def test_create_then_exists_then_update_then_look_up(fake, client):
    assert client.call("TraCuuHoSo", mahoso=CODE) == {"error_code": 0, "message": "Thành công", "result": []}
    created = client.call("DongBoHoSoMC", isUpdating="False", data=[good_record()])
    assert answer_kind(created) == "ok" and fake.dossiers[CODE]["TrangThaiHoSo"] == "2"
    again = client.call("DongBoHoSoMC", isUpdating="False", data=[good_record(TrangThaiHoSo="4")])
    assert again == {"error_code": "3", "message": "Hồ sơ đã tồn tại"} and answer_kind(again) == "exists"
    assert fake.dossiers[CODE]["TrangThaiHoSo"] == "2"
    updated = client.call("DongBoHoSoMC", isUpdating="True", data=[good_record(TrangThaiHoSo="4")])
    assert answer_kind(updated) == "ok" and fake.dossiers[CODE]["TrangThaiHoSo"] == "4"
    found = client.call("TraCuuHoSo", mahoso=CODE)
    assert answer_kind(found) == "ok" and found["result"] == [good_record(TrangThaiHoSo="4")]
    assert fake.problems == []


def test_update_of_an_unknown_dossier_is_an_error(fake, client):
    answer = client.call("DongBoHoSoMC", isUpdating="True", data=[good_record()])
    assert answer_kind(answer) == "error" and CODE in answer["message"] and fake.dossiers == {}


def test_invalid_record_is_refused_and_its_problems_kept(fake, client):
    answer = client.call("DongBoHoSoMC", isUpdating="False", data=[good_record(TrangThaiHoSo="11", KenhThucHien=2)])
    assert answer["error_code"] == "-1" and answer["message"].startswith("Dữ liệu không hợp lệ: ")
    assert "data[0].TrangThaiHoSo: mã '11' không hợp lệ" in answer["message"]
    assert fake.problems == [
        "data[0].KenhThucHien: mọi giá trị phải là chuỗi, nhận int 2",
        "data[0].TrangThaiHoSo: mã '11' không hợp lệ (cho phép 1, 2, 3, 4, 5, 6, 7, 8, 9, 10)",
    ]
    assert fake.dossiers == {}
    bad_flag = client.call("DongBoHoSoMC", isUpdating=True, data=[good_record()])
    assert answer_kind(bad_flag) == "error" and "isUpdating" in fake.problems[-1]
    empty = client.call("DongBoHoSoMC", isUpdating="False", data=[])
    assert answer_kind(empty) == "error" and fake.dossiers == {}


def test_history_items_for_known_dossiers_in_chunks_of_ten(fake, client):
    unknown = client.call("CapNhatTienDoHoSoMC", data=[good_item()])
    assert answer_kind(unknown) == "error" and "chưa được đồng bộ" in unknown["message"]
    client.call("DongBoHoSoMC", isUpdating="False", data=[good_record()])
    items = [good_item(TrangThai=str(n)) for n in range(1, 11)]
    assert answer_kind(client.call("CapNhatTienDoHoSoMC", data=items)) == "ok"
    assert fake.history[CODE] == items
    too_many = client.call("CapNhatTienDoHoSoMC", data=items + [good_item()])
    assert answer_kind(too_many) == "error" and "tối đa 10 mục" in too_many["message"]
    invalid = client.call("CapNhatTienDoHoSoMC", data=[good_item(NguoiXuLy="x" * 51)])
    assert answer_kind(invalid) == "error" and fake.problems[-1] == "data[0].NguoiXuLy: dài quá 50 ký tự (51)"
    assert len(fake.history[CODE]) == 10


def test_expired_sessions_answer_session_expired(fake, client):
    assert answer_kind(client.call("TraCuuHoSo", mahoso=CODE)) == "ok"
    fake.expire_sessions()
    expired = client.call("TraCuuHoSo", mahoso=CODE)
    assert expired["error_code"] == "-2" and answer_kind(expired) == "session_expired"
    client.session = client.login()
    assert answer_kind(client.call("TraCuuHoSo", mahoso=CODE)) == "ok"
    client.session = "khong-co"
    assert answer_kind(client.call("TraCuuHoSo", mahoso=CODE)) == "session_expired"


def test_sessions_run_out_after_their_time_to_live():
    with FakeAdapter(session_ttl=0.3) as fake:
        client = Client(fake)
        assert answer_kind(client.call("TraCuuHoSo", mahoso=CODE)) == "ok"
        time.sleep(0.5)
        assert answer_kind(client.call("TraCuuHoSo", mahoso=CODE)) == "session_expired"


def test_fail_next_injects_errors_into_integration_calls_only(fake, client):
    fake.fail_next(2, code="-1", message="Lỗi hệ thống")
    assert client.login()  # logins are not affected
    assert [client.call("TraCuuHoSo", mahoso=CODE) for _ in range(2)] == [{"error_code": "-1", "message": "Lỗi hệ thống"}] * 2
    assert answer_kind(client.call("TraCuuHoSo", mahoso=CODE)) == "ok"
    fake.fail_next(http_status=503, code="503", message="Gateway bận")
    status, answer = post(fake.url + "/integration", {"service": "TraCuuHoSo", "session": client.session, "madonvi": "DEMO.01", "mahoso": CODE})
    assert (status, answer) == (503, {"error_code": "503", "message": "Gateway bận"})
    fake.fail_next(3)
    fake.fail_next(0)
    assert answer_kind(client.call("TraCuuHoSo", mahoso=CODE)) == "ok"
    # Even a refused call is received (the tests count what was sent).
    assert [b.get("service", "auth") for b in fake.received].count("TraCuuHoSo") == 5


def test_down_means_connection_refused_until_it_comes_back_on_the_same_port(fake, client):
    port = fake.port
    fake.go_down()
    with pytest.raises(urllib.error.URLError) as raised:
        post(fake.url + "/auth", {"username": "congvu", "password": "congvu-demo"})
    assert isinstance(raised.value.reason, ConnectionRefusedError)
    fake.come_back()
    assert fake.port == port
    # Sessions and data survive the outage, as on a real gateway.
    assert answer_kind(client.call("TraCuuHoSo", mahoso=CODE)) == "ok"


def test_procedure_look_ups_answer_from_the_catalogue(client):
    found = client.call("LayThuTuc", maTTHC="1.001193")
    assert answer_kind(found) == "ok" and found["result"] == [{
        "TENTTHC": "Đăng ký khai sinh", "MALINHVUC": "G09-TP03", "TENLINHVUC": "Hộ tịch", "MATTHC": "1.001193",
        "LINHVUCTHUCHIEN": [{"MALINHVUC": "G09-TP03", "TENLINHVUC": "Hộ tịch"}],
    }]
    assert client.call("LayThuTuc", maTTHC="9.999999")["result"] == []
    listed = client.call("LayDanhSachTTHC")
    assert answer_kind(listed) == "ok" and [e["MATTHC"] for e in listed["result"]] == ["1.001193"]


def test_unknown_services_paths_and_bodies_are_errors(fake, client):
    assert answer_kind(client.call("XoaHoSo", mahoso=CODE)) == "error"
    status, answer = post(fake.url + "/khac", {})
    assert status == 404 and answer_kind(answer) == "error"
    status, answer = post(fake.url + "/integration", None, raw=b"{not json")
    assert status == 400 and answer["error_code"] == "-1"
    status, answer = post(fake.url + "/integration", [1, 2])
    assert status == 400


def test_management_command_runs_in_the_foreground_and_stops_on_sigterm(tmp_path):
    catalogue = tmp_path / "danh-muc.json"
    catalogue.write_text(json.dumps({"1.001193": {"TENTTHC": "Đăng ký khai sinh"}}, ensure_ascii=False), encoding="utf-8")
    with FakeAdapter() as probe:  # a free port
        port = probe.port
    proc = subprocess.Popen(
        [sys.executable, "-m", "congvu.cli", "manage", "fake_portal_adapter", "--port", str(port), "--catalogue", str(catalogue)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        first = proc.stdout.readline()
        assert first.startswith(f"Bộ điều hợp Cổng DVCQG giả lập đang chạy tại http://127.0.0.1:{port}")
        _, login = post(f"http://127.0.0.1:{port}/auth", {"username": "congvu", "password": "congvu-demo"})
        body = {"service": "LayThuTuc", "session": login["session"], "madonvi": "DEMO.01", "maTTHC": "1.001193"}
        _, answer = post(f"http://127.0.0.1:{port}/integration", body)
        assert answer["result"][0]["TENTTHC"] == "Đăng ký khai sinh"
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=20)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0, err
    assert "Đã dừng bộ điều hợp giả lập (LayThuTuc 1, auth 1; 0 lỗi dữ liệu)." in out
