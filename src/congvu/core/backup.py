"""Backup and restore of a whole installation: the database, the uploaded files (MEDIA_ROOT) and the data dir's
own files (the generated secret key, the units' certificates and keys…), with a manifest that lets a restore
check what it is about to load.

A backup is a directory `congvu-backup-<UTC time>/`:

    manifest.json        versions, applied migrations, row counts per table, size and SHA-256 of every file
    database.sqlite3     SQLite: a copy made with SQLite's online backup API (the site keeps running)
    database.pgdump      PostgreSQL: `pg_dump --format=custom`, taken in the same snapshot as the row counts
    files/media/…        the uploaded files
    files/data/…         the data dir's other files (not the database, not collected static files)

It is written under a `.partial` name and renamed when complete, so a backup interrupted by a crash or a full disk
is never mistaken for a good one; the directory is readable by its owner only (it holds personal data and keys).

The database is copied first and the files after: a dossier's document is written before the transaction that
records it commits, so every file a row in the copy names already exists when the files are copied (a file uploaded
in between is copied too and simply has no row).

Restore checks every checksum and that this code knows every migration of the backup before it touches anything,
refuses a database that already holds accounts, units or dossiers unless forced, replaces the database as a whole
(PostgreSQL: one transaction; SQLite: the backup API page by page) and then the files, and recounts the rows.
The app server and the workers must be stopped while a restore runs.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import importlib.metadata
import json
import os
import platform
import shutil
import sqlite3
import subprocess
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import django
from django.conf import settings
from django.db import connection, connections

FORMAT = 1
MANIFEST = "manifest.json"
SQLITE_FILE = "database.sqlite3"
PG_FILE = "database.pgdump"
CHUNK = 1 << 20
# Tables that tell a database holds an installation's data (the seeded configuration a fresh `migrate` writes does not).
DATA_TABLES = ("auth_user", "units_unit", "dossiers_dossier")

Progress = Callable[[str], None]


class BackupError(Exception):
    """Backup or restore refused or failed; the message is Vietnamese, for the operator."""


@dataclass(frozen=True)
class RestoreResult:
    tables: int
    rows: int
    files: int


def _silent(_text: str) -> None:
    pass


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(CHUNK):
            digest.update(block)
    return digest.hexdigest()


def _version(package: str) -> str:
    try:
        return importlib.metadata.version(package)
    except importlib.metadata.PackageNotFoundError:
        return "unknown"


# -- PostgreSQL tools ---------------------------------------------------------------------------------------------

def _pg_env(alias: str = "default") -> dict[str, str]:
    """The libpq environment of a Django database: the password travels in the environment, not on the command line."""
    s = connections[alias].settings_dict
    env = {**os.environ, "PGDATABASE": s["NAME"], "PGHOST": s.get("HOST") or "127.0.0.1", "PGPORT": str(s.get("PORT") or 5432)}
    if s.get("USER"):
        env["PGUSER"] = s["USER"]
    if s.get("PASSWORD"):
        env["PGPASSWORD"] = s["PASSWORD"]
    return env


def _run(cmd: list[str], env: dict, **kwargs) -> subprocess.CompletedProcess:
    try:
        done = subprocess.run(cmd, env=env, capture_output=True, **kwargs)
    except FileNotFoundError:
        raise BackupError(f"Không tìm thấy chương trình {cmd[0]} (cần gói postgresql-client cùng phiên bản với máy chủ).") from None
    if done.returncode != 0:
        err = done.stderr.decode(errors="replace") if isinstance(done.stderr, bytes) else done.stderr
        raise BackupError(f"{cmd[0]} thất bại (mã {done.returncode}): {err.strip()[-2000:]}")
    return done


def _tool_version(tool: str) -> str:
    return _run([tool, "--version"], os.environ, text=True).stdout.strip()


# -- counting -----------------------------------------------------------------------------------------------------

def _count_sqlite(conn: sqlite3.Connection) -> dict[str, int]:
    names = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")]
    return {name: conn.execute(f'SELECT COUNT(*) FROM "{name}"').fetchone()[0] for name in names}


def _count_pg(cursor) -> dict[str, int]:
    # Partitioned tables are counted whole, their partitions not again.
    cursor.execute(
        "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p') AND NOT c.relispartition ORDER BY c.relname"
    )
    names = [r[0] for r in cursor.fetchall()]
    counts = {}
    for name in names:
        cursor.execute(f'SELECT COUNT(*) FROM "{name}"')
        counts[name] = cursor.fetchone()[0]
    return counts


def _migrations_sqlite(conn: sqlite3.Connection) -> list[list[str]]:
    try:
        return [list(r) for r in conn.execute("SELECT app, name FROM django_migrations ORDER BY app, name")]
    except sqlite3.OperationalError:
        return []


def current_counts() -> dict[str, int]:
    """Rows per table of the configured database now (what a restore is checked against)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            return _count_pg(cursor)
    connection.ensure_connection()
    return _count_sqlite(connection.connection)


def holds_data() -> bool:
    """Whether the configured database holds accounts, units or dossiers (a restore would overwrite someone's work)."""
    existing = set(connection.introspection.table_names())
    with connection.cursor() as cursor:
        for table in DATA_TABLES:
            if table in existing:
                cursor.execute(f'SELECT 1 FROM "{table}" LIMIT 1')
                if cursor.fetchone():
                    return True
    return False


# -- backup -------------------------------------------------------------------------------------------------------

def _backup_sqlite(target: Path, progress: Progress) -> dict:
    """One step of the online backup API: a consistent copy while the site keeps writing (WAL lets writers go on
    during the read); stepping page by page would restart whenever another connection writes."""
    connection.ensure_connection()
    out = target / SQLITE_FILE
    progress("Sao lưu cơ sở dữ liệu SQLite (online backup API)…")
    dest = sqlite3.connect(out)
    try:
        connection.connection.backup(dest, pages=-1)
        check = dest.execute("PRAGMA quick_check").fetchone()[0]
        if check != "ok":
            raise BackupError(f"Bản sao SQLite không toàn vẹn: {check}")
        counts = _count_sqlite(dest)
        migrations = _migrations_sqlite(dest)
    finally:
        dest.close()
    return {"vendor": "sqlite", "server_version": sqlite3.sqlite_version, "file": SQLITE_FILE, "counts": counts, "migrations": migrations}


def _backup_pg(target: Path, progress: Progress) -> dict:
    """pg_dump in custom format, in a snapshot this connection exports: the row counts of the manifest are those of
    the dump even while the site keeps writing."""
    out = target / PG_FILE
    tool = _tool_version("pg_dump")
    connection.ensure_connection()
    raw = connection.connection
    previous_autocommit = raw.autocommit
    raw.autocommit = False
    try:
        with raw.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            cursor.execute("SELECT pg_export_snapshot(), current_setting('server_version')")
            snapshot, server_version = cursor.fetchone()
            progress(f"Sao lưu cơ sở dữ liệu PostgreSQL {server_version} bằng {tool}…")
            _run(["pg_dump", "--format=custom", "--no-owner", "--no-privileges", f"--snapshot={snapshot}", f"--file={out}"], _pg_env())
            progress("Đếm số dòng từng bảng trong cùng ảnh chụp…")
            counts = _count_pg(cursor)
            cursor.execute("SELECT app, name FROM django_migrations ORDER BY app, name")
            migrations = [list(r) for r in cursor.fetchall()]
        raw.rollback()
    finally:
        raw.autocommit = previous_autocommit
    return {"vendor": "postgresql", "server_version": server_version, "tool": tool, "file": PG_FILE, "counts": counts, "migrations": migrations}


def _file_sources() -> list[tuple[str, Path]]:
    """(name in the backup, folder) pairs: MEDIA_ROOT, and the data dir without what is saved otherwise or can be
    rebuilt (see _skipped_in_data)."""
    return [("media", Path(settings.MEDIA_ROOT).resolve()), ("data", Path(settings.DATA_DIR).resolve())]


def _skipped_in_data(output: Path) -> set[Path]:
    """The database files (copied by the backup API or pg_dump), collected static files, the media folder, backups."""
    skip = {Path(settings.MEDIA_ROOT).resolve(), Path(settings.STATIC_ROOT).resolve(), output.resolve()}
    if connection.vendor == "sqlite":
        name = str(connection.settings_dict["NAME"])
        skip |= {Path(name + suffix).resolve() for suffix in ("", "-wal", "-shm", "-journal")}
    return skip


def _copy_files(target: Path, output: Path, progress: Progress) -> list[dict]:
    entries = []
    for label, root in _file_sources():
        if not root.is_dir():
            continue
        skip = _skipped_in_data(output) if label == "data" else set()
        copied = 0
        for dirpath, dirnames, filenames in os.walk(root):
            here = Path(dirpath)
            # Pruned in place so os.walk does not descend into them; backups made earlier are skipped by name too.
            dirnames[:] = sorted(d for d in dirnames if (here / d).resolve() not in skip and not d.startswith("congvu-backup-"))
            for name in sorted(filenames):
                source = here / name
                if source.resolve() in skip or source.is_symlink() or not source.is_file():
                    continue
                relative = Path(label) / source.relative_to(root)
                dest = target / "files" / relative
                dest.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
                shutil.copy2(source, dest)
                entries.append({"path": relative.as_posix(), "size": dest.stat().st_size, "sha256": sha256_of(dest)})
                copied += 1
                if copied % 500 == 0:
                    progress(f"  {label}: {copied} tệp…")
        progress(f"Đã sao {copied} tệp từ {root} ({label}).")
    return entries


def create_backup(output_dir: Path | str, progress: Progress = _silent) -> Path:
    """Write a complete backup under `output_dir` and return its directory."""
    if connection.in_atomic_block:
        raise BackupError("Không sao lưu bên trong một giao dịch đang mở.")
    output = Path(output_dir).resolve()
    output.mkdir(parents=True, exist_ok=True)
    stamp = dt.datetime.now(dt.timezone.utc).strftime("%Y%m%d-%H%M%S")
    final = output / f"congvu-backup-{stamp}"
    n = 1
    while final.exists():
        n += 1
        final = output / f"congvu-backup-{stamp}-{n}"
    partial = final.with_name(final.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir(mode=0o700)
    try:
        db = _backup_pg(partial, progress) if connection.vendor == "postgresql" else _backup_sqlite(partial, progress)
        db_file = partial / db["file"]
        db.update(size=db_file.stat().st_size, sha256=sha256_of(db_file))
        os.chmod(db_file, 0o600)
        files = _copy_files(partial, output, progress)
        manifest = {
            "format": FORMAT,
            "created_at": dt.datetime.now(dt.timezone.utc).isoformat(),
            "versions": {"congvu": _version("congvu"), "django": django.get_version(), "python": platform.python_version()},
            "database": {k: v for k, v in db.items() if k not in ("counts", "migrations")},
            "migrations": db["migrations"],
            "counts": db["counts"],
            "files": files,
        }
        (partial / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8")
        os.chmod(partial / MANIFEST, 0o600)
        _fsync_tree(partial)
        partial.rename(final)
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise
    rows = sum(db["counts"].values())
    progress(f"Xong: {final} ({len(db['counts'])} bảng, {rows:,} dòng, {len(files)} tệp).")
    return final


def _fsync_tree(root: Path) -> None:
    """On disk before the rename that declares the backup complete (a power cut must not leave a 'complete' backup
    with empty files)."""
    for dirpath, _dirnames, filenames in os.walk(root):
        for name in filenames:
            fd = os.open(Path(dirpath) / name, os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
        fd = os.open(dirpath, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


# -- restore ------------------------------------------------------------------------------------------------------

def read_manifest(path: Path | str) -> tuple[Path, dict]:
    root = Path(path).resolve()
    if root.name.endswith(".partial"):
        raise BackupError(f"{root} là bản sao lưu dở dang (bị dừng giữa chừng); không dùng được.")
    try:
        manifest = json.loads((root / MANIFEST).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise BackupError(f"Không có {MANIFEST} trong {root}: đây không phải một bản sao lưu congvu.") from None
    except (OSError, ValueError) as exc:
        raise BackupError(f"Không đọc được {MANIFEST} trong {root}: {exc}") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError(f"Định dạng sao lưu {manifest.get('format') if isinstance(manifest, dict) else '?'} không được hỗ trợ (cần {FORMAT}).")
    return root, manifest


def _inside(root: Path, relative: str) -> Path:
    """A manifest path resolved inside `root`; a path that climbs out (../, absolute) is refused."""
    candidate = (root / relative).resolve()
    if not candidate.is_relative_to(root.resolve()) or Path(relative).is_absolute():
        raise BackupError(f"Đường dẫn không hợp lệ trong manifest: {relative!r}")
    return candidate


def verify_backup(root: Path, manifest: dict, progress: Progress = _silent) -> None:
    """Every file the manifest lists has its size and checksum; the database file belongs to this database engine;
    every migration in the backup is known to this code."""
    db = manifest["database"]
    if db["vendor"] != connection.vendor:
        raise BackupError(f"Bản sao lưu là của {db['vendor']}, cơ sở dữ liệu đang cấu hình là {connection.vendor}.")
    checks = [(db["file"], db["size"], db["sha256"])] + [(f"files/{f['path']}", f["size"], f["sha256"]) for f in manifest["files"]]
    progress(f"Kiểm tra tổng kiểm (SHA-256) của {len(checks)} tệp…")
    for relative, size, digest in checks:
        path = _inside(root, relative)
        if not path.is_file():
            raise BackupError(f"Thiếu tệp {relative} trong bản sao lưu.")
        if path.stat().st_size != size or sha256_of(path) != digest:
            raise BackupError(f"Tệp {relative} đã bị thay đổi hoặc hỏng (sai kích thước hoặc tổng kiểm).")
    from django.db.migrations.loader import MigrationLoader

    known = set(MigrationLoader(None, ignore_no_migrations=True).disk_migrations)
    unknown = sorted(f"{app}.{name}" for app, name in manifest["migrations"] if (app, name) not in known)
    if unknown:
        raise BackupError("Bản sao lưu được tạo bởi phiên bản congvu mới hơn (migration lạ: " + ", ".join(unknown[:5]) + "); hãy cập nhật mã trước.")


def _restore_sqlite(root: Path, manifest: dict) -> None:
    connection.ensure_connection()
    source = sqlite3.connect(root / manifest["database"]["file"])
    try:
        # Page by page into this connection's database, replacing it as a whole, under its write lock.
        source.backup(connection.connection)
    finally:
        source.close()


def _restore_pg(root: Path, manifest: dict) -> None:
    """The dump as SQL (pg_restore to stdout) fed to psql in ONE transaction after emptying the schema: a restore that
    fails half-way (a bad dump, a killed process) leaves the database as it was."""
    env = _pg_env()
    connection.close()  # no session of ours may hold a lock on a table the restore drops
    dump = root / manifest["database"]["file"]
    schema = "public"
    pg_restore = subprocess.Popen(["pg_restore", "--no-owner", "--no-privileges", "--file=-", str(dump)], env=env,
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        psql = subprocess.run(
            ["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "--single-transaction",
             "-c", f"DROP SCHEMA IF EXISTS {schema} CASCADE; CREATE SCHEMA {schema};", "-f", "-"],
            env=env, stdin=pg_restore.stdout, capture_output=True,
        )
    finally:
        pg_restore.stdout.close()
        restore_err = pg_restore.stderr.read().decode(errors="replace")
        pg_restore.wait()
    if pg_restore.returncode != 0:
        raise BackupError(f"pg_restore thất bại (mã {pg_restore.returncode}); cơ sở dữ liệu không đổi: {restore_err.strip()[-2000:]}")
    if psql.returncode != 0:
        raise BackupError(f"Khôi phục thất bại (mã {psql.returncode}); cơ sở dữ liệu không đổi: {psql.stderr.decode(errors='replace').strip()[-2000:]}")


def _staged_files(root: Path, manifest: dict) -> dict[str, Path]:
    """The backup's files copied next to where they go (same file system, so the swap is a rename)."""
    targets = {"media": Path(settings.MEDIA_ROOT).resolve(), "data": Path(settings.DATA_DIR).resolve()}
    staged = {}
    for label, target in targets.items():
        target.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.restoring-", dir=target.parent))
        staged[label] = staging
    for entry in manifest["files"]:
        label, _, rest = entry["path"].partition("/")
        if label not in staged or not rest:
            raise BackupError(f"Đường dẫn không hợp lệ trong manifest: {entry['path']!r}")
        dest = _inside(staged[label], rest)
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(_inside(root, f"files/{entry['path']}"), dest)
    return staged


def _put_files_in_place(staged: dict[str, Path]) -> None:
    # Media is replaced as a folder (files of the old installation must not remain); in the data dir only the
    # backup's files are written (the database, static files and anything else there stay).
    media = Path(settings.MEDIA_ROOT).resolve()
    old = media.with_name(f".{media.name}.old-{os.getpid()}")
    if media.exists():
        media.rename(old)
    staged["media"].rename(media)
    shutil.rmtree(old, ignore_errors=True)
    data = Path(settings.DATA_DIR).resolve()
    for dirpath, _dirnames, filenames in os.walk(staged["data"]):
        for name in filenames:
            source = Path(dirpath) / name
            dest = data / source.relative_to(staged["data"])
            if dest.resolve().is_relative_to(media):
                continue
            dest.parent.mkdir(parents=True, exist_ok=True)
            os.replace(source, dest)
    shutil.rmtree(staged["data"], ignore_errors=True)


def restore_backup(path: Path | str, *, force: bool = False, progress: Progress = _silent) -> RestoreResult:
    root, manifest = read_manifest(path)
    db = manifest["database"]
    progress(f"Bản sao lưu {root.name}: {db['vendor']} {db.get('server_version', '')}, tạo lúc {manifest['created_at']}, "
             f"congvu {manifest['versions'].get('congvu')}.")
    verify_backup(root, manifest, progress)
    if holds_data() and not force:
        raise BackupError("Cơ sở dữ liệu đích đã có dữ liệu (tài khoản, đơn vị hoặc hồ sơ); không khôi phục đè. "
                          "Dùng --force nếu thật sự muốn thay toàn bộ dữ liệu hiện có.")
    progress("Chuẩn bị tệp đính kèm và tệp dữ liệu…")
    staged = _staged_files(root, manifest)
    try:
        progress("Khôi phục cơ sở dữ liệu…")
        _restore_pg(root, manifest) if db["vendor"] == "postgresql" else _restore_sqlite(root, manifest)
    except BaseException:
        for folder in staged.values():
            shutil.rmtree(folder, ignore_errors=True)
        raise
    progress("Đặt tệp vào chỗ…")
    _put_files_in_place(staged)
    progress("Đếm lại số dòng để đối chiếu với manifest…")
    counts = current_counts()
    differ = {t: (n, counts.get(t)) for t, n in manifest["counts"].items() if counts.get(t) != n}
    if differ:
        detail = ", ".join(f"{t}: {a} → {b}" for t, (a, b) in list(differ.items())[:5])
        raise BackupError(f"Số dòng sau khi khôi phục khác manifest ({detail}).")
    rows = sum(manifest["counts"].values())
    progress(f"Đã khôi phục {len(manifest['counts'])} bảng, {rows:,} dòng, {len(manifest['files'])} tệp.")
    return RestoreResult(tables=len(manifest["counts"]), rows=rows, files=len(manifest["files"]))
