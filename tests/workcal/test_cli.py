"""`congvu calendar due|off`: output contract, database and fallback paths, every bad-argument path."""

import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from congvu.units.models import Unit, UnitKind
from congvu.workcal import services
from congvu.workcal.cli import main
from congvu.workcal.models import CalendarOverride

SRC = Path(__file__).resolve().parents[2] / "src"


def no_database() -> None:
    raise RuntimeError("no database configured")


def run(capsys, *argv, setup=no_database):
    code = main(list(argv), setup_django=setup)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["--from", "2026-02-13T10:00", "--days", "1"], "2026-02-23T17:00:00+07:00"),  # DOMAIN.md §3 example
        (["--from", "2026-02-13T03:00:00Z", "--days", "1"], "2026-02-23T17:00:00+07:00"),  # aware: converted
        (["--from", "2026-02-13T17:30", "--days", "1"], "2026-02-24T17:00:00+07:00"),  # after hours
        (["--from", "2026-03-08T10:00", "--days", "0"], "2026-03-09T17:00:00+07:00"),  # Sunday, on the spot
        (["--from", "2026-03-02T10:30", "--hours", "2"], "2026-03-02T14:30:00+07:00"),  # across lunch
        (["--from", "2026-03-02T16:00", "--hours", "1,5"], "2026-03-03T08:00:00+07:00"),  # Vietnamese decimal comma
        # Filed on New Year's Day: received Monday 5 Jan (2 Jan is off, 12729/VPCP-KGVX), due the next day.
        (["--from", "2026-01-01", "--days", "1"], "2026-01-06T17:00:00+07:00"),
    ],
)
def test_due_without_database_uses_the_shipped_calendar(capsys, argv, expected):
    code, out, err = run(capsys, "due", *argv)
    assert (code, out) == (0, expected + "\n")
    assert "dùng lịch chính thức kèm theo phần mềm" in err


def test_off_lists_non_working_weekdays_with_reasons(capsys):
    code, out, _ = run(capsys, "off", "2026")
    assert code == 0
    lines = out.splitlines()
    assert lines == sorted(lines)
    days = [line.split("\t") for line in lines]
    assert all(len(parts) == 2 and parts[1] for parts in days)
    assert date.fromisoformat(days[0][0]) == date(2026, 1, 1)
    reasons = dict(days)
    assert "12729/VPCP-KGVX" in reasons["2026-01-02"]
    assert "Tết Nguyên Đán" in reasons["2026-02-17"]
    assert "Giỗ Tổ Hùng Vương" in reasons["2026-04-27"]
    assert "2026-01-10" not in reasons and "2026-02-14" not in reasons  # a worked Saturday; a weekend day
    assert all(date.fromisoformat(d).weekday() < 5 for d in reasons)
    assert len(lines) == 14


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["due", "--from", "hôm qua", "--days", "1"], "Thời điểm tiếp nhận không hợp lệ"),
        (["due", "--from", "2026-02-30T10:00", "--days", "1"], "Thời điểm tiếp nhận không hợp lệ"),
        (["due", "--days", "1"], "Thiếu thời điểm tiếp nhận"),
        (["due", "--from"], "Tham số --from cần một giá trị"),
        (["due", "--from", "2026-02-13T10:00", "--days", "-1"], "số nguyên không âm"),
        (["due", "--from", "2026-02-13T10:00", "--days", "1.5"], "số nguyên không âm"),
        (["due", "--from", "2026-02-13T10:00", "--days", "một"], "số nguyên không âm"),
        (["due", "--from", "2026-02-13T10:00", "--hours", "-2"], "Số giờ làm việc phải là một số không âm"),
        (["due", "--from", "2026-02-13T10:00", "--hours", "hai"], "Số giờ làm việc phải là một số không âm"),
        (["due", "--from", "2026-02-13T10:00", "--hours", "inf"], "Số giờ làm việc phải là một số không âm"),
        (["due", "--from", "2026-02-13T10:00", "--days", "1", "--hours", "2"], "Cần đúng một trong hai tham số"),
        (["due", "--from", "2026-02-13T10:00"], "Cần đúng một trong hai tham số"),
        (["due", "--from", "2100-12-31T10:00", "--days", "30"], "Ngoài phạm vi lịch"),
        (["due", "--from", "2026-02-13T10:00", "--days", "1", "--unit", "PT"], "Không dùng được --unit"),
        (["off", "1800"], "nằm ngoài phạm vi lịch"),
        (["off", "20x6"], "Năm không hợp lệ"),
        (["off"], "Thiếu tham số"),
        (["off", "2026", "2027"], "Tham số không nhận ra"),
        (["nghỉ"], "Lệnh không hợp lệ"),
        ([], "Thiếu lệnh"),
    ],
)
def test_bad_arguments_exit_2_with_a_vietnamese_message(capsys, argv, message):
    code, out, err = run(capsys, *argv)
    assert code == 2
    assert out == ""
    assert any(line.startswith("Lỗi: ") and message in line for line in err.splitlines()), err
    assert "Traceback" not in err


def test_help_exits_0(capsys):
    code, out, _ = run(capsys, "due", "--help")
    assert code == 0 and "Cách dùng: congvu calendar due" in out


@pytest.mark.django_db
class TestWithDatabase:
    @pytest.fixture(autouse=True)
    def _setup(self):
        services.invalidate_calendars()
        province = Unit.objects.add_root(instance=Unit(name="Tỉnh Phú Thọ", code="PT", kind=UnitKind.PROVINCE))
        self.commune = Unit.objects.add_child(province, instance=Unit(name="Xã Hy Cương", code="PT-HC", kind=UnitKind.COMMUNE))
        CalendarOverride.objects.create(
            date=date(2026, 2, 23), kind=CalendarOverride.Kind.UNIT_CLOSURE, unit=self.commune,
            reason="Khử khuẩn trụ sở", decision_number="12/QĐ-UBND",
        )
        yield
        services.invalidate_calendars()

    def test_due_for_a_unit(self, capsys):
        code, out, err = run(capsys, "due", "--from", "2026-02-13T10:00", "--days", "1", "--unit", "PT-HC", setup=lambda: None)
        assert (code, out, err) == (0, "2026-02-24T17:00:00+07:00\n", "")
        code, out, _ = run(capsys, "due", "--from", "2026-02-13T10:00", "--days", "1", setup=lambda: None)
        assert out == "2026-02-23T17:00:00+07:00\n"

    def test_off_for_a_unit_cites_the_closure(self, capsys):
        code, out, _ = run(capsys, "off", "2026", "--unit", "PT-HC", setup=lambda: None)
        assert code == 0
        assert "2026-02-23\tKhử khuẩn trụ sở (theo 12/QĐ-UBND)" in out.splitlines()
        assert "2026-01-02\tNghỉ Tết Dương lịch" in out  # loaded by the data migration

    def test_unknown_unit(self, capsys):
        code, out, err = run(capsys, "due", "--from", "2026-02-13T10:00", "--days", "1", "--unit", "KHONG-CO", setup=lambda: None)
        assert (code, out) == (2, "")
        assert "Không tìm thấy đơn vị có mã 'KHONG-CO'" in err


def _subprocess(tmp_path, *argv):
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "DJANGO_SETTINGS_MODULE"}}
    env.update(PYTHONPATH=str(SRC), CONGVU_DATA_DIR=str(tmp_path))
    return subprocess.run([sys.executable, "-m", "congvu.cli", "calendar", *argv], env=env, capture_output=True,
                          text=True, timeout=120, cwd=tmp_path)


def test_subprocess_due_on_an_unmigrated_database(tmp_path):
    done = _subprocess(tmp_path, "due", "--from", "2026-02-13T10:00", "--days", "1")
    assert done.returncode == 0, done.stderr
    assert done.stdout == "2026-02-23T17:00:00+07:00\n"
    assert "chưa chạy migrate" in done.stderr


def test_subprocess_bad_argument(tmp_path):
    done = _subprocess(tmp_path, "due", "--from", "2026-02-13T10:00", "--hours", "-3")
    assert done.returncode == 2
    assert done.stdout == "" and "Số giờ làm việc phải là một số không âm" in done.stderr
    assert "Traceback" not in done.stderr
