"""`congvu manage fake_portal_adapter --port 8089`: the demo's stand-in for the province's integration adapter in
front of the national portal (congvu.sync.fake_adapter.FakeAdapter), in the foreground until Ctrl+C or SIGTERM.
`congvu demo` starts it as a child process and points CONGVU_PORTAL_* at it."""

from __future__ import annotations

import json
import signal
import threading
from collections.abc import Iterator, Mapping

from django.core.management.base import BaseCommand, CommandError

from congvu.sync.fake_adapter import FakeAdapter


class DatabaseCatalogue(Mapping):
    """LayThuTuc / LayDanhSachTTHC answers from our own catalogue (the version in force of each procedure), read on
    the first look-up, when the demo database is surely there."""

    def __init__(self):
        self._entries: dict | None = None
        self._lock = threading.Lock()

    def _load(self) -> dict:
        with self._lock:
            if self._entries is None:
                from django.db import close_old_connections

                from congvu.catalog.selectors import current_versions

                try:
                    self._entries = {
                        v.procedure.code: {
                            "TENTTHC": v.name, "MALINHVUC": v.field.code, "TENLINHVUC": v.field.name,
                            "LINHVUCTHUCHIEN": [{"MALINHVUC": v.field.code, "TENLINHVUC": v.field.name}],
                        }
                        for v in current_versions().select_related("procedure", "field")
                    }
                finally:
                    close_old_connections()
            return self._entries

    def __getitem__(self, code):
        return self._load()[code]

    def __iter__(self) -> Iterator:
        return iter(self._load())

    def __len__(self) -> int:
        return len(self._load())


class Command(BaseCommand):
    help = (
        "Chạy bộ điều hợp Cổng DVCQG giả lập (cho demo và kiểm thử): nhận DongBoHoSoMC, CapNhatTienDoHoSoMC, TraCuuHoSo, "
        "LayThuTuc, LayDanhSachTTHC, kiểm tra từng trường như danh sách trường đồng bộ; dừng bằng Ctrl+C."
    )

    def add_arguments(self, parser):
        defaults = FakeAdapter()
        parser.add_argument("--port", type=int, default=8089, help="cổng lắng nghe (mặc định 8089)")
        parser.add_argument("--host", default="127.0.0.1", help="địa chỉ lắng nghe (mặc định 127.0.0.1)")
        parser.add_argument("--username", default=defaults.username, help=f"tên đăng nhập (mặc định {defaults.username})")
        parser.add_argument("--password", default=defaults.password, help="mật khẩu (mặc định của demo)")
        parser.add_argument("--dstcode", default=defaults.dstcode, help=f"mã đích (mặc định {defaults.dstcode})")
        parser.add_argument("--madonvi", default=defaults.madonvi, help=f"mã đơn vị (mặc định {defaults.madonvi})")
        parser.add_argument("--session-ttl", type=float, default=None, help="số giây một phiên còn hiệu lực (mặc định: không hết hạn)")
        parser.add_argument(
            "--catalogue", metavar="TỆP_JSON",
            help="danh mục thủ tục trả lời LayThuTuc (JSON: mã TTHC → {TENTTHC, MALINHVUC, TENLINHVUC, …}); mặc định đọc từ cơ sở dữ liệu",
        )

    def handle(self, *args, port, host, username, password, dstcode, madonvi, session_ttl, catalogue, **options):
        if catalogue:
            try:
                with open(catalogue, encoding="utf-8") as handle:
                    entries = json.load(handle)
            except (OSError, ValueError) as exc:
                raise CommandError(f"Không đọc được danh mục {catalogue}: {exc}") from None
            if not isinstance(entries, dict):
                raise CommandError("Danh mục phải là một JSON object: mã TTHC → thông tin thủ tục.")
        else:
            entries = DatabaseCatalogue()
        adapter = FakeAdapter(username=username, password=password, dstcode=dstcode, madonvi=madonvi, session_ttl=session_ttl,
                              catalogue=entries, port=port, host=host)
        try:
            adapter.start()
        except OSError as exc:
            raise CommandError(f"Không mở được cổng {host}:{port}: {exc}") from None

        stop = threading.Event()
        previous = signal.signal(signal.SIGTERM, lambda *_: stop.set())
        self.stdout.write(
            f"Bộ điều hợp Cổng DVCQG giả lập đang chạy tại {adapter.url} (đăng nhập {adapter.auth_endpoint}, tích hợp "
            f"{adapter.integration_endpoint}, dstcode {dstcode}, mã đơn vị {madonvi}). Nhấn Ctrl+C để dừng."
        )
        self.stdout.flush()
        try:
            while not stop.wait(0.5):
                pass
        except KeyboardInterrupt:
            pass
        finally:
            signal.signal(signal.SIGTERM, previous)
            adapter.stop()
            counts = {}
            for body in adapter.received:
                counts[body.get("service", "auth")] = counts.get(body.get("service", "auth"), 0) + 1
            summary = ", ".join(f"{name} {n}" for name, n in sorted(counts.items())) or "không có yêu cầu nào"
            self.stdout.write(f"Đã dừng bộ điều hợp giả lập ({summary}; {len(adapter.problems)} lỗi dữ liệu).")
