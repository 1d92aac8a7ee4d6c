"""A local stand-in for the province's integration adapter in front of the national portal (../shared/SYNC.md §1, §3):
an HTTP server on 127.0.0.1 that the tests and `congvu demo` talk to exactly as the real system would.

It checks every request the way we understand the real one does, and is stricter where that catches our mistakes:
- `POST /auth` with `{username, password}` → `{error_code: 0, session}`; wrong credentials → `{error_code: "-1"}`.
- `POST /integration` with `{service, session, madonvi, …}` and the `dstcode` header (checked on every request).
  A session given out before `expire_sessions()` (or older than `session_ttl` seconds) → `{error_code: "-2"}`.
- `DongBoHoSoMC` `{isUpdating: "True"|"False", data: [record…]}`: every record checked with `fields.validate_record`;
  invalid → `{error_code: "-1", message: "Dữ liệu không hợp lệ: …"}` and the problems kept in `problems`; a create of
  a MaHoSo it already has → `{error_code: "3", message: "Hồ sơ đã tồn tại"}`; an update of one it has not → error.
- `CapNhatTienDoHoSoMC` `{data: [item…]}`: at most 10 items a call (SYNC.md: chunks of 10), each checked with
  `fields.validate_history_item`, for dossiers it already has.
- `TraCuuHoSo` `{mahoso}` → `{error_code: 0, result: [record]}` or `result: []`.
- `LayThuTuc` `{maTTHC}` / `LayDanhSachTTHC` answer from `catalogue` (docs/sync.md has the shape).
- `fail_next(n, http_status=…, code=…, message=…)` makes the next n integration calls fail (logins are not affected);
  `go_down()` closes the socket (connection refused) until `come_back()`.

Pure standard library; Django is not needed to run it (`congvu manage fake_portal_adapter --port N` does).
"""

from __future__ import annotations

import json
import secrets
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from congvu.sync import fields

OK_MESSAGE = "Thành công"
EXISTS_MESSAGE = "Hồ sơ đã tồn tại"


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True


class FakeAdapter:
    auth_endpoint = "/auth"
    integration_endpoint = "/integration"

    def __init__(self, *, username: str = "congvu", password: str = "congvu-demo", dstcode: str = "000.00.00.H00",
                 session_ttl: float | None = None, catalogue: dict | None = None, port: int = 0, madonvi: str = "DEMO.01",
                 max_history_items: int = fields.HISTORY_CHUNK, host: str = "127.0.0.1"):
        self.username, self.password, self.dstcode, self.madonvi = username, password, dstcode, madonvi
        self.session_ttl = session_ttl
        # maTTHC -> entry; any mapping (the management command's reads the database on first use).
        self.catalogue = catalogue if catalogue is not None else {}
        self.max_history_items = max_history_items
        self.host, self.port = host, port
        self.received: list[dict] = []
        self.dossiers: dict[str, dict] = {}
        self.history: dict[str, list[dict]] = {}
        self.problems: list[str] = []
        self._sessions: dict[str, float] = {}
        self._failures: list[tuple[int | None, str, str]] = []
        self._lock = threading.RLock()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    # ------------------------------------------------------------------------------------------- lifecycle

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def settings(self) -> dict:
        """What settings.PORTAL_ADAPTER must say to talk to this adapter."""
        return {
            "adapter_url": self.url, "auth_endpoint": self.auth_endpoint, "integration_endpoint": self.integration_endpoint,
            "username": self.username, "password": self.password, "dstcode": self.dstcode, "madonvi": self.madonvi,
        }

    def start(self) -> FakeAdapter:
        with self._lock:
            if self._server is not None:
                return self
            handler = type("Handler", (_Handler,), {"adapter": self})
            self._server = _Server((self.host, self.port), handler)
            self.port = self._server.server_address[1]  # a free port on the first start, the same one after
            self._thread = threading.Thread(target=self._server.serve_forever, name=f"fake-adapter-{self.port}", daemon=True)
            self._thread.start()
        return self

    def stop(self) -> None:
        with self._lock:
            server, thread = self._server, self._thread
            self._server = self._thread = None
        if server is not None:
            server.shutdown()
            server.server_close()
        if thread is not None:
            thread.join(timeout=5)

    def serve_forever(self) -> None:
        """Run in the calling thread until stop() (the management command)."""
        self.start()
        while self._thread is not None and self._thread.is_alive():
            self._thread.join(timeout=0.5)

    def __enter__(self) -> FakeAdapter:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    # -------------------------------------------------------------------------------------- test controls

    def fail_next(self, n: int = 1, *, http_status: int | None = None, code: str = "-1", message: str = "Lỗi hệ thống") -> None:
        """The next `n` integration calls fail (n=0 clears): with that HTTP status and the body
        {error_code: code, message}, or HTTP 200 with that body when no status is given."""
        with self._lock:
            self._failures = [(http_status, code, message)] * max(int(n), 0)

    def expire_sessions(self) -> None:
        with self._lock:
            self._sessions.clear()

    def go_down(self) -> None:
        """Connection refused until come_back(): the socket is closed, the port kept for later."""
        self.stop()

    def come_back(self) -> None:
        self.start()

    # ----------------------------------------------------------------------------------------- answering

    def answer(self, path: str, headers: dict, body) -> tuple[int, dict]:
        """The HTTP status and JSON answer to one request (the handler's only call)."""
        with self._lock:
            if isinstance(body, dict):
                self.received.append(body)
            if path not in (self.auth_endpoint, self.integration_endpoint):
                return 404, {"error_code": "-1", "message": f"Không có địa chỉ {path}"}
            if not isinstance(body, dict):
                return 400, {"error_code": fields.VALIDATION_ERROR_CODE, "message": "Nội dung yêu cầu không phải JSON object"}
            if path == self.integration_endpoint and self._failures:
                http_status, code, message = self._failures.pop(0)
                return http_status or 200, {"error_code": code, "message": message}
            dstcode = headers.get("dstcode", "")
            if dstcode != self.dstcode:
                return 200, {"error_code": "-1", "message": f"Sai hoặc thiếu mã đích (dstcode): {dstcode!r}"}
            if path == self.auth_endpoint:
                return 200, self._auth(body)
            problem = self._session_problem(body)
            if problem is not None:
                return 200, problem
            if body.get("madonvi") != self.madonvi:
                return 200, {"error_code": "-1", "message": f"Sai hoặc thiếu mã đơn vị (madonvi): {body.get('madonvi')!r}"}
            handler = {
                fields.RECORD_SERVICE: self._record, fields.HISTORY_SERVICE: self._history, fields.LOOKUP_SERVICE: self._lookup,
                fields.PROCEDURE_SERVICE: self._procedure, fields.PROCEDURE_LIST_SERVICE: self._procedures,
            }.get(body.get("service"))
            if handler is None:
                return 200, {"error_code": "-1", "message": f"Dịch vụ không được hỗ trợ: {body.get('service')!r}"}
            return 200, handler(body)

    def _auth(self, body: dict) -> dict:
        if body.get("username") != self.username or body.get("password") != self.password:
            return {"error_code": "-1", "message": "Sai tên đăng nhập hoặc mật khẩu"}
        session = secrets.token_hex(16)
        self._sessions[session] = time.monotonic()
        return {"error_code": 0, "message": OK_MESSAGE, "session": session}

    def _session_problem(self, body: dict) -> dict | None:
        issued = self._sessions.get(body.get("session") or "")
        if issued is not None and (self.session_ttl is None or time.monotonic() - issued <= self.session_ttl):
            return None
        self._sessions.pop(body.get("session") or "", None)
        return {"error_code": fields.SESSION_EXPIRED_CODE, "message": "Phiên làm việc không hợp lệ hoặc đã hết hạn"}

    def _invalid(self, problems: list[str]) -> dict:
        self.problems.extend(problems)
        shown = "; ".join(problems[:5]) + (f" (và {len(problems) - 5} lỗi khác)" if len(problems) > 5 else "")
        return {"error_code": fields.VALIDATION_ERROR_CODE, "message": f"Dữ liệu không hợp lệ: {shown}"}

    def _data(self, body: dict, service: str) -> tuple[list, list[str]]:
        data = body.get("data")
        if not isinstance(data, list) or not data:
            return [], [f"{service}: data phải là danh sách có ít nhất một phần tử"]
        return data, []

    def _record(self, body: dict) -> dict:
        updating = body.get("isUpdating")
        data, problems = self._data(body, fields.RECORD_SERVICE)
        if updating not in ("True", "False"):
            problems.append(f"isUpdating phải là \"True\" hoặc \"False\", nhận {updating!r}")
        for index, record in enumerate(data):
            problems.extend(f"data[{index}].{p}" for p in fields.validate_record(record))
        if problems:
            return self._invalid(problems)
        codes = [record["MaHoSo"] for record in data]
        if updating == "False" and any(code in self.dossiers for code in codes):
            return {"error_code": fields.EXISTS_CODE, "message": EXISTS_MESSAGE}
        missing = [code for code in codes if code not in self.dossiers]
        if updating == "True" and missing:
            return {"error_code": "-1", "message": f"Hồ sơ chưa có trên Cổng DVCQG, không cập nhật được: {', '.join(missing)}"}
        for record in data:
            self.dossiers[record["MaHoSo"]] = json.loads(json.dumps(record))
            self.history.setdefault(record["MaHoSo"], [])
        return {"error_code": 0, "message": OK_MESSAGE}

    def _history(self, body: dict) -> dict:
        data, problems = self._data(body, fields.HISTORY_SERVICE)
        if len(data) > self.max_history_items:
            problems.append(f"{fields.HISTORY_SERVICE}: tối đa {self.max_history_items} mục mỗi lần, nhận {len(data)}")
        for index, item in enumerate(data):
            problems.extend(f"data[{index}].{p}" for p in fields.validate_history_item(item))
        if problems:
            return self._invalid(problems)
        unknown = sorted({item["MaHoSo"] for item in data if item["MaHoSo"] not in self.dossiers})
        if unknown:
            return {"error_code": "-1", "message": f"Hồ sơ chưa được đồng bộ lên Cổng DVCQG: {', '.join(unknown)}"}
        for item in data:
            self.history[item["MaHoSo"]].append(json.loads(json.dumps(item)))
        return {"error_code": 0, "message": OK_MESSAGE}

    def _lookup(self, body: dict) -> dict:
        code = body.get("mahoso") or body.get("MaHoSo") or ""
        record = self.dossiers.get(code)
        return {"error_code": 0, "message": OK_MESSAGE, "result": [json.loads(json.dumps(record))] if record else []}

    def _entry(self, code: str) -> dict:
        entry = dict(self.catalogue[code])
        entry.setdefault("MATTHC", code)
        if "LINHVUCTHUCHIEN" not in entry and ("MALINHVUC" in entry or "TENLINHVUC" in entry):
            entry["LINHVUCTHUCHIEN"] = [{"MALINHVUC": entry.get("MALINHVUC", ""), "TENLINHVUC": entry.get("TENLINHVUC", "")}]
        return json.loads(json.dumps(entry))

    def _procedure(self, body: dict) -> dict:
        code = body.get("maTTHC") or ""
        return {"error_code": 0, "message": OK_MESSAGE, "result": [self._entry(code)] if code in self.catalogue else []}

    def _procedures(self, body: dict) -> dict:
        return {"error_code": 0, "message": OK_MESSAGE, "result": [self._entry(code) for code in sorted(self.catalogue)]}


class _Handler(BaseHTTPRequestHandler):
    adapter: FakeAdapter  # HTTP/1.0: one request per connection, so go_down() leaves no connection open

    def do_POST(self):  # noqa: N802 (the http.server name)
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        try:
            body = json.loads(raw.decode("utf-8")) if raw else None
        except (UnicodeDecodeError, json.JSONDecodeError):
            body = None
        status, answer = self.adapter.answer(self.path.split("?", 1)[0], {"dstcode": self.headers.get("dstcode", "")}, body)
        self._send(status, answer)

    def do_GET(self):  # noqa: N802
        self._send(405, {"error_code": "-1", "message": "Chỉ nhận POST"})

    def _send(self, status: int, answer: dict) -> None:
        data = json.dumps(answer, ensure_ascii=False).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format, *args):  # quiet: the tests and the demo read `received`, not stderr
        pass
