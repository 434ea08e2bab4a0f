#!/usr/bin/env bash
# Installs (or upgrades in place) Gatehouse from this checkout:
#   /opt/gatehouse                  its own Node 22 (to prepare and administer), the workerd
#                                   binary that serves, the built app, production node_modules
#   /etc/gatehouse/gatehouse.env    settings with a generated session secret and first admin password (0600)
#   /var/lib/gatehouse              all state (owned by the `gatehouse` system user, 0700)
#   /etc/systemd/system/gatehouse.service
# Needs `npm ci` done in the checkout; makes no network connection.
set -euo pipefail

readonly service=gatehouse.service
readonly default_ollama=127.0.0.1:11434

usage() {
  cat <<'USAGE'
usage: scripts/install.sh [--root DIR] [--no-start] [--ollama HOST:PORT]
       scripts/install.sh --check-ollama [--ollama HOST:PORT]

  --root DIR          install under DIR instead of / (packaging, tests): no user is
                      created, nothing is chowned, systemctl is not called
  --no-start          do not enable, start or restart the service
  --ollama HOST:PORT  where Ollama listens (first install only; default 127.0.0.1:11434;
                      later, GATEHOUSE_OLLAMA in /etc/gatehouse/gatehouse.env counts)
  --check-ollama      only check that Ollama listens on loopback only: exit 0 when it
                      does (or nothing listens), 1 when it is reachable on another address
USAGE
}

say() { printf 'install: %s\n' "$*"; }
warn() { printf 'install: WARNING: %s\n' "$*" >&2; }
fail() {
  printf 'install: %s\n' "$*" >&2
  exit 1
}
usage_error() {
  printf 'install: %s\n' "$*" >&2
  usage >&2
  exit 2
}

root=""
start=1
check_only=0
ollama=""
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
    --no-start)
      start=0
      shift
      ;;
    --ollama)
      (($# >= 2)) || usage_error "--ollama needs HOST:PORT"
      ollama=$2
      shift 2
      ;;
    --ollama=*)
      ollama=${1#--ollama=}
      shift
      ;;
    --check-ollama)
      check_only=1
      shift
      ;;
    -h | --help)
      usage
      exit 0
      ;;
    *) usage_error "unknown argument: $1" ;;
  esac
done

if [[ -n "$ollama" ]] && ! [[ "$ollama" =~ ^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9._-]+):([0-9]{1,5})$ ]]; then
  usage_error "--ollama must be HOST:PORT (for example 127.0.0.1:11434), got: $ollama"
fi

# ---------------------------------------------------------------------------
# Is Ollama reachable on anything but loopback? Read from /proc/net/tcp{,6}
# (always there on Linux, unlike ss or netstat): every listening socket on
# the port, its address decoded from the kernel's little-endian hex.
# ---------------------------------------------------------------------------

# Prints the address of every socket listening on TCP port $1, one a line.
listening_addresses() {
  local port=$1 table
  for table in /proc/net/tcp /proc/net/tcp6; do
    [[ -r "$table" ]] || continue
    awk -v port="$port" '
      function hex(s,   i, n) {
        n = 0; s = toupper(s)
        for (i = 1; i <= length(s); i++) n = n * 16 + index("0123456789ABCDEF", substr(s, i, 1)) - 1
        return n
      }
      # One 32-bit word as the kernel prints it (host byte order, little-endian): bytes reversed.
      function word(w) { return substr(w, 7, 2) substr(w, 5, 2) substr(w, 3, 2) substr(w, 1, 2) }
      function ipv4(w,   b) { b = word(w); return hex(substr(b, 1, 2)) "." hex(substr(b, 3, 2)) "." hex(substr(b, 5, 2)) "." hex(substr(b, 7, 2)) }
      function ipv6(h,   b, i, out) {
        b = word(substr(h, 1, 8)) word(substr(h, 9, 8)) word(substr(h, 17, 8)) word(substr(h, 25, 8))
        if (b == "00000000000000000000000000000000") return "::"
        if (b == "00000000000000000000000000000001") return "::1"
        if (substr(b, 1, 24) == "00000000000000000000FFFF") return "::ffff:" ipv4(substr(h, 25, 8))
        out = ""
        for (i = 0; i < 8; i++) out = out (i ? ":" : "") tolower(substr(b, i * 4 + 1, 4))
        return out
      }
      NR > 1 && $4 == "0A" {
        split($2, local, ":")
        if (hex(local[2]) != port) next
        print (length(local[1]) == 8 ? ipv4(local[1]) : ipv6(local[1]))
      }
    ' "$table"
  done | sort -u
}

is_loopback_address() {
  case "$1" in
    127.* | ::1 | ::ffff:127.*) return 0 ;;
    *) return 1 ;;
  esac
}

# The upstream Gatehouse is configured for: the env file's, else --ollama, else the default.
configured_ollama() {
  local env_file="$1" value=""
  if [[ -f "$env_file" ]]; then
    value=$(sed -n 's/^[[:space:]]*GATEHOUSE_OLLAMA=//p' "$env_file" | tail -n 1 | tr -d "\"'")
  fi
  printf '%s\n' "${value:-${ollama:-$default_ollama}}"
}

# Returns 1 (and warns) when the port answers on a non-loopback address.
check_ollama() {
  local upstream=$1 host port address exposed=()
  host=${upstream%:*}
  port=${upstream##*:}
  host=${host#[}
  host=${host%]}
  case "$host" in
    localhost | 127.* | ::1) ;;
    *)
      say "note: Gatehouse reaches Ollama at $upstream, not on loopback: make sure that host accepts"
      say "note: connections only from Gatehouse (firewall), or people can bypass it. This check covers this machine only."
      return 0
      ;;
  esac
  mapfile -t addresses < <(listening_addresses "$port")
  if ((${#addresses[@]} == 0)); then
    say "note: nothing listens on port $port yet (Ollama not running?). When it runs, keep it on loopback:"
    say "note: OLLAMA_HOST=127.0.0.1:$port (the default of Ollama's own installer)."
    return 0
  fi
  for address in "${addresses[@]}"; do
    is_loopback_address "$address" || exposed+=("$address")
  done
  if ((${#exposed[@]} == 0)); then
    say "ok: port $port (Ollama) listens on loopback only (${addresses[*]})"
    return 0
  fi
  local shown=()
  for address in "${exposed[@]}"; do
    case "$address" in
      0.0.0.0) shown+=("0.0.0.0 (every IPv4 address)") ;;
      ::) shown+=(":: (every address)") ;;
      *) shown+=("$address") ;;
    esac
  done
  warn "port $port (Ollama) is reachable on ${shown[*]}, not only on loopback."
  warn "Anyone who can reach this machine can use Ollama directly, bypassing Gatehouse's keys, limits and audit."
  warn "Bind Ollama to loopback: \`systemctl edit ollama\`, add"
  warn "    [Service]"
  warn "    Environment=\"OLLAMA_HOST=127.0.0.1:$port\""
  warn "then \`systemctl restart ollama\` and run this check again (scripts/install.sh --check-ollama)."
  return 1
}

if ((check_only)); then
  status=0
  check_ollama "$(configured_ollama "${root%/}/etc/gatehouse/gatehouse.env")" || status=1
  exit "$status"
fi

# ---------------------------------------------------------------------------
# Where from, where to.
# ---------------------------------------------------------------------------

source_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
if [[ -n "$root" ]]; then
  mkdir -p -- "$root"
  root=$(cd -- "$root" && pwd -P)
  # --root / is the real system.
  [[ "$root" == / ]] && root=""
fi
real_system=0
[[ -z "$root" ]] && real_system=1
if ((real_system)) && ((EUID != 0)); then
  fail "installing into the system needs root (sudo scripts/install.sh), or give --root DIR"
fi
systemd_running=0
((real_system)) && [[ -d /run/systemd/system ]] && systemd_running=1

opt_dir="$root/opt/gatehouse"
config_dir="$root/etc/gatehouse"
env_file="$config_dir/gatehouse.env"
data_dir="$root/var/lib/gatehouse"
unit_file="$root/etc/systemd/system/$service"

node_bin="$source_dir/node_modules/node/bin/node"
[[ -x "$node_bin" ]] || fail "no Node runtime at node_modules/node/bin/node: run \`npm ci\` in $source_dir first"
node_version=$("$node_bin" -p 'process.versions.node')
"$node_bin" -e 'const [a, b] = process.versions.node.split(".").map(Number); process.exit(a === 22 && b >= 12 ? 0 : 1)' ||
  fail "node_modules/node is Node $node_version; Gatehouse ships Node 22 (>= 22.12): run \`npm ci\`"
command -v npm >/dev/null || fail "npm is needed to build and to select the production dependencies"
# npm scripts and npm itself run on the project's Node 22, not the system's.
export PATH="$source_dir/node_modules/node/bin:$PATH"
export npm_config_offline=true npm_config_audit=false npm_config_fund=false npm_config_update_notifier=false

upgrading=0
previous=""
if [[ -e "$opt_dir" ]]; then
  upgrading=1
  [[ -f "$opt_dir/VERSION" ]] && previous=$(<"$opt_dir/VERSION")
fi
version=$("$node_bin" -p 'require(process.argv[1]).version' "$source_dir/package.json")
commit=$(git -C "$source_dir" rev-parse --short HEAD 2>/dev/null || echo "no git")

# ---------------------------------------------------------------------------
# Build and stage the new /opt/gatehouse next to the old one.
# ---------------------------------------------------------------------------

say "building Gatehouse $version ($commit)"
(cd "$source_dir" && npm run --silent build)

mkdir -p "$root/opt"
stage=$(mktemp -d "$root/opt/.gatehouse.new.XXXXXX")
cleanup() {
  if [[ -n "${stage:-}" ]]; then rm -rf -- "$stage"; fi
}
trap cleanup EXIT

chmod 0755 "$stage"
install -d -m 0755 "$stage/bin" "$stage/app"
install -m 0755 "$node_bin" "$stage/bin/node"
cp -R "$source_dir/dist" "$source_dir/migrations" "$source_dir/public" "$stage/app/"
install -m 0644 "$source_dir/package.json" "$source_dir/package-lock.json" "$stage/app/"

# The production dependency tree, as npm resolves it from node_modules (no network):
# each package directory is copied once (nested node_modules come with their parent).
say "copying the production dependencies"
mapfile -t packages < <(cd "$source_dir" && npm ls --omit=dev --all --parseable | tail -n +2 | sed "s|^$source_dir/||" | LC_ALL=C sort)
for package in "${packages[@]}"; do
  # A parent sorts before its nested packages and brings them along.
  [[ -e "$stage/app/$package" ]] && continue
  mkdir -p "$stage/app/$(dirname "$package")"
  cp -R "$source_dir/$package" "$stage/app/$package"
done
# npm removes anything the production tree does not need (and fails if something is missing).
(cd "$stage/app" && npm prune --omit=dev --ignore-scripts --silent)
# The admin CLI (`gatehouse users list`, `gatehouse backup`, …) with the bundled Node.
cat >"$stage/bin/gatehouse" <<'CLI'
#!/bin/sh
exec /opt/gatehouse/bin/node /opt/gatehouse/app/dist/cli.mjs "$@"
CLI
chmod 0755 "$stage/bin/gatehouse"
# The workerd that serves: the `workerd` package's binary for this platform, as a relative link.
workerd_bin=$(cd "$stage/app" && "$node_bin" -p 'require("workerd").default')
[[ -x "$workerd_bin" ]] || fail "the workerd package has no binary for this platform ($workerd_bin)"
ln -s "../app/${workerd_bin#"$stage/app/"}" "$stage/bin/workerd"
printf 'gatehouse %s (%s), Node %s, installed %s\n' "$version" "$commit" "$node_version" "$(date -u +%Y-%m-%dT%H:%M:%SZ)" >"$stage/VERSION"
chmod -R u+rwX,go+rX,go-w "$stage"
((real_system)) && chown -R root:root "$stage"

# The installed gateway starts from the staged tree before anything is replaced.
"$stage/bin/node" --check "$stage/app/dist/serve.mjs"
"$stage/bin/node" --check "$stage/app/dist/service.mjs"
"$stage/bin/workerd" --version >/dev/null
"$stage/bin/node" --check "$stage/app/dist/cli.mjs"

# ---------------------------------------------------------------------------
# The user, the data dir and the configuration (kept on upgrade).
# ---------------------------------------------------------------------------

if ((real_system)); then
  if ! getent passwd gatehouse >/dev/null; then
    nologin=/usr/sbin/nologin
    [[ -x "$nologin" ]] || nologin=/sbin/nologin
    [[ -x "$nologin" ]] || nologin=/bin/false
    useradd --system --user-group --home-dir /var/lib/gatehouse --no-create-home \
      --shell "$nologin" --comment "Gatehouse gateway" gatehouse
    say "created the system user gatehouse"
  fi
else
  say "--root given: the gatehouse user is not created and nothing is chowned (do it when the tree is deployed)"
fi

install -d -m 0700 "$data_dir"
# An existing data dir is made private too (the service itself also does it at every start).
chmod 0700 "$data_dir"
((real_system)) && chown gatehouse:gatehouse "$data_dir"

generated_password=""
if [[ -e "$env_file" ]]; then
  say "keeping $env_file as it is"
  if ((!upgrading)); then
    say "(its GATEHOUSE_ADMIN_PASSWORD is the first admin's password if no admin exists yet)"
  fi
  if [[ -n "$(find "$env_file" -perm /077)" ]]; then
    warn "$env_file is readable by others (mode $(stat -c %a "$env_file")): it holds secrets, chmod 600 it"
  fi
else
  [[ -d "$config_dir" ]] || install -d -m 0700 "$config_dir"
  secret=$("$node_bin" -p 'require("node:crypto").randomBytes(48).toString("base64url")')
  generated_password=$("$node_bin" -p 'require("node:crypto").randomBytes(18).toString("base64url")')
  draft=$(mktemp "$config_dir/.gatehouse.env.XXXXXX")
  cat >"$draft" <<ENV
# Gatehouse settings, read by $service (EnvironmentFile=). Written by
# scripts/install.sh on $(date -u +%Y-%m-%d); upgrades keep this file as it is.
# Every variable is in the README's "Configuration" table. Apply changes with
# \`systemctl restart gatehouse\`.
GATEHOUSE_HOST=0.0.0.0
GATEHOUSE_PORT=7000
GATEHOUSE_DATA=/var/lib/gatehouse
GATEHOUSE_OLLAMA=${ollama:-$default_ollama}

# Signs console sessions. Changing it signs everyone out.
GATEHOUSE_SESSION_SECRET=$secret
# The first admin's password: used only while no admin exists (the first
# start), and it must be changed at the first sign-in.
GATEHOUSE_ADMIN_PASSWORD=$generated_password
ENV
  chmod 0600 "$draft"
  mv "$draft" "$env_file"
  ((real_system)) && chown root:root "$env_file"
  say "wrote $env_file (mode 0600) with a generated session secret and first admin password"
fi

# ---------------------------------------------------------------------------
# Swap the new tree in, then the unit.
# ---------------------------------------------------------------------------

if ((upgrading)); then
  old="$root/opt/.gatehouse.old.$$"
  mv "$opt_dir" "$old"
  if ! mv "$stage" "$opt_dir"; then
    mv "$old" "$opt_dir"
    fail "could not put the new $opt_dir in place; the previous install is back"
  fi
  rm -rf -- "$old"
  say "upgraded $opt_dir (was: ${previous:-unknown})"
else
  mv "$stage" "$opt_dir"
  say "installed $opt_dir"
fi
stage=""

install -d -m 0755 "$(dirname "$unit_file")"
install -m 0644 "$source_dir/scripts/systemd/$service" "$unit_file"
say "wrote $unit_file"

check_ollama "$(configured_ollama "$env_file")" || true

if ((systemd_running)); then
  systemctl daemon-reload
  if ((!start)); then
    say "--no-start: start it with \`systemctl enable --now gatehouse\`"
  elif ((!upgrading)) || systemctl is-enabled --quiet "$service" || systemctl is-active --quiet "$service"; then
    # A first install is enabled and started; an upgrade restarts a service that is in use.
    if ((!upgrading)); then systemctl enable --quiet "$service"; fi
    # Returns once the unit's start probe saw /health answer 200 (or it failed).
    if systemctl restart "$service" && systemctl is-active --quiet "$service"; then
      say "$service is running: \`systemctl status gatehouse\`, logs: \`journalctl -u gatehouse -f\`"
    else
      warn "$service did not stay up: see \`journalctl -u gatehouse -n 50\`"
    fi
  else
    say "$service is disabled and stopped; left so (\`systemctl enable --now gatehouse\` starts it)"
  fi
elif ((real_system)); then
  say "systemd is not running here (a container?): the unit is written but nothing was started. Start Gatehouse with"
  say "  sh -c 'set -a; . /etc/gatehouse/gatehouse.env; exec setpriv --reuid=gatehouse --regid=gatehouse --init-groups /opt/gatehouse/bin/node --disable-warning=ExperimentalWarning /opt/gatehouse/app/dist/serve.mjs'"
else
  say "installed under $root; on the target system: \`systemctl daemon-reload && systemctl enable --now gatehouse\`"
fi

if [[ -n "$generated_password" ]]; then
  say ""
  say "The first admin account is \`admin\` with this one-time password (shown only now):"
  say "    $generated_password"
  say "Sign in to the console and change it. It stays in $env_file (root only) and is"
  say "used only if no admin exists."
fi
