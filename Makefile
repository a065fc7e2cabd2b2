# faultline: `make test` is what CI runs (see .ci/run).
GO       ?= go
PKGS     ?= ./...
FUZZTIME ?= 10s

.PHONY: build test bench fuzz lint run audit

build:
	$(GO) build -o bin/faultline .

test:
	$(GO) vet $(PKGS)
	$(GO) test -race -count=1 -timeout 20m $(PKGS)

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
