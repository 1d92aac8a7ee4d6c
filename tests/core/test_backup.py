"""`congvu manage backup` / `restore` round trip on the database the suite runs on (SQLite or PostgreSQL), with the
uploaded files and the data dir's key files: what was there comes back exactly, what was added since goes, a new
dossier after the restore gets the next code; a damaged, partial or foreign backup and a database holding data
(without --force) are refused and change nothing."""

import json
import shutil
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from congvu.documents.models import StoredFile
from congvu.documents.services import store_generated
from congvu.dossiers.models import Dossier
from congvu.units.models import Unit
from tests.dossiers.conftest import CITIZEN, catalogue, place, receive, staff, submit_ids  # noqa: F401 - fixtures reused

pytestmark = pytest.mark.django_db(transaction=True)

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def installation(settings, tmp_path):
    """A data dir of its own with a key file beside the media folder, as an installation has."""
    data = tmp_path / "data"
    (data / "signing").mkdir(parents=True)
    (data / "secret_key").write_text("bi-mat-cua-tinh")
    (data / "signing" / "T01-A-TT.key.pem").write_bytes(b"-----BEGIN PRIVATE KEY-----\nabc\n")
    settings.DATA_DIR = data
    settings.MEDIA_ROOT = data / "media"
    settings.STATIC_ROOT = data / "static"
    return data


def _backup(tmp_path) -> Path:
    call_command("backup", output=tmp_path / "backups")
    [path] = (tmp_path / "backups").iterdir()
    return path


def _restore(path, force=False):
    call_command("restore", str(path), force=force)


def test_round_trip_brings_back_rows_files_and_keys(installation, tmp_path, receive, staff, place):
    first = receive(applicant={**CITIZEN, "full_name": "Trần Thị Bình"})
    second = receive()
    stored = store_generated(PDF, "ket-qua.pdf")
    blob = Path(installation / "media" / stored.storage_name)
    assert blob.read_bytes() == PDF

    path = _backup(tmp_path)
    manifest = json.loads((path / "manifest.json").read_text())
    assert path.name.startswith("congvu-backup-") and not any(p.name.endswith(".partial") for p in path.parent.iterdir())
    assert (path.stat().st_mode & 0o777) == 0o700, "a backup holds personal data and keys: owner only"
    assert manifest["database"]["vendor"] == connection.vendor
    assert manifest["counts"]["dossiers_dossier"] == 2 and manifest["counts"]["documents_storedfile"] == 1
    assert {f["path"] for f in manifest["files"]} == {f"media/{stored.storage_name}", "data/secret_key", "data/signing/T01-A-TT.key.pem"}
    assert ["dossiers", "0001_initial"] in manifest["migrations"]

    # A database with data is not overwritten without --force, and nothing changes.
    with pytest.raises(CommandError, match="đã có dữ liệu"):
        _restore(path)
    assert Dossier.objects.count() == 2

    # Life goes on after the backup: a dossier withdrawn from the database, one added, a file and a key lost.
    Dossier.objects.filter(pk=first.pk).update(summary="đã sửa sau sao lưu")
    later = receive()
    blob.unlink()
    (installation / "signing" / "T01-A-TT.key.pem").write_bytes(b"khoa-khac")
    (installation / "media" / "rac.txt").write_text("tệp không có trong bản sao lưu")

    _restore(path, force=True)

    assert sorted(Dossier.objects.values_list("code", flat=True)) == sorted([first.code, second.code])
    assert Dossier.objects.get(pk=first.pk).summary == first.summary
    assert not Dossier.objects.filter(code=later.code).exists()
    assert blob.read_bytes() == PDF and StoredFile.objects.get().storage_name == stored.storage_name
    assert (installation / "signing" / "T01-A-TT.key.pem").read_bytes() == b"-----BEGIN PRIVATE KEY-----\nabc\n"
    assert (installation / "secret_key").read_text() == "bi-mat-cua-tinh"
    assert not (installation / "media" / "rac.txt").exists(), "media is replaced as a whole"
    # Sequences and counters came back with the rows: the next intake works and takes the next number again.
    again = receive()
    assert again.code == later.code and Dossier.objects.count() == 3
    assert Unit.objects.filter(code=place.centre.code).exists()

    # What a fresh installation holds (seeded configuration, no accounts, units or dossiers) is replaced without --force.
    call_command("flush", "--no-input", verbosity=0)
    _restore(path)
    assert sorted(Dossier.objects.values_list("code", flat=True)) == sorted([first.code, second.code])


def test_damaged_partial_or_foreign_backups_are_refused_and_change_nothing(installation, tmp_path, receive):
    d = receive()
    store_generated(PDF, "ket-qua.pdf")
    path = _backup(tmp_path)
    Dossier.objects.filter(pk=d.pk).update(summary="sau sao lưu")

    damaged = tmp_path / "damaged"
    shutil.copytree(path, damaged)
    media_file = next((damaged / "files" / "media").rglob("*.pdf"))
    media_file.write_bytes(PDF.replace(b"1.4", b"1.5"))
    with pytest.raises(CommandError, match="bị thay đổi hoặc hỏng"):
        _restore(damaged, force=True)

    partial = tmp_path / "x" / "congvu-backup-20260101-000000.partial"
    shutil.copytree(path, partial)
    with pytest.raises(CommandError, match="dở dang"):
        _restore(partial, force=True)

    with pytest.raises(CommandError, match="không phải một bản sao lưu"):
        _restore(tmp_path / "data", force=True)

    climbing = tmp_path / "climbing"
    shutil.copytree(path, climbing)
    manifest = json.loads((climbing / "manifest.json").read_text())
    manifest["files"][0]["path"] = "../../../etc/passwd"
    (climbing / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(CommandError, match="không hợp lệ"):
        _restore(climbing, force=True)

    newer = tmp_path / "newer"
    shutil.copytree(path, newer)
    manifest = json.loads((newer / "manifest.json").read_text())
    manifest["migrations"].append(["dossiers", "9999_from_the_future"])
    (newer / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(CommandError, match="mới hơn"):
        _restore(newer, force=True)

    foreign = tmp_path / "foreign"
    shutil.copytree(path, foreign)
    manifest = json.loads((foreign / "manifest.json").read_text())
    manifest["database"]["vendor"] = "postgresql" if connection.vendor == "sqlite" else "sqlite"
    (foreign / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(CommandError, match="Bản sao lưu là của"):
        _restore(foreign, force=True)

    assert Dossier.objects.get().summary == "sau sao lưu"
    # Nothing of a refused restore is left next to the media folder.
    assert [p.name for p in installation.iterdir() if "restoring" in p.name] == []
