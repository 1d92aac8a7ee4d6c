"""The `congvu` command: demo, serve, worker, calendar and manage.

`congvu demo` is the newcomer's path: it builds an SQLite database under CONGVU_DATA_DIR, loads a real
province's demo data once and serves it. Everything else is for operators.
"""

import argparse
import os
import shutil
import subprocess
import sys
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


def cmd_demo(args: argparse.Namespace) -> int:
    data_dir = Path(os.environ.get("CONGVU_DATA_DIR", "./var")).resolve()
    if args.reset and not os.environ.get("DATABASE_URL"):
        for name in ("congvu.sqlite3", "congvu.sqlite3-wal", "congvu.sqlite3-shm"):
            (data_dir / name).unlink(missing_ok=True)
        shutil.rmtree(data_dir / "media", ignore_errors=True)
        print(f"Đã xoá dữ liệu demo cũ trong {data_dir}")
    _setup_django()
    print("Đang cập nhật cơ sở dữ liệu (migrate)…", flush=True)
    _manage("migrate", "--no-input", verbosity=0)
    from congvu.core.demo import DEMO_PASSWORD, demo_logins, load_demo

    if args.reset and os.environ.get("DATABASE_URL"):
        _manage("flush", "--no-input", verbosity=0)
        from congvu.workcal.services import load_official_overrides

        load_official_overrides()  # flush empties the table its data migration filled
    load_demo(stdout=sys.stdout)
    url = f"http://{args.host}:{args.port}/"
    print("\n" + "=" * 70)
    print(f"congvu demo đang chạy tại {url}")
    print(f"  Cổng dịch vụ công: {url}")
    print(f"  Trang cán bộ:      {url}staff/")
    print(f"  Cấu hình (admin):  {url}admin/")
    print(f"Tài khoản demo (mật khẩu chung: {DEMO_PASSWORD}):")
    for username, role, unit in demo_logins():
        print(f"  {username:<14} {role:<32} {unit}")
    print("Nhấn Ctrl+C để dừng.")
    print("=" * 70, flush=True)
    return _wait(_granian(args.host, args.port, args.workers))


def cmd_serve(args: argparse.Namespace) -> int:
    return _wait(_granian(args.host, args.port, args.workers))


def cmd_worker(args: argparse.Namespace) -> int:
    _setup_django()
    from django.core.management import execute_from_command_line

    execute_from_command_line(["congvu", "db_worker", *args.rest])
    return 0


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

    worker = sub.add_parser("worker", help="chạy tiến trình xử lý nền (thông báo, đồng bộ)")
    worker.add_argument("rest", nargs=argparse.REMAINDER)
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
