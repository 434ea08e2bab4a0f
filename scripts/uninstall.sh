#!/usr/bin/env bash
# Removes what scripts/install.sh installed: the service and /opt/gatehouse.
# Keeps /var/lib/gatehouse (users, keys, audit) and /etc/gatehouse unless
# --purge. Touches nothing else: not Ollama, not Open WebUI, not their units
# or data. Every path removed is named below; nothing is found by pattern
# outside Gatehouse's own directories.
set -euo pipefail

readonly service=gatehouse.service

usage() {
  cat <<'USAGE'
usage: scripts/uninstall.sh [--root DIR] [--purge]

  --root DIR  uninstall from under DIR instead of / (as installed with install.sh --root)
  --purge     also delete /var/lib/gatehouse (all users, keys and the audit log),
              /etc/gatehouse, local unit drop-ins and the gatehouse user
USAGE
}

say() { printf 'uninstall: %s\n' "$*"; }
fail() {
  printf 'uninstall: %s\n' "$*" >&2
  exit 1
}
usage_error() {
  printf 'uninstall: %s\n' "$*" >&2
  usage >&2
  exit 2
}

root=""
purge=0
while (($# > 0)); do
  case "$1" in
    --root)
      if (($# < 2)) || [[ -z "$2" ]]; then usage_error "--root needs a directory"; fi
      root=$2
      shift 2
      ;;
    --root=*)
      root=${1#--root=}
      [[ -n "$root" ]] || usage_error "--root needs a directory"
      shift
      ;;
    --purge)
      purge=1
      shift
      ;;
    -h | --help)
      usage
      exit 0
      ;;
    *) usage_error "unknown argument: $1" ;;
  esac
done

if [[ -n "$root" ]]; then
  [[ -d "$root" ]] || fail "--root $root: no such directory"
  root=$(cd -- "$root" && pwd -P)
  [[ "$root" == / ]] && root=""
fi
real_system=0
[[ -z "$root" ]] && real_system=1
if ((real_system)) && ((EUID != 0)); then
  fail "uninstalling from the system needs root (sudo scripts/uninstall.sh), or give --root DIR"
fi
systemd_running=0
((real_system)) && [[ -d /run/systemd/system ]] && systemd_running=1

unit_dir="$root/etc/systemd/system"
unit_file="$unit_dir/$service"
wants_link="$unit_dir/multi-user.target.wants/$service"
opt_dir="$root/opt/gatehouse"
config_dir="$root/etc/gatehouse"
data_dir="$root/var/lib/gatehouse"

if ((systemd_running)); then
  if systemctl cat "$service" >/dev/null 2>&1; then
    systemctl disable --now --quiet "$service"
    say "stopped and disabled $service"
  fi
elif ((real_system)); then
  say "systemd is not running here: stop any Gatehouse you started by hand"
fi

# `systemctl disable` removed the link when systemd runs; under --root it is ours to remove.
if [[ -L "$wants_link" ]]; then
  rm -f -- "$wants_link"
  rmdir --ignore-fail-on-non-empty -- "$(dirname "$wants_link")"
fi
if [[ -e "$unit_file" ]]; then
  rm -f -- "$unit_file"
  say "removed $unit_file"
fi

if [[ -e "$opt_dir" ]]; then
  rm -rf -- "$opt_dir"
  say "removed $opt_dir"
fi
# Left by an install that was interrupted (install.sh names them so).
for leftover in "$root"/opt/.gatehouse.new.* "$root"/opt/.gatehouse.old.*; do
  if [[ -e "$leftover" ]]; then rm -rf -- "$leftover"; fi
done

if ((purge)); then
  if [[ -d "$unit_file.d" ]]; then
    rm -rf -- "$unit_file.d"
    say "removed $unit_file.d"
  fi
  for dir in "$data_dir" "$config_dir"; do
    if [[ -e "$dir" ]]; then
      rm -rf -- "$dir"
      say "removed $dir"
    fi
  done
  if ((real_system)); then
    if getent passwd gatehouse >/dev/null; then
      userdel gatehouse
      say "removed the user gatehouse"
    fi
    if getent group gatehouse >/dev/null; then groupdel gatehouse; fi
  fi
else
  kept=()
  for dir in "$data_dir" "$config_dir"; do
    if [[ -e "$dir" ]]; then kept+=("$dir"); fi
  done
  if ((${#kept[@]} > 0)); then
    say "kept ${kept[*]} (users, keys, audit log, settings); scripts/uninstall.sh --purge deletes them"
  fi
fi

if ((systemd_running)); then systemctl daemon-reload; fi
say "done"
