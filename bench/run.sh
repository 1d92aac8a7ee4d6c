#!/usr/bin/env bash
# Every province-scale benchmark of issue 7, on PostgreSQL and SQLite, with one summary table at the end.
#
#   bench/run.sh            generate (N_PG dossiers on PostgreSQL, N_SQLITE on SQLite), then run everything
#   bench/run.sh --reuse    skip generation: run on the databases generated earlier
#
# Environment (defaults in brackets):
#   N_PG [10000000]  N_SQLITE [1000000]  YEARS [2]  SEED [1]
#   CONGVU_BENCH_PG_DB [congvu_bench]    CONGVU_BENCH_SQLITE [/work/bench/congvu_bench.sqlite3]
#   BENCH_DATABASES ["postgres sqlite"]  BENCH_SECONDS [10] (per loaded HTTP measurement)  BENCH_REPEAT [40]
#   BENCH_INTAKE [1] (0: skip bench/intake.py, which builds its own demo databases)
#
# Order per database: generation; month-end recomputation (it also leaves the rollups fresh); then, with
# `congvu worker` running beside them, lookup, lists and dashboard; then the worker's peak RSS.
set -euo pipefail

HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(dirname "$HERE")"
cd "$ROOT"

REUSE=0
for arg in "$@"; do
    case "$arg" in
        --reuse) REUSE=1 ;;
        -h|--help) sed -n '2,16p' "$0"; exit 0 ;;
        *) echo "unknown argument: $arg (only --reuse)" >&2; exit 2 ;;
    esac
done

N_PG="${N_PG:-10000000}"
N_SQLITE="${N_SQLITE:-1000000}"
YEARS="${YEARS:-2}"
SEED="${SEED:-1}"
export CONGVU_BENCH_PG_DB="${CONGVU_BENCH_PG_DB:-congvu_bench}"
export CONGVU_BENCH_SQLITE="${CONGVU_BENCH_SQLITE:-/work/bench/congvu_bench.sqlite3}"
DATABASES="${BENCH_DATABASES:-postgres sqlite}"
SECONDS_PER="${BENCH_SECONDS:-10}"
REPEAT="${BENCH_REPEAT:-40}"
PG_URL="${CONGVU_BENCH_PG_URL:-postgres://postgres@127.0.0.1:5432}"
PY="${PYTHON:-python3}"

RESULTS="$(mktemp /tmp/congvu-bench-results.XXXXXX.jsonl)"
export CONGVU_BENCH_RESULTS="$RESULTS"
DATA_DIR="$(mktemp -d /tmp/congvu-bench-run.XXXXXX)"
WORKER_PID=""
cleanup() {
    if [[ -n "$WORKER_PID" ]] && kill -0 "$WORKER_PID" 2>/dev/null; then
        kill -TERM "$WORKER_PID" 2>/dev/null || true
        wait "$WORKER_PID" 2>/dev/null || true
    fi
    rm -rf "$DATA_DIR"
}
trap cleanup EXIT

step() { printf '\n### %s  [%s]\n' "$*" "$(date +%H:%M:%S)" >&2; }

database_url() {  # $1 = postgres|sqlite
    if [[ "$1" == postgres ]]; then echo "$PG_URL/$CONGVU_BENCH_PG_DB"; else echo "sqlite:///$(realpath -m "$CONGVU_BENCH_SQLITE")"; fi
}

with_db() {  # $1 = postgres|sqlite, then the command
    local db="$1"; shift
    env DATABASE_URL="$(database_url "$db")" CONGVU_DATA_DIR="$DATA_DIR" DJANGO_SETTINGS_MODULE=congvu.settings \
        PYTHONPATH="$ROOT/src:$ROOT/bench" "$@"
}

generate() {  # $1 = postgres|sqlite, $2 = N
    local db="$1" n="$2"
    step "generating $n dossiers on $db ($YEARS years, seed $SEED)"
    if [[ "$db" == postgres ]]; then
        psql "$PG_URL/postgres" -qc "DROP DATABASE IF EXISTS $CONGVU_BENCH_PG_DB"
        psql "$PG_URL/postgres" -qc "CREATE DATABASE $CONGVU_BENCH_PG_DB"
    else
        mkdir -p "$(dirname "$CONGVU_BENCH_SQLITE")"
        rm -f "$CONGVU_BENCH_SQLITE" "$CONGVU_BENCH_SQLITE-wal" "$CONGVU_BENCH_SQLITE-shm"
    fi
    local started=$SECONDS
    if with_db "$db" "$PY" -m congvu.cli manage generate --help >/dev/null 2>&1; then
        with_db "$db" "$PY" -m congvu.cli manage migrate --verbosity 0
        with_db "$db" "$PY" -m congvu.cli manage generate --dossiers "$n" --province 66 --years "$YEARS" --seed "$SEED"
    else
        # Until `congvu manage generate` lands: bench/generate.py (13 months of history per year asked, at most).
        if [[ "$db" == postgres ]]; then
            "$PY" bench/_common.py generate --database postgres --pg-db "$CONGVU_BENCH_PG_DB" --n "$n" --months $((12 * YEARS + 1)) --seed "$SEED"
        else
            "$PY" bench/_common.py generate --database sqlite --sqlite-path "$CONGVU_BENCH_SQLITE" --n "$n" --months $((12 * YEARS + 1)) --seed "$SEED"
        fi
    fi
    "$PY" - "$RESULTS" "$db" $((SECONDS - started)) "$n" <<'EOF'
import json, sys
path, db, seconds, n = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
with open(path, "a") as out:
    out.write(json.dumps({"bench": "generate", "database": db, "name": f"{n:,} dossiers", "value": seconds, "unit": "s",
                          "aim": "< 1200 s" if db == "postgres" else "", "met": (seconds < 1200) if db == "postgres" else None}) + "\n")
EOF
}

for db in $DATABASES; do
    case "$db" in postgres) n="$N_PG" ;; sqlite) n="$N_SQLITE" ;; *) echo "unknown database $db" >&2; exit 2 ;; esac
    common=(--database "$db" --reuse --pg-db "$CONGVU_BENCH_PG_DB" --sqlite-path "$CONGVU_BENCH_SQLITE")
    if [[ "$REUSE" == 0 ]]; then generate "$db" "$n"; fi

    step "$db: month-end recomputation"
    "$PY" bench/recompute.py "${common[@]}"

    step "$db: starting congvu worker beside the benchmarks"
    with_db "$db" "$PY" -m congvu.cli worker >"$DATA_DIR/worker-$db.log" 2>&1 &
    WORKER_PID=$!

    step "$db: public lookup by code"
    "$PY" bench/lookup.py "${common[@]}" --seconds "$SECONDS_PER"
    step "$db: worklist and overdue lists"
    "$PY" bench/lists.py "${common[@]}" --repeat "$REPEAT"
    step "$db: dashboard and ranking"
    # --n 1: with --reuse the dashboard generates only into a database with fewer dossiers than --n, never here.
    "$PY" bench/dashboard.py --database "$db" --reuse --n 1 --repeat "$REPEAT" \
        --pg-db "$CONGVU_BENCH_PG_DB" --sqlite-path "$CONGVU_BENCH_SQLITE"

    step "$db: worker memory"
    "$PY" bench/rss.py "$WORKER_PID" --label "congvu worker" --database "$db" || true
    kill -TERM "$WORKER_PID" 2>/dev/null || true
    wait "$WORKER_PID" 2>/dev/null || true
    WORKER_PID=""
done

if [[ "${BENCH_INTAKE:-1}" != 0 ]]; then
    step "intake over HTTP (bench/intake.py: its own demo databases)"
    backends=""
    for db in $DATABASES; do backends+="${backends:+,}$([[ $db == postgres ]] && echo postgresql || echo sqlite)"; done
    "$PY" bench/intake.py --backends "$backends" --seconds "$SECONDS_PER" | tee "$DATA_DIR/intake.txt"
    "$PY" - "$RESULTS" "$DATA_DIR/intake.txt" <<'EOF'
import json, re, sys
results, text = sys.argv[1], open(sys.argv[2], encoding="utf-8").read()
with open(results, "a") as out:
    for db, block in re.findall(r"== (\w+) ==\n(.*?)(?=\n== |\Z)", text, re.S):
        db = "postgres" if db == "postgresql" else db
        rate = re.search(r"intake via API:\s+([\d.]+)", block)
        ratio = re.search(r"ratio \(aim ≥ 0.6\): ([\d.]+)", block)
        p99 = re.search(r"intake via API:.*p99\s+([\d.]+) ms", block)
        if rate:
            out.write(json.dumps({"bench": "intake", "database": db, "name": "intake dossiers/s", "value": float(rate[1]), "unit": "/s", "aim": "", "met": None}) + "\n")
        if ratio:
            out.write(json.dumps({"bench": "intake", "database": db, "name": "intake ÷ raw-SQL ceiling", "value": float(ratio[1]), "unit": "×", "aim": "≥ 0.6", "met": float(ratio[1]) >= 0.6}) + "\n")
        if p99:
            out.write(json.dumps({"bench": "intake", "database": db, "name": "intake p99", "value": float(p99[1]), "unit": "ms", "aim": "", "met": None}) + "\n")
EOF
fi

echo
echo "== summary: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2 / 1048576}' /proc/meminfo) RAM, $(uname -sr), $(date -Is) =="
echo "   PostgreSQL $CONGVU_BENCH_PG_DB: $N_PG dossiers; SQLite $CONGVU_BENCH_SQLITE: $N_SQLITE dossiers$([[ $REUSE == 1 ]] && echo ' (reused)')"
"$PY" bench/_common.py summary "$RESULTS"
