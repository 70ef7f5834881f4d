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

# bench_load LUA PERF_DEFAULT: wrk with LUA against the server ($pid at $base) for
# $SECONDS_ s (PERF=1: `perf record ${PERF_FLAGS:--g}` of it meanwhile into
# ${PERF_OUT:-PERF_DEFAULT}), then the server stopped and its committer's line printed;
# sets m_rps m_p99 m_req m_bad m_cpu (clock ticks).
bench_load() {
    if [ "${PERF:-0}" = 1 ]; then
        perf record ${PERF_FLAGS:--g} -o "${PERF_OUT:-$2}" -p "$pid" -- sleep "$SECONDS_" \
            >/dev/null 2>&1 &
        _perfpid=$!
    fi
    _t0=$(bench_ticks "$pid")
    read -r m_rps m_p99 m_req m_bad < <(bench_wrk "$base" "$1")
    m_cpu=$(($(bench_ticks "$pid") - _t0))
    [ -n "${_perfpid:-}" ] && wait "$_perfpid"
    kill "$pid" && wait "$pid" || true
    pid=
    grep -o "commit.stopped.*" "$dir/server.log" || true
}

# bench_floor LUA DIRECTIVES: nginx (bench_nginx_start in $dir/nginx, 2 workers, with
# DIRECTIVES) under wrk with LUA; sets n_rps n_p99 n_req n_bad n_cpu (clock ticks).
bench_floor() {
    bench_nginx_start "$dir/nginx" 2 "$2"
    sleep 0.3
    _workers=$(pgrep -P "$(cat "$dir/nginx/nginx.pid")" | tr '\n' ' ')
    _t0=$(bench_ticks $_workers)
    read -r n_rps n_p99 n_req n_bad < <(bench_wrk "http://127.0.0.1:$nport" "$1")
    n_cpu=$(($(bench_ticks $_workers) - _t0))
}

# bench_summary WHAT FLOOR STORED TARGET UNIT: the table of a bench_load beside its
# bench_floor: req/s, p99, server CPU per request, non-2xx of each, the ratios, STORED (a
# line), the load average, and whether m_rps met TARGET UNIT/s with every answer 2xx.
bench_summary() {
    python3 - "$m_rps" "$m_p99" "$m_req" "$m_bad" "$m_cpu" "$n_rps" "$n_p99" "$n_req" "$n_bad" \
        "$n_cpu" "$(getconf CLK_TCK)" "$(cat /proc/loadavg)" "${DB:+postgresql}" "$1" "$2" "$3" \
        "$4" "$5" <<'PY'
import sys
a = sys.argv[1:]
m_rps, m_p99, m_req, m_bad, m_cpu, n_rps, n_p99, n_req, n_bad, n_cpu, hz = map(float, a[:11])
what, floor, stored, target, unit = a[13:18]
m_us, n_us = m_cpu / hz * 1e6 / max(m_req, 1), n_cpu / hz * 1e6 / max(n_req, 1)
print(f"backend: {a[12] or 'sqlite'}")
print(f"{'':26}{'req/s':>10}{'p99 ms':>10}{'CPU us/req':>12}{'non-2xx':>9}")
print(f"{what:26}{m_rps:10.0f}{m_p99/1000:10.2f}{m_us:12.1f}{m_bad:9.0f}")
print(f"{floor:26}{n_rps:10.0f}{n_p99/1000:10.2f}{n_us:12.1f}{n_bad:9.0f}")
print(f"ratio mesodesk/nginx: req/s {m_rps/n_rps:.3f}, p99 {m_p99/max(n_p99,1):.1f}x, CPU per request {m_us/max(n_us,0.01):.1f}x")
print(stored)
print(f"load average: {a[11]}")
print(f"target >= {target} {unit}/s: {'met' if m_rps >= float(target) and m_bad == 0 else 'NOT met'}")
PY
}
