"""The `congvu` command: demo, serve, worker, calendar and manage.

`congvu demo` is the newcomer's path: it builds an SQLite database under CONGVU_DATA_DIR, loads a real
province's demo data once and serves it. Everything else is for operators.
"""

import argparse
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path


def _setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "congvu.settings")
    import django

    django.setup()


def _manage(*args: str, **options) -> None:
    from django.core.management import call_command

    call_command(*args, **options)


def _granian(host: str, port: int, workers: int) -> subprocess.Popen:
    cmd = [
        sys.executable, "-m", "granian", "--interface", "wsgi", "--host", host, "--port", str(port),
        "--workers", str(workers), "--no-ws",
        # A WSGI worker runs one Python thread per request in flight; a few dozen keep two cores busy while
        # requests wait on the database, where granian's default (backlog ÷ workers) would spawn hundreds.
        "--backpressure", os.environ.get("CONGVU_BACKPRESSURE", "32"),
        "congvu.wsgi:application",
    ]
    return subprocess.Popen(cmd, env={**os.environ, "DJANGO_SETTINGS_MODULE": "congvu.settings"})


def _wait(proc: subprocess.Popen) -> int:
    try:
        return proc.wait()
    except KeyboardInterrupt:
        proc.terminate()
        return proc.wait()


def _die_with_parent() -> None:
    """In a child: get SIGTERM when the parent dies, even by SIGKILL (Linux), so no orphan keeps sending."""
    try:
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def _child(cmd: list[str]) -> subprocess.Popen:
    return subprocess.Popen(
        cmd, env={**os.environ, "DJANGO_SETTINGS_MODULE": "congvu.settings"},
        preexec_fn=_die_with_parent if sys.platform.startswith("linux") else None,
    )


def _stop(procs: list[subprocess.Popen], timeout: float = 15) -> None:
    """SIGTERM to every running child (each finishes what it holds), then SIGKILL to any that outlives `timeout`."""
    for proc in procs:
        if proc.poll() is None:
            proc.terminate()
    deadline = time.monotonic() + timeout
    for proc in procs:
        try:
            proc.wait(timeout=max(deadline - time.monotonic(), 0.1))
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _take_ctrl_c() -> None:
    """Ctrl+C stops us (and, inherited, our children) even when whatever started us ignored SIGINT, as a shell
    does for a command started in the background."""
    signal.signal(signal.SIGINT, signal.default_int_handler)


def _supervise(procs: dict[str, subprocess.Popen], keep: set[str] = frozenset()) -> int:
    """Wait until Ctrl+C, SIGTERM or a child in `keep` (all children when empty) exits, then stop every child.
    A child outside `keep` that exits is reported and the others go on."""
    def on_term(_signum, _frame):
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, on_term)
    code = 0
    try:
        while True:
            for name, proc in list(procs.items()):
                status = proc.poll()
                if status is None:
                    continue
                if not keep or name in keep:
                    print(f"Tiến trình {name} đã dừng (mã {status}); dừng các tiến trình còn lại.", flush=True)
                    return status
                print(f"Cảnh báo: tiến trình {name} đã dừng (mã {status}); các phần khác vẫn chạy.", flush=True)
                del procs[name]
            time.sleep(0.3)
    except KeyboardInterrupt:
        print("\nĐang dừng…", flush=True)
    finally:
        signal.signal(signal.SIGTERM, previous)
        _stop(list(procs.values()))
    return code


def _worker_commands(only: str = "", interval: float = 1.0, task_args: list[str] | None = None) -> dict[str, list[str]]:
    """The processes of `congvu worker`: notification delivery (outbox → SMTP / SMS gateway / demo mailbox),
    django-tasks' db_worker (background tasks), the national portal sync and the indicator rollups kept fresh from new dossier events,
    each in its own process so one slow job never holds up the others."""
    base = [sys.executable, "-m", "congvu.cli", "manage"]
    commands = {}
    if only in ("", "notify"):
        commands["gửi thông báo"] = [*base, "deliver_notifications", "--loop", "--interval", str(interval)]
    if only in ("", "tasks"):
        commands["tác vụ nền (db_worker)"] = [*base, "db_worker", *(task_args or [])]
    if only in ("", "sync"):
        # Dossiers and their status changes to the national portal (Cổng DVCQG) through the province's adapter.
        commands["đồng bộ Cổng DVCQG"] = [*base, "deliver_portal_sync", "--loop", "--interval", str(max(interval, 2.0))]
    if only in ("", "indices"):
        # Dashboards read rollups; a few seconds behind the dossiers is fresh enough and keeps each pass small.
        commands["cập nhật chỉ số (indices)"] = [*base, "refresh_indices", "--loop", "--interval", str(max(interval, 5.0))]
    return commands


def cmd_demo(args: argparse.Namespace) -> int:
    data_dir = Path(os.environ.get("CONGVU_DATA_DIR", "./var")).resolve()
    if args.reset and not os.environ.get("DATABASE_URL"):
        for name in ("congvu.sqlite3", "congvu.sqlite3-wal", "congvu.sqlite3-shm"):
            (data_dir / name).unlink(missing_ok=True)
        shutil.rmtree(data_dir / "media", ignore_errors=True)
        print(f"Đã xoá dữ liệu demo cũ trong {data_dir}")
    adapter = _demo_portal_adapter()
    _setup_django()
    print("Đang cập nhật cơ sở dữ liệu (migrate)…", flush=True)
    _manage("migrate", "--no-input", verbosity=0)
    from congvu.core.demo import DEMO_PASSWORD, demo_logins, load_demo

    if args.reset and os.environ.get("DATABASE_URL"):
        _manage("flush", "--no-input", verbosity=0)
        from congvu.workcal.services import load_official_overrides

        load_official_overrides()  # flush empties the table its data migration filled
    url = f"http://{args.host}:{args.port}/"
    # Links in the notifications (lookup, rating) point at this server unless the operator set another base.
    os.environ.setdefault("CONGVU_PUBLIC_URL", url.rstrip("/"))
    load_demo(stdout=sys.stdout)
    print("\n" + "=" * 70)
    print(f"congvu demo đang chạy tại {url}")
    print(f"  Cổng dịch vụ công: {url}")
    print(f"  Trang cán bộ:      {url}staff/")
    print(f"  Cấu hình (admin):  {url}admin/")
    for line in _notification_lines(url):
        print(line)
    print(f"  Đồng bộ Cổng DVCQG: {_portal_line(adapter)} — {url}staff/sync/")
    print(f"Tài khoản demo (mật khẩu chung: {DEMO_PASSWORD}):")
    for username, role, unit in demo_logins():
        print(f"  {username:<14} {role:<32} {unit}")
    print("  Lãnh đạo và quản trị xác nhận đăng nhập bằng mã xác thực hai lớp: lần đầu đăng nhập, quét mã QR bằng ứng dụng")
    print("  xác thực (Google Authenticator, FreeOTP…); chạy với CONGVU_REQUIRE_2FA=0 để bỏ qua khi chỉ xem thử.")
    print("Nhấn Ctrl+C để dừng.")
    print("=" * 70, flush=True)
    _take_ctrl_c()
    procs = {"máy chủ web (granian)": _granian(args.host, args.port, args.workers)}
    if adapter is not None:
        procs["bộ điều hợp DVCQG demo"] = adapter
    procs.update({name: _child(cmd) for name, cmd in _worker_commands().items()})
    # The demo lives as long as its web server; a worker that stops is reported and the site stays up.
    return _supervise(procs, keep={"máy chủ web (granian)"})


# What the demo adapter accepts (congvu.sync.fake_adapter.FakeAdapter's defaults); made-up codes, no secret.
DEMO_PORTAL = {"CONGVU_PORTAL_USERNAME": "congvu", "CONGVU_PORTAL_PASSWORD": "congvu-demo", "CONGVU_PORTAL_DSTCODE": "000.00.00.H00",
               "CONGVU_PORTAL_UNIT_CODE": "DEMO.01"}


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_for_port(port: int, proc: subprocess.Popen, timeout: float = 20) -> bool:
    import socket

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return True
        except OSError:
            time.sleep(0.2)
    return False


def _demo_portal_adapter() -> subprocess.Popen | None:
    """`congvu demo` syncs its dossiers to a demo adapter it starts (`fake_portal_adapter`, a child process on a free
    port), unless CONGVU_PORTAL_ADAPTER_URL already points at one. Sets the CONGVU_PORTAL_* environment that the
    server and the workers (children) inherit; called before Django reads its settings."""
    if os.environ.get("CONGVU_PORTAL_ADAPTER_URL", "").strip():
        return None
    port = _free_port()
    proc = _child([sys.executable, "-m", "congvu.cli", "manage", "fake_portal_adapter", "--port", str(port)])
    if not _wait_for_port(port, proc):
        print("Cảnh báo: không chạy được bộ điều hợp DVCQG demo; đồng bộ Cổng DVCQG chưa được cấu hình.", flush=True)
        _stop([proc])
        return None
    os.environ["CONGVU_PORTAL_ADAPTER_URL"] = f"http://127.0.0.1:{port}"
    for name, value in DEMO_PORTAL.items():
        os.environ.setdefault(name, value)
    return proc


def _portal_line(adapter: subprocess.Popen | None) -> str:
    url = os.environ.get("CONGVU_PORTAL_ADAPTER_URL", "").strip()
    if not url:
        return "chưa cấu hình đồng bộ (các thay đổi được giữ trong hàng đợi)"
    return f"bộ điều hợp demo {url}" if adapter is not None else f"bộ điều hợp {url}"


def _notification_lines(url: str) -> list[str]:
    """Where the demo's e-mail and SMS go: the configured SMTP server / SMS gateway, else the demo mailbox page."""
    from congvu.notify.transports import describe_channels

    channels = describe_channels()
    mailbox = f"{url}staff/notify/mailbox/"
    lines = [
        f"  Thông báo email:   {channels['email']}",
        f"  Thông báo SMS:     {channels['sms']}",
        f"  Hộp thư demo:      {mailbox} (đăng nhập quantri hoặc caicach)",
        f"  Hộp thư đi:        {url}staff/notify/",
    ]
    return lines


def cmd_serve(args: argparse.Namespace) -> int:
    return _wait(_granian(args.host, args.port, args.workers))


def cmd_worker(args: argparse.Namespace) -> int:
    """Run the background processes until Ctrl+C or SIGTERM: notification delivery and django-tasks' db_worker
    (`--only notify|tasks` runs one of them; arguments after `--` go to db_worker)."""
    if args.interval <= 0:
        print("--interval phải là số dương.", file=sys.stderr)
        return 2
    _setup_django()
    from django.core.exceptions import ImproperlyConfigured

    from congvu.notify import conf
    from congvu.notify.transports import describe_channels

    try:
        conf.policy()
        channels = describe_channels()
    except ImproperlyConfigured as exc:
        print(f"Cấu hình gửi thông báo không hợp lệ: {exc}", file=sys.stderr)
        return 2
    rest = args.rest[1:] if args.rest[:1] == ["--"] else args.rest
    _take_ctrl_c()
    procs = {name: _child(cmd) for name, cmd in _worker_commands(args.only or "", args.interval, rest).items()}
    print("Đã chạy tiến trình nền: " + ", ".join(f"{name} (pid {p.pid})" for name, p in procs.items()) + ".", flush=True)
    if "gửi thông báo" in procs:
        print(f"  Email → {channels['email']}; SMS → {channels['sms']}.", flush=True)
    print("Nhấn Ctrl+C để dừng.", flush=True)
    return _supervise(procs)


def cmd_calendar(argv: list[str]) -> int:
    from congvu.workcal.cli import main as calendar_main

    return calendar_main(argv, setup_django=_setup_django)


def cmd_manage(argv: list[str]) -> int:
    _setup_django()
    from django.core.management import execute_from_command_line

    execute_from_command_line(["congvu manage", *argv])
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="congvu", description="congvu — hệ thống một cửa điện tử")
    sub = parser.add_subparsers(dest="command", required=True)

    demo = sub.add_parser("demo", help="tạo CSDL SQLite, nạp dữ liệu demo và chạy máy chủ")
    demo.add_argument("--host", default="127.0.0.1")
    demo.add_argument("--port", type=int, default=8000)
    demo.add_argument("--workers", type=int, default=1)
    demo.add_argument("--reset", action="store_true", help="xoá dữ liệu demo và làm lại từ đầu")
    demo.set_defaults(func=cmd_demo)

    serve = sub.add_parser("serve", help="chạy máy chủ web (granian)")
    serve.add_argument("--host", default=os.environ.get("CONGVU_HOST", "127.0.0.1"))
    serve.add_argument("--port", type=int, default=int(os.environ.get("CONGVU_PORT", "8000")))
    serve.add_argument("--workers", type=int, default=int(os.environ.get("CONGVU_WORKERS", "2")))
    serve.set_defaults(func=cmd_serve)

    worker = sub.add_parser("worker", help="chạy tiến trình xử lý nền (gửi thông báo email/SMS, tác vụ nền)")
    worker.add_argument("--only", choices=["notify", "tasks", "sync", "indices"],
                        help="chỉ chạy việc gửi thông báo (notify), tác vụ nền (tasks), đồng bộ Cổng DVCQG (sync) hoặc cập nhật chỉ số (indices)")
    worker.add_argument("--interval", type=float, default=1.0, help="số giây chờ giữa hai lần kiểm tra hộp thư đi khi rảnh (mặc định 1)")
    worker.add_argument("rest", nargs=argparse.REMAINDER, help="sau --: tham số cho db_worker")
    worker.set_defaults(func=cmd_worker)

    sub.add_parser("calendar", help="lịch ngày làm việc: due | off", add_help=False)
    sub.add_parser("manage", help="lệnh quản trị Django", add_help=False)
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    # calendar and manage take their own arguments, parsed by their own parsers.
    if argv and argv[0] == "calendar":
        return cmd_calendar(argv[1:])
    if argv and argv[0] == "manage":
        return cmd_manage(argv[1:])
    args = build_parser().parse_args(argv)
    return args.func(args) or 0


if __name__ == "__main__":
    sys.exit(main())
