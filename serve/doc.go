// Package serve is the credo credit service behind `credo serve`: the
// CredoService of proto/credo/v1/credo.proto (Assign, AssignStream,
// Methods, Validate) answered in gRPC, gRPC-Web and the Connect protocol
// (HTTP/JSON) by one connect-go handler (connectrpc.com/connect).
//
// Assign collects the request's batch (the bytes of a JSONL or Parquet file
// as on disk, or records) into a scratch file and runs stream.Run on
// it, the engine `credo assign` runs on a file, so the answer is the file
// `credo assign` would write. Stateful methods keep their state per
// client-named session in StateDir/sessions/NAME.json, replaced atomically
// (internal/atomicfile) before the answer is sent; a request_id makes a
// retry after a lost answer idempotent.
//
// Around the handler: bearer-token authentication (none configured: the
// caller must listen on loopback, see CheckAddr), message and batch size
// limits, a per-request deadline that stops the engine between records, a
// concurrency limit answering RESOURCE_EXHAUSTED / HTTP 429 with
// Retry-After, graceful shutdown, /healthz, /readyz, Prometheus /metrics
// and one log/slog line per request. Handle mounts further handlers (a
// page, another API) behind the same authentication.
//
// docs/serve.md documents the HTTP/JSON API and the load test.
package serve
