"""`congvu worker` and what `congvu demo` prints about notifications. (The worker itself, delivering and being
killed, is exercised by test_worker_kill.py.)"""

import os
import subprocess
import sys

from congvu import cli


def run(*args, **env):
    return subprocess.run(
        [sys.executable, "-m", "congvu.cli", *args], capture_output=True, text=True, timeout=60,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "congvu.settings", **env},
    )


def test_worker_help_names_its_options():
    result = run("worker", "--help")
    assert result.returncode == 0 and "--only" in result.stdout and "--interval" in result.stdout


def test_worker_refuses_a_bad_interval_or_configuration(tmp_path):
    result = run("worker", "--interval", "0")
    assert result.returncode == 2 and "--interval phải là số dương" in result.stderr
    result = run("worker", CONGVU_DATA_DIR=str(tmp_path), CONGVU_SMS_URL="ftp://sms.example.vn")
    assert result.returncode == 2 and "Cấu hình gửi thông báo không hợp lệ" in result.stderr and "CONGVU_SMS_URL" in result.stderr


def test_worker_processes():
    both = cli._worker_commands(interval=0.5)
    assert [cmd[4] for cmd in both.values()] == ["deliver_notifications", "db_worker", "deliver_portal_sync", "refresh_indices"]
    assert both["gửi thông báo"][-3:] == ["--loop", "--interval", "0.5"]
    assert list(cli._worker_commands("notify")) == ["gửi thông báo"]
    # Rollups are caught up every few seconds at most: a dashboard a few seconds behind is fine, a busy loop is not.
    assert [cmd[4:] for cmd in cli._worker_commands("indices", interval=0.5).values()] == [["refresh_indices", "--loop", "--interval", "5.0"]]
    assert cli._worker_commands("tasks", task_args=["--queue-name", "x"])["tác vụ nền (db_worker)"][-2:] == ["--queue-name", "x"]


def test_demo_says_where_notifications_go(settings):
    settings.CONGVU_SMTP_HOST = settings.CONGVU_SMS_URL = ""
    lines = "\n".join(cli._notification_lines("http://127.0.0.1:8000/"))
    assert "Hộp thư demo:      http://127.0.0.1:8000/staff/notify/mailbox/" in lines
    assert "Thông báo email:   hộp thư demo (không gửi ra ngoài)" in lines
    settings.CONGVU_SMTP_HOST = "smtp.example.vn"
    settings.CONGVU_SMS_URL = "https://sms.example.vn/send"
    lines = "\n".join(cli._notification_lines("http://127.0.0.1:8000/"))
    assert "máy chủ SMTP smtp.example.vn:587 (STARTTLS)" in lines and "cổng SMS https://sms.example.vn/send" in lines
