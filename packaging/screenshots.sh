#!/usr/bin/env bash
# Takes the README's tour screenshots from the real application under Xvfb
# (needs xvfb, xdotool and imagemagick). Usage: packaging/screenshots.sh
set -euo pipefail
cd "$(dirname "$0")/.."
make build >/dev/null
work=$(mktemp -d)
trap 'kill $app $xvfb 2>/dev/null || true; rm -rf "$work"' EXIT
printf 'demo\n' | bin/cabinet demo --vault "$work/v" --patients 2000 >/dev/null 2>&1
Xvfb :77 -screen 0 1100x720x24 >/dev/null 2>&1 & xvfb=$!
export DISPLAY=:77
sleep 1
bin/cabinet --vault "$work/v" --demo-hint --idle-lock 0 >/dev/null 2>&1 & app=$!
sleep 3
shot() { sleep 1.2; import -window root "docs/tour-$1.png"; }
click() { xdotool mousemove "$1" "$2" click 1; }
shot unlock
xdotool type --delay 40 demo; xdotool key Return; sleep 3
shot home
xdotool type --delay 60 "mar"; sleep 1; click 150 185
shot record
xdotool key ctrl+n; sleep 1; xdotool type --delay 20 "Lombalgie"
shot consultation
click 60 67; sleep 0.5; click 155 67; sleep 0.5; click 117 147; sleep 0.5; click 163 107
shot agenda
click 263 67; sleep 0.5; click 300 150
shot invoices
click 392 67
shot exports
click 533 67
shot privacy
click 662 67
shot mail
click 770 67
shot sync
click 868 67
shot support
click 972 67
shot settings
for f in docs/tour-*.png; do convert "$f" -colors 128 "PNG8:$f"; done
cp docs/tour-record.png docs/screenshot.png
echo "docs/tour-*.png written"
