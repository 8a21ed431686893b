#!/bin/sh
# `make engines`: find the engines of the emulator's data plane (docs/emulator.md, "The data plane"),
# install them when missing and allowed (root with apt-get, as on CI), else stop with a clear message.
#   PostgreSQL 15 server programs: /usr/lib/postgresql/15/bin (Debian package postgresql-15)
#   redis-server                 : Debian package redis-server (the PyPI route does not exist)
set -u
PG_BIN=/usr/lib/postgresql/15/bin
missing=""
[ -x "$PG_BIN/postgres" ] && [ -x "$PG_BIN/initdb" ] || missing="$missing postgresql-15"
command -v redis-server >/dev/null 2>&1 || missing="$missing redis-server"
if [ -z "$missing" ]; then
    echo "engines: $("$PG_BIN/postgres" --version), $(redis-server --version | cut -d' ' -f1-3)"
    exit 0
fi
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "engines: installing$missing with apt-get"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q $missing >/dev/null || {
        apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q $missing >/dev/null; } || {
        echo "engines: apt-get could not install$missing" >&2; exit 1; }
    # Debian starts the services it installs: the emulator runs its own engines, so stop those.
    for service in redis-server postgresql; do
        command -v service >/dev/null 2>&1 && service "$service" stop >/dev/null 2>&1
    done
    exec "$0"
fi
echo "engines: missing$missing. The emulator's data plane (--data-plane, make demo, the data-plane tests)" >&2
echo "needs them: as root, apt-get install$missing (bindep.txt lists them), then run make again." >&2
exit 1
