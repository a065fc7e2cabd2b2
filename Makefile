# faultline: `make test` is what CI runs (see .ci/run).
GO       ?= go
PKGS     ?= ./...
FUZZTIME ?= 10s

.PHONY: build test bench fuzz lint run audit dist cross-vet

build:
	$(GO) build -o bin/faultline .

# Static release binaries with the version stamped in (faultline version):
# dist/faultline-OS-ARCH[.exe] for every platform, each vetted first.
VERSION   ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
PLATFORMS ?= linux/amd64 linux/arm64 darwin/amd64 darwin/arm64 windows/amd64 windows/arm64
LDFLAGS   := -s -w -X github.com/faultline-dev/faultline/cmd.version=$(VERSION)

dist:
	@mkdir -p dist
	@for p in $(PLATFORMS); do \
	  os=$${p%/*}; arch=$${p#*/}; ext=; [ $$os = windows ] && ext=.exe; \
	  echo "dist/faultline-$$os-$$arch$$ext ($(VERSION))"; \
	  GOOS=$$os GOARCH=$$arch $(GO) vet $(PKGS) || exit 1; \
	  CGO_ENABLED=0 GOOS=$$os GOARCH=$$arch $(GO) build -trimpath -ldflags '$(LDFLAGS)' \
	    -o dist/faultline-$$os-$$arch$$ext . || exit 1; \
	done

# go vet for the other operating systems (what dist needs, without building).
cross-vet:
	GOOS=darwin GOARCH=arm64 $(GO) vet $(PKGS)
	GOOS=windows GOARCH=amd64 $(GO) vet $(PKGS)

# The large real-spec tests of contract skip under -race (minutes of
# instrumented YAML parsing, no concurrency of their own): the last line runs
# them without it, every 8th operation as before (see contract/race_test.go).
test:
	$(GO) vet $(PKGS)
	$(GO) test -race -count=1 -timeout 20m $(PKGS)
	$(GO) test -count=1 -run 'TestRealSpecs|TestVerifyRealCassette' ./contract/ -realworld.every 8

bench:
	$(GO) test -run '^$$' -bench . -benchmem $(PKGS)
	@for d in bench/*/; do [ -f "$$d/main.go" ] && $(GO) run ./$$d || true; done

# Short runs of every native fuzz target; FUZZTIME=1m for longer.
fuzz:
	@for pkg in $$($(GO) list $(PKGS)); do \
	  for t in $$($(GO) test -list '^Fuzz' $$pkg | grep '^Fuzz'); do \
	    echo "fuzz $$pkg $$t"; $(GO) test -run '^$$' -fuzz "^$$t$$" -fuzztime $(FUZZTIME) $$pkg || exit 1; \
	  done; \
	done

lint:
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { gofmt -l $$(git ls-files '*.go'); echo "gofmt needed"; exit 1; }
	$(GO) vet $(PKGS)

run:
	$(GO) run . run

# faultline audit on this repository: it must stay clean (reasoned
# //faultline:ignore where code breaks a rule on purpose). Exit 1 on a finding.
audit:
	$(GO) run . audit
