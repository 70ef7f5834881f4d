# lib.sh - what the HTTP benchmarks share (POSIX sh; sourced by bench_writes.sh and
# bench_dose.sh).
#
# bench_serve_demo PASSWORD: the demo clinic (its admin signs in with PASSWORD) in $db (a
# SQLite path or a postgresql:// URI of an empty database), then `$BIN serve` on a free
# loopback port with its audit key and log in $dir (THREADS: its worker threads), waited
# for; sets pid (the server), base (its URL) and token (the admin's bearer token).  On a
# server that does not come up its log goes to stderr and the script exits 1.
bench_serve_demo() {
    MESODESK_ADMIN_PASSWORD=$1 "$BIN" demo --db "$db" >/dev/null
    set -- "$1" serve --db "$db" --listen 127.0.0.1:0 --port-file "$dir/port" \
        --audit-key "$dir/audit.key" --audit-log "$dir/audit.log"
    [ -n "${THREADS:-}" ] && set -- "$@" --threads "$THREADS"
    _pw=$1
    shift
    "$BIN" "$@" 2>"$dir/server.log" &
    pid=$!
    _i=0
    while [ ! -s "$dir/port" ]; do
        _i=$((_i + 1))
        [ $_i -gt 100 ] && { cat "$dir/server.log" >&2; exit 1; }
        sleep 0.1
    done
    base="http://127.0.0.1:$(cat "$dir/port")"
    token=$(curl -sf "$base/api/v1/login" \
        -d "{\"email\":\"admin@demo.clinic\",\"password\":\"$_pw\"}" | jq -r .token)
}
