#!/usr/bin/env bash
# Real Redis and PostgreSQL for the fleet: for CI (the fleet tests start their own servers from these
# binaries) and for trying a fleet on one machine.
#
#   scripts/ci-services.sh install     apt-get install redis-server and postgresql when missing (as root)
#   scripts/ci-services.sh start DIR   start both on free 127.0.0.1 ports, data in DIR; prints `export` lines
#   scripts/ci-services.sh stop DIR    stop them
#
# PostgreSQL refuses to run as root: as root, it runs as the `postgres` user (Debian's package creates
# it) or as a system user `edgebench-pg`, created when neither exists. Passwords are random, kept in
# DIR/env (mode 600), and printed only by `start`.
set -euo pipefail

pg_bindir() {
  local dir
  dir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
  if [ -z "$dir" ] && command -v initdb >/dev/null 2>&1; then dir=$(dirname "$(command -v initdb)"); fi
  printf '%s' "$dir"
}

have_redis() { command -v redis-server >/dev/null 2>&1 || [ -x /usr/bin/redis-server ]; }

install() {
  local need=()
  have_redis || need+=(redis-server)
  [ -n "$(pg_bindir)" ] || need+=(postgresql)
  if [ ${#need[@]} -gt 0 ]; then
    if [ "$(id -u)" != 0 ]; then
      echo "ci-services: ${need[*]} missing; run as root (or: sudo apt-get install -y ${need[*]})" >&2
      exit 1
    fi
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
  fi
  echo "ci-services: $(PATH="$PATH:/usr/bin" redis-server --version | cut -d' ' -f1-3); $("$(pg_bindir)/postgres" --version)"
}

free_port() {
  node -e "const s=require('net').createServer();s.listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})"
}

random_secret() { head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n'; }

pg_user() {
  if [ "$(id -u)" != 0 ]; then return 0; fi
  if id postgres >/dev/null 2>&1; then echo postgres; return 0; fi
  id edgebench-pg >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin edgebench-pg
  echo edgebench-pg
}

as_pg() {
  local user
  user=$(pg_user)
  if [ -n "$user" ]; then runuser -u "$user" -- "$@"; else "$@"; fi
}

start() {
  local dir=${1:?usage: ci-services.sh start DIR}
  mkdir -p "$dir/redis" "$dir/postgres"
  dir=$(cd "$dir" && pwd)
  local redis_port pg_port redis_pw pg_pw bin user
  redis_port=$(free_port)
  pg_port=$(free_port)
  redis_pw=$(random_secret)
  pg_pw=$(random_secret)
  bin=$(pg_bindir)
  user=$(pg_user)

  redis-server --port "$redis_port" --bind 127.0.0.1 --dir "$dir/redis" --appendonly yes \
    --appendfsync everysec --save '' --maxmemory-policy noeviction --requirepass "$redis_pw" \
    --daemonize yes --pidfile "$dir/redis/redis.pid" --logfile "$dir/redis/redis.log"

  umask 077
  printf '%s\n' "$pg_pw" >"$dir/postgres/pwfile"
  if [ -n "$user" ]; then chown -R "$user" "$dir/postgres"; chmod 755 "$dir"; fi
  as_pg "$bin/initdb" -D "$dir/postgres/data" -U edgebench --pwfile="$dir/postgres/pwfile" \
    --auth=scram-sha-256 --encoding=UTF8 --locale=C --no-instructions >/dev/null
  rm -f "$dir/postgres/pwfile"
  as_pg "$bin/pg_ctl" -D "$dir/postgres/data" -l "$dir/postgres/postgres.log" -w -t 30 \
    -o "-p $pg_port -k $dir/postgres -c listen_addresses=127.0.0.1" start >/dev/null

  cat >"$dir/env" <<ENV
export EDGEBENCH_QUEUE=redis://:$redis_pw@127.0.0.1:$redis_port
export EDGEBENCH_STORE=postgres://edgebench:$pg_pw@127.0.0.1:$pg_port/postgres
ENV
  chmod 600 "$dir/env"
  cat "$dir/env"
}

stop() {
  local dir=${1:?usage: ci-services.sh stop DIR}
  if [ -f "$dir/redis/redis.pid" ]; then
    kill "$(cat "$dir/redis/redis.pid")" 2>/dev/null || true
  fi
  if [ -f "$dir/postgres/data/postmaster.pid" ]; then
    as_pg "$(pg_bindir)/pg_ctl" -D "$dir/postgres/data" -m fast -w stop >/dev/null || true
  fi
  echo "ci-services: stopped the services in $dir"
}

case "${1:-install}" in
  install) install ;;
  start) start "${2:-}" ;;
  stop) stop "${2:-}" ;;
  *)
    echo "usage: $0 install | start DIR | stop DIR" >&2
    exit 2
    ;;
esac
