# Shared helpers for scripts/*: logging, root/sudo, idempotent installs, the cargo target dir.
# Sourced, not executed.

set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export ROOT

# Reuse one target dir per user between runs (fast warm CI), unless the caller chose one.
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/devhive-desktop/target}"
export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"

say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }
warn() { printf '\033[33mwarning:\033[0m %s\n' "$*" >&2; }
die() { printf '\033[31merror:\033[0m %s\n' "$*" >&2; exit 1; }

# Runs a command as root: directly when we are root, else through sudo.
as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"
  elif command -v sudo >/dev/null 2>&1; then sudo "$@"
  else die "need root (or sudo) to run: $*"
  fi
}

# Installs the named Debian packages that are not installed yet; no-op (and no apt update)
# when all are present, so warm runs stay fast.
apt_ensure() {
  local missing=()
  local pkg
  for pkg in "$@"; do
    # A plain match, not `| grep -q` (its early exit can SIGPIPE dpkg-query under pipefail).
    case "$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)" in
      *'install ok installed'*) ;;
      *) missing+=("$pkg") ;;
    esac
  done
  [ "${#missing[@]}" -eq 0 ] && return 0
  say "installing Debian packages: ${missing[*]}"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get update -q
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
}

# Packages to build and run the app (WebKitGTK 4.1, GTK, appindicator, librsvg, D-Bus, build tools).
APP_PACKAGES=(build-essential pkg-config file libssl-dev libwebkit2gtk-4.1-dev
  libayatana-appindicator3-dev librsvg2-dev libxdo-dev libdbus-1-dev)
# Extra packages for the test suites: a virtual display, a D-Bus session with a real Secret
# Service, a WebDriver for the WebView, Chromium for UI tests, a notification daemon, tmux,
# and for the D-Bus tray test: GLib's Gio for Python and xwininfo.
TEST_PACKAGES=(xvfb xauth webkit2gtk-driver dbus-daemon dbus-bin gnome-keyring libsecret-tools
  keyutils imagemagick chromium dunst libnotify-bin tmux procps python3-gi gir1.2-glib-2.0 x11-utils
  gdb file tinyproxy-bin)

# npm ci in ui/ when node_modules is missing or older than the lock file.
npm_ensure() {
  command -v npm >/dev/null 2>&1 || apt_ensure nodejs npm
  if [ ! -d "$ROOT/ui/node_modules" ] || [ "$ROOT/ui/package-lock.json" -nt "$ROOT/ui/node_modules/.package-lock.json" ]; then
    say "npm ci (ui/)"
    (cd "$ROOT/ui" && npm ci --no-audit --no-fund)
  fi
}
