#!/usr/bin/env bash
# Cross-compiles the Windows executable (icon and version resources) with
# mingw-w64, signs it with osslsigncode and verifies the signature.
# The certificate comes from CABINET_SIGN_CERT and CABINET_SIGN_KEY (PEM
# files; CABINET_SIGN_PASS_FILE for the key's passphrase) when set;
# otherwise a throw-away self-signed test certificate is made.
# Usage: packaging/windows.sh VERSION BUILD OUTDIR
set -euo pipefail
version=$1 build=$2 out=$3
root=$(cd "$(dirname "$0")/.." && pwd)
fyne=${FYNE:-$(go env GOPATH)/bin/fyne}
work=$(mktemp -d); trap 'rm -rf "$work"; rm -f "$root/cmd/cabinet/FyneApp.toml"' EXIT
cp "$root/packaging/FyneApp.toml" "$root/cmd/cabinet/FyneApp.toml"
(cd "$root/cmd/cabinet" && CC=x86_64-w64-mingw32-gcc CGO_ENABLED=1 \
  GOFLAGS="-buildvcs=false -trimpath -ldflags=-X=main.version=$version" \
  "$fyne" package --os windows --release --name Cabinet --app-id fr.cabinet-sante.cabinet \
  --app-version "$version" --app-build "$build")
mv "$root/cmd/cabinet/Cabinet.exe" "$work/unsigned.exe"
cert=${CABINET_SIGN_CERT:-} key=${CABINET_SIGN_KEY:-}
passarg=()
if [ -z "$cert" ]; then
  cert=$work/cert.pem key=$work/key.pem
  openssl req -x509 -newkey rsa:3072 -nodes -days 2 -keyout "$key" -out "$cert" \
    -subj "/CN=Cabinet test signing (throw-away)" -addext "extendedKeyUsage=codeSigning" 2>/dev/null
elif [ -n "${CABINET_SIGN_PASS_FILE:-}" ]; then
  passarg=(-readpass "$CABINET_SIGN_PASS_FILE")
fi
osslsigncode sign -certs "$cert" -key "$key" "${passarg[@]}" -n Cabinet -i https://github.com/cabinet-sante/cabinet \
  -h sha256 -in "$work/unsigned.exe" -out "$out/cabinet-$version-windows-amd64.exe" >/dev/null
osslsigncode verify -CAfile "$cert" -in "$out/cabinet-$version-windows-amd64.exe" >/dev/null
echo "$out/cabinet-$version-windows-amd64.exe (signature verified)"
