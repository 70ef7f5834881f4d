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
