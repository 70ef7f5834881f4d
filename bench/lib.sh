# lib.sh - what the HTTP benchmarks share (POSIX sh; sourced by bench_writes.sh,
# bench_dose.sh and bench_bookings.sh).
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

# A free loopback TCP port.
bench_free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# bench_nginx_start PREFIX WORKERS DIRECTIVES: nginx, the HTTP floor, as this user with its own
# prefix PREFIX (created; conf, pid and logs inside), WORKERS worker processes ("auto" or a
# number), on a free loopback port, with DIRECTIVES inside its one server block (a root, a
# return...); sets nport and nginx_started=1.  Stop it with
#   nginx -p PREFIX -c PREFIX/nginx.conf -s stop
bench_nginx_start() {
    mkdir -p "$1/logs" "$1/tmp"
    nport=$(bench_free_port)
    _user=
    [ "$(id -u)" -eq 0 ] && _user="user root;"
    cat >"$1/nginx.conf" <<NGX
$_user
worker_processes $2;
pid $1/nginx.pid;
error_log $1/logs/error.log;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path $1/tmp/body;
  proxy_temp_path $1/tmp/proxy;
  fastcgi_temp_path $1/tmp/fastcgi;
  uwsgi_temp_path $1/tmp/uwsgi;
  scgi_temp_path $1/tmp/scgi;
  keepalive_requests 1000000;
  server {
    listen 127.0.0.1:$nport;
    default_type application/json;
    $3
  }
}
NGX
    nginx -p "$1" -c "$1/nginx.conf"
    nginx_started=1
}

# bench_ticks PID...: the user + system clock ticks those processes have used.
bench_ticks() {
    _t=0
    for _p in "$@"; do _t=$((_t + $(awk '{print $14 + $15}' "/proc/$_p/stat"))); done
    echo $_t
}

# bench_wrk URL LUA: wrk -t2 -c$CONNS -d$SECONDS_ with the request script LUA against URL;
# prints "requests/s p99_us requests non2xx" (the raw output stays in $dir/wrk.out).
bench_wrk() {
    wrk -t2 -c"$CONNS" -d"${SECONDS_}s" --latency -s "$2" "$1" >"$dir/wrk.out"
    python3 - "$dir/wrk.out" <<'PY'
import re, sys
t = open(sys.argv[1]).read()
rps = float(re.search(r"Requests/sec:\s+([\d.]+)", t).group(1))
m = re.search(r"99%\s+([\d.]+)(us|ms|s)", t)
p99 = float(m.group(1)) * {"us": 1, "ms": 1e3, "s": 1e6}[m.group(2)]
req = int(re.search(r"(\d+) requests in", t).group(1))
bad = re.search(r"Non-2xx or 3xx responses: (\d+)", t)
print(f"{rps:.1f} {p99:.0f} {req} {bad.group(1) if bad else 0}")
PY
}
