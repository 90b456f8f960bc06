#!/usr/bin/env bash
# Makes sure the test peers that come from Debian, not npm, are there before
# `npm test`: mbpoll and python3-pymodbus (Modbus clients written by others),
# chromium (the dashboard's browser tests) and PostgreSQL answering on
# 127.0.0.1:5432. As root with apt it installs what is missing and starts
# PostgreSQL; otherwise it stops with one line naming the command to run.
set -euo pipefail

need=()
command -v mbpoll >/dev/null 2>&1 || need+=(mbpoll)
/usr/bin/python3 -c 'import pymodbus' >/dev/null 2>&1 || need+=(python3-pymodbus)
[ -x /usr/bin/chromium ] || need+=(chromium)
command -v pg_ctlcluster >/dev/null 2>&1 || command -v pg_isready >/dev/null 2>&1 || need+=(postgresql)

if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "test peers: installing ${need[*]} (apt-get)" >&2
    apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
  else
    echo "test peers missing: run 'sudo apt-get install ${need[*]}' once, then npm test again" >&2
    exit 1
  fi
fi

if ! pg_isready -h 127.0.0.1 -p 5432 -q 2>/dev/null; then
  if [ "$(id -u)" = 0 ] && command -v pg_ctlcluster >/dev/null 2>&1 && [ -d /etc/postgresql ]; then
    version="$(ls /etc/postgresql | head -n 1)"
    pg_ctlcluster --skip-systemctl-redirect "$version" main start >/dev/null
    for _ in $(seq 1 30); do pg_isready -h 127.0.0.1 -p 5432 -q && break; sleep 1; done
  fi
  if ! pg_isready -h 127.0.0.1 -p 5432 -q 2>/dev/null; then
    echo "PostgreSQL does not answer on 127.0.0.1:5432: start it (pg_ctlcluster <version> main start) with trust auth for local TCP, then npm test again" >&2
    exit 1
  fi
fi
