package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/credo-rl/credo/internal/atomicfile"
	"github.com/credo-rl/credo/serve"
)

func newServe() *cobra.Command {
	var (
		addr, tokens, stateDir    string
		tlsCert, tlsKey           string
		maxMsg, maxBatch, memLim  int64
		maxConc                   int
		queueWait, timeout, grace time.Duration
		logFormat                 string
	)
	c := &cobra.Command{
		Use:   "serve [--addr HOST:PORT] [--tokens FILE] [--state-dir DIR]",
		Short: "Serve credit assignment over gRPC, gRPC-Web and HTTP/JSON",
		Long: `serve answers the CredoService (proto/credo/v1/credo.proto): Assign, AssignStream,
Methods and Validate, in gRPC, gRPC-Web and the Connect protocol (HTTP/JSON) on
one port. Assign runs the engine of credo assign on the batch, given as the
bytes of a JSONL or Parquet file (optionally .gz/.zst) or as records.

Without --tokens the server is unauthenticated and listens on loopback only;
with --tokens FILE (one bearer token per line) every RPC and /metrics need
"Authorization: Bearer TOKEN". /healthz and /readyz are open.

Stateful methods keep their state per session (the request's session field
or the Credo-Session header) in DIR/sessions/NAME.json, written atomically
before the response is sent, so a restarted server continues where it was.

SIGINT or SIGTERM stops accepting requests, finishes the accepted ones (up
to --shutdown-timeout) and exits 0. See docs/serve.md.`,
		Example: `  credo serve --state-dir /var/lib/credo
  credo serve --addr 0.0.0.0:8080 --tokens /etc/credo/tokens --state-dir /var/lib/credo
  curl -s -H 'Content-Type: application/json' -d '{"method":"verl.grpo","records":[...]}' \
    http://127.0.0.1:8080/credo.v1.CredoService/Assign`,
		Args: exactArgs(0),
		RunE: func(cmd *cobra.Command, args []string) error {
			stderr := cmd.ErrOrStderr()
			var h slog.Handler
			switch logFormat {
			case "json":
				h = slog.NewJSONHandler(stderr, nil)
			case "text":
				h = slog.NewTextHandler(stderr, nil)
			default:
				return usageError{fmt.Errorf("--log-format %q: want json or text", logFormat)}
			}
			if (tlsCert == "") != (tlsKey == "") {
				return usageError{errors.New("--tls-cert and --tls-key go together")}
			}
			var toks []string
			if tokens != "" {
				var err error
				if toks, err = serve.LoadTokens(tokens); err != nil {
					return usageError{fmt.Errorf("--tokens: %w", err)}
				}
			}
			if err := serve.CheckAddr(addr, len(toks) > 0); err != nil {
				return usageError{err}
			}
			if memLim > 0 {
				debug.SetMemoryLimit(memLim)
			}
			// The server finishes its requests on a signal; atomicfile must
			// not exit the process under it.
			atomicfile.HandleSignals = false
			log := slog.New(h)
			s, err := serve.New(serve.Config{
				Tokens: toks, StateDir: stateDir, MaxMessageBytes: maxMsg, MaxBatchBytes: maxBatch,
				MaxConcurrent: maxConc, QueueWait: queueWait, Timeout: timeout, Logger: log,
			})
			if err != nil {
				return err
			}
			ln, err := net.Listen("tcp", addr)
			if err != nil {
				return err
			}
			scheme := "http"
			if tlsCert != "" {
				scheme = "https"
			}
			fmt.Fprintf(stderr, "credo serve: listening on %s://%s\n", scheme, ln.Addr())
			if len(toks) == 0 {
				fmt.Fprintln(stderr, "credo serve: no --tokens: requests are not authenticated, so only loopback addresses are served")
			} else if tlsCert == "" {
				if host, _, _ := net.SplitHostPort(addr); serve.CheckAddr(net.JoinHostPort(host, "0"), false) != nil {
					fmt.Fprintln(stderr, "credo serve: warning: bearer tokens travel in clear text without --tls-cert; put a TLS proxy in front or give --tls-cert/--tls-key")
				}
			}
			if stateDir == "" {
				fmt.Fprintln(stderr, "credo serve: no --state-dir: requests naming a session are refused")
			}
			log.Info("serving", "addr", ln.Addr().String(), "auth", len(toks) > 0, "state_dir", stateDir)

			sig := make(chan os.Signal, 1)
			signal.Notify(sig, syscall.SIGINT, syscall.SIGTERM)
			defer signal.Stop(sig)
			errc := make(chan error, 1)
			go func() {
				if tlsCert != "" {
					errc <- s.ServeTLS(ln, tlsCert, tlsKey)
				} else {
					errc <- s.Serve(ln)
				}
			}()
			select {
			case err := <-errc:
				return err
			case got := <-sig:
				log.Info("shutting down: finishing accepted requests", "signal", got.String(), "grace", grace.String())
				ctx, cancel := context.WithTimeout(context.Background(), grace)
				defer cancel()
				err := s.Shutdown(ctx)
				if e := <-errc; e != nil && !errors.Is(e, http.ErrServerClosed) && err == nil {
					err = e
				}
				if err != nil {
					return fmt.Errorf("shutdown: %w", err)
				}
				log.Info("stopped")
				return nil
			}
		},
	}
	f := c.Flags()
	f.StringVar(&addr, "addr", "127.0.0.1:8080", "address to listen on (HOST:PORT; port 0 picks a free one)")
	f.StringVar(&tokens, "tokens", "", "file of bearer tokens, one per line (none: loopback only)")
	f.StringVar(&stateDir, "state-dir", "", "directory for session state (sessions/NAME.json) and scratch files")
	f.StringVar(&tlsCert, "tls-cert", "", "TLS certificate file (with --tls-key)")
	f.StringVar(&tlsKey, "tls-key", "", "TLS key file")
	f.Int64Var(&maxMsg, "max-message-bytes", 256<<20, "largest request message, bytes")
	f.Int64Var(&maxBatch, "max-batch-bytes", 4<<30, "largest batch of one request (streamed chunks together), bytes")
	f.Int64Var(&memLim, "memory-limit", 0, "soft memory limit of the Go runtime, bytes (as GOMEMLIMIT; 0 = none): the garbage collector works harder near it")
	f.IntVar(&maxConc, "max-concurrent", 0, "requests run at once; more get RESOURCE_EXHAUSTED / 429 (0 = number of CPUs)")
	f.DurationVar(&queueWait, "queue-wait", 0, "how long a request waits for a free slot before it is refused")
	f.DurationVar(&timeout, "timeout", 10*time.Minute, "deadline of each request")
	f.DurationVar(&grace, "shutdown-timeout", time.Minute, "how long a shutdown waits for accepted requests")
	f.StringVar(&logFormat, "log-format", "json", "log format on stderr: json or text")
	return c
}
