#!/usr/bin/env bash
# Installs the Debian/Ubuntu packages Cabinet needs to build (cgo + OpenGL for
# Fyne) and, with --gui-test, to look at the GUI headless. Installs only what
# is missing, as root or through sudo; otherwise says what to install.
# softhsm2 is the PKCS#11 token the second-factor tests use.
set -euo pipefail
pkgs=(gcc pkg-config libgl1-mesa-dev xorg-dev libxxf86vm-dev curl ca-certificates softhsm2)
for a in "$@"; do
  case $a in
    --gui-test) pkgs+=(xvfb imagemagick poppler-utils xauth) ;;
    --ci) pkgs+=(openssh-client openssh-server dovecot-imapd python3) ;;
    --package) pkgs+=(gcc-mingw-w64-x86-64 osslsigncode xz-utils openssl xvfb imagemagick) ;;
  esac
done
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if ! command -v apt-get >/dev/null; then
  echo "Cabinet needs these system packages (or their equivalent): ${missing[*]}" >&2
  exit 1
fi
if [ "$(id -u)" -eq 0 ]; then sudo=""
elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then sudo="sudo"
else
  echo "Missing system packages: ${missing[*]}" >&2
  echo "Install them with: sudo apt-get install -y ${missing[*]}" >&2
  exit 1
fi
echo "Installing system packages: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
