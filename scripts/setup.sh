#!/usr/bin/env bash
# Installs what stagecraft and its tests need on a fresh Debian machine: Debian packages (the real
# consumers of rendered files, PostgreSQL for the external-store tests), Node 24 from the npm
# registry, and the project's dependencies. Idempotent: a second run installs nothing new.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

log() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

packages=(nginx-light prometheus prometheus-alertmanager postgresql docker.io docker-compose debootstrap openssh-server openssl iproute2 ca-certificates pebble docker-registry apache2-utils awscli)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  log "installing Debian packages: ${missing[*]}"
  sudo_cmd=""
  [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# A Docker engine: machines without systemd start nothing on install, so start dockerd here.
if ! /usr/bin/docker info >/dev/null 2>&1; then
  log "starting dockerd"
  sudo_cmd=""
  [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
  mkdir -p /var/log/stagecraft 2>/dev/null || true
  $sudo_cmd sh -c 'nohup dockerd >/var/log/stagecraft-dockerd.log 2>&1 &'
  for _ in $(seq 1 60); do /usr/bin/docker info >/dev/null 2>&1 && break; sleep 0.5; done
  /usr/bin/docker info >/dev/null 2>&1 || { echo "dockerd did not start; see /var/log/stagecraft-dockerd.log" >&2; exit 1; }
fi

# Node 24: the system's node may be older; the npm registry ships Node 24 as the package `node`.
node24="$root/.tools/node_modules/.bin"
if ! "$node24/node" --version 2>/dev/null | grep -q '^v24\.'; then
  log "installing Node 24 into .tools/"
  npm install --silent --no-audit --no-fund --prefix "$root/.tools" node@24 >/dev/null
fi
export PATH="$node24:$PATH"

if [ ! -x node_modules/.bin/tsc ] || [ package.json -nt node_modules/.package-lock.json ]; then
  log "installing npm dependencies (on $(node --version))"
  npm install --no-audit --no-fund --loglevel=error
fi
node scripts/link-bin.mjs
