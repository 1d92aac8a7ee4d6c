"""`congvu manage import_catalog FILE [--format json|csv|portal] [--effective-from YYYY-MM-DD]`
and `congvu manage import_catalog --starter`."""

import datetime as dt
import sys
import textwrap
from argparse import ArgumentTypeError, RawDescriptionHelpFormatter
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from congvu.catalog import exchange_format, services
from congvu.catalog.problems import CatalogFormatError

def _wrap(text: str) -> str:
    return textwrap.fill(text, width=100, initial_indent="          ", subsequent_indent="          ")


HELP = f"""Nhập danh mục thủ tục hành chính từ tệp (tất cả hoặc không: một dòng lỗi thì không nhập gì).

Định dạng (tự nhận theo đuôi tệp và nội dung nếu không ghi --format):
  portal  danh sách JSON theo cổng DVCQG (như tệp khởi tạo congvu/catalog/data/procedures.json);
          giữ nguyên mọi giá trị công bố; thời hạn không có đơn vị, "ngày" chưa xác nhận, lệ phí chưa
          có số tiền được đánh dấu "chưa đủ thông tin để tiếp nhận".
  json    tệp danh mục của congvu ("format": "{exchange_format.FORMAT_NAME}"), do export_catalog tạo; giữ
          đủ mọi phiên bản, quy trình, lệ phí đã bổ sung.
  csv     UTF-8 (có hoặc không BOM), dòng tiêu đề, mỗi dòng một phiên bản thủ tục, các cột:
{_wrap(", ".join(exchange_format.CSV_COLUMNS))}
          Ô trống = chưa biết; đúng/sai ghi true/false; ngày ghi YYYY-MM-DD; share của bước quy trình
          là số thập phân ghi dạng chuỗi ("0.5"). Các cột danh sách chứa JSON ngay trong ô, cùng cấu
          trúc như định dạng json:
            levels, results, legal_basis, notes, linked: danh sách chuỗi (linked = mã thủ tục liên thông)
            documents: {{{", ".join(exchange_format.DOCUMENT_KEYS)}}}, group là submit|show|note
            fees: {{{", ".join(exchange_format.FEE_KEYS)}}}, channels là in_person|online|post
            channels: {{{", ".join(exchange_format.CHANNEL_KEYS)}}}
            workflow: {{{", ".join(exchange_format.STEP_KEYS)}}}, unit_code trống = quy trình chung
          Ví dụ ô fees: [{{"name": "Lệ phí", "amount_vnd": 8000, "raw": "8,000 VNĐ", "note": "",
          "channels": ["in_person"], "amount_basis": ""}}]

Lỗi ghi "Dòng N": với CSV là số dòng trong tệp (dòng tiêu đề là 1); với JSON là thứ tự thủ tục (từ 1).
Nhập lại cùng tệp không tạo thêm gì; bản ghi thay đổi tạo phiên bản mới, phiên bản cũ vẫn đọc được.
Phiên bản không ghi ngày hiệu lực lấy --effective-from (mặc định: hôm nay; với --starter:
{services.STARTER_EFFECTIVE_FROM.isoformat()}, ngày chính quyền địa phương hai cấp có hiệu lực)."""


class Command(BaseCommand):
    help = HELP

    def create_parser(self, prog_name, subcommand, **kwargs):
        # Keep the help's layout: the CSV columns and the example cell are meant to be read as written.
        kwargs["formatter_class"] = RawDescriptionHelpFormatter
        return super().create_parser(prog_name, subcommand, **kwargs)

    def add_arguments(self, parser):
        parser.add_argument("file", nargs="?", help="tệp cần nhập (- để đọc từ đầu vào chuẩn)")
        parser.add_argument("--format", choices=services.FORMATS, help="định dạng tệp; mặc định tự nhận")
        parser.add_argument("--starter", action="store_true", help="nạp danh mục khởi tạo 50 thủ tục đi kèm congvu")
        parser.add_argument("--effective-from", type=_date, help="ngày hiệu lực cho phiên bản không ghi ngày (YYYY-MM-DD)")

    def handle(self, *args, **options):
        if bool(options["file"]) == bool(options["starter"]):
            raise CommandError("Cần đúng một nguồn: đường dẫn tệp, hoặc --starter.")
        progress = self._progress
        try:
            if options["starter"]:
                self.stdout.write(f"Nạp danh mục khởi tạo: {services.STARTER_FILE}")
                report = services.import_starter_catalog(effective_from=options["effective_from"], progress=progress)
            else:
                raw, name = self._read(options["file"])
                report = services.import_catalog(raw, format=options["format"], filename=name, effective_from=options["effective_from"], progress=progress)
        except CatalogFormatError as exc:
            raise CommandError("Không nhập gì vì tệp có lỗi:\n" + str(exc)) from exc
        self.stdout.write("")
        self.stdout.write(self.style.SUCCESS(
            f"Xong ({report.format}): {report.total} bản ghi; {report.procedures_created} thủ tục mới, "
            f"{report.versions_created} phiên bản mới, {report.unchanged} không đổi; "
            f"{report.incomplete_created} phiên bản mới chưa đủ thông tin để tiếp nhận."
        ))

    def _read(self, path: str) -> tuple[bytes, str | None]:
        if path == "-":
            return sys.stdin.buffer.read(), None
        file = Path(path)
        if not file.is_file():
            raise CommandError(f"Không tìm thấy tệp {path}.")
        return file.read_bytes(), file.name

    def _progress(self, done: int, total: int) -> None:
        # One counter line, rewritten in place on a terminal; a log gets a line per 10 records and the last.
        if self.stdout.isatty():
            self.stdout.write(f"\rĐang nhập {done}/{total}", ending="")
            self.stdout.flush()
        elif done == total or done % 10 == 0:
            self.stdout.write(f"Đang nhập {done}/{total}")


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise ArgumentTypeError(f"ngày không hợp lệ {text!r} (cần YYYY-MM-DD)") from None
