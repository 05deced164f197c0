#!/usr/bin/env bash
# Builds the .deb from the Linux tarball made by `fyne package`.
# Usage: packaging/deb.sh TARBALL VERSION OUT.deb
set -euo pipefail
tarball=$1 version=$2 out=$3
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
tar xJf "$tarball" -C "$work"
make -s -C "$work/cabinet" install DESTDIR="$work/root" PREFIX=/usr >/dev/null
mkdir -p "$work/root/DEBIAN"
size=$(du -sk "$work/root/usr" | cut -f1)
cat > "$work/root/DEBIAN/control" <<CONTROL
Package: cabinet
Version: $version
Architecture: amd64
Maintainer: Cabinet <dev@cabinet.invalid>
Installed-Size: $size
Depends: libc6, libgl1, libx11-6, libxcursor1, libxrandr2, libxinerama1, libxi6, libxxf86vm1
Section: misc
Priority: optional
Homepage: https://github.com/cabinet-sante/cabinet
Description: offline practice manager for French health practitioners
 Patients, consultations, agenda, notes d'honoraires and GDPR duties in one
 encrypted file, with no network unless the practitioner turns it on.
CONTROL
dpkg-deb --root-owner-group --build "$work/root" "$out" >/dev/null
echo "$out"
