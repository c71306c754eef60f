#!/bin/sh
# Dumps one PostgreSQL service of project shop (custom format), then publishes the dump
# atomically: written under a temporary name, synced, renamed. Usage: backup.sh SERVICE
set -eu
service="${1:?usage: backup.sh SERVICE}"
here=$(cd "$(dirname "$0")" && pwd)
stamp=$(date -u +%Y%m%dT%H%M%SZ)
dir='/var/lib/stagecraft/backups/shop'
name='shop'"-$service-$stamp"
mkdir -p "$dir"
if docker compose version >/dev/null 2>&1; then compose="docker compose"; else compose="docker-compose"; fi
# The one-off writes $name.dump (fsynced, then renamed), $name.dump.sha256 and $name.manifest.
$compose -f "$here/../compose.yaml" --profile backup run --rm -e BACKUP_NAME="$name" "$service-backup"
echo "$dir/$name.dump"
