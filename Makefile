# credo: common tasks. The README's test command is `make test` (Go tests with the race
# detector, then the Python package: python/ci.sh).
GO ?= go

.PHONY: build test bench conformance lint fuzz proto

build:
	$(GO) build -o bin/credo ./cmd/credo

test:
	$(GO) test -race ./...
	python/ci.sh

conformance: build
	bin/credo conformance testdata/golden

lint:
	gofmt -l . && $(GO) vet ./... && $(GO) run honnef.co/go/tools/cmd/staticcheck@v0.8.2 ./...

fuzz:
	$(GO) test -run '^$$' -fuzz '^FuzzDecode$$' -fuzztime 60s ./format/jsonl
	$(GO) test -run '^$$' -fuzz '^FuzzReader$$' -fuzztime 60s -fuzzminimizetime 1x ./format/parquet

# Benchmarks at B=4096 rows x T=2048 tokens (ragged), one core. Results: docs/benchmarks.md.
bench:
	GOMAXPROCS=1 $(GO) test -run '^$$' -bench . -benchmem -benchtime 3x ./bench/

# Regenerate the credo serve API (proto/credo/v1/credo.proto -> serve/gen) with protoc
# (Debian: protobuf-compiler), protoc-gen-go and protoc-gen-connect-go on PATH.
# The generated code is committed; serve's TestGeneratedCode checks it when protoc is present.
proto:
	protoc -I proto --go_out=. --go_opt=module=github.com/credo-rl/credo \
		--connect-go_out=. --connect-go_opt=module=github.com/credo-rl/credo proto/credo/v1/credo.proto
