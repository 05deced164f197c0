#!/usr/bin/env bash
# Installs the Linux package into a temporary prefix, runs the installed
# binary, makes a demo vault and opens the GUI under Xvfb for a screenshot.
# Usage: packaging/smoke.sh TARBALL OUT.png
set -euo pipefail
tarball=$1 shot=$2
work=$(mktemp -d)
trap 'kill $app $xvfb 2>/dev/null || true; rm -rf "$work"' EXIT
tar xJf "$tarball" -C "$work"
make -s -C "$work/cabinet" install DESTDIR="$work/root" PREFIX=/usr >/dev/null
bin=$work/root/usr/bin/cabinet
test -f "$work/root/usr/share/applications/fr.cabinet-sante.cabinet.desktop"
test -f "$work/root/usr/share/pixmaps/fr.cabinet-sante.cabinet.png"
"$bin" version | grep -q '^cabinet '
printf 'demo\n' | "$bin" demo --vault "$work/v" --patients 50 >/dev/null 2>&1
Xvfb :91 -screen 0 1100x720x24 >/dev/null 2>&1 & xvfb=$!
sleep 1
DISPLAY=:91 "$bin" --vault "$work/v" --demo-hint >/dev/null 2>&1 & app=$!
sleep 4
kill -0 $app # still running
DISPLAY=:91 import -window root "$shot"
test -s "$shot"
echo "smoke test passed: $("$bin" version)"
