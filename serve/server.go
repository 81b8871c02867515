package serve

import (
	"bufio"
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"connectrpc.com/connect"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/credo-rl/credo/serve/gen/credo/v1/credov1connect"
)

// Config configures a Server. Zero values take the defaults named.
type Config struct {
	// Tokens are the accepted bearer tokens; none = no authentication, and
	// then only a loopback address may be served (see CheckAddr).
	Tokens []string
	// StateDir holds one JSON file per session (sessions/) and the scratch
	// files of requests (tmp/). Empty: sessions are refused and scratch
	// files go to a fresh directory under os.TempDir().
	StateDir string
	// MaxMessageBytes bounds one protobuf or JSON message (default 256 MiB).
	MaxMessageBytes int64
	// MaxBatchBytes bounds a request's whole batch, streamed chunks
	// together (default 4 GiB).
	MaxBatchBytes int64
	// MaxConcurrent is the number of RPCs run at once (default the number
	// of CPUs); more are refused with RESOURCE_EXHAUSTED / HTTP 429 after
	// waiting QueueWait (default 0: at once).
	MaxConcurrent int
	QueueWait     time.Duration
	// Timeout bounds each RPC (default 10 minutes); a client's shorter
	// deadline applies too.
	Timeout time.Duration
	// Logger receives one structured line per request (default slog.Default()).
	Logger *slog.Logger
}

func (c *Config) defaults() {
	if c.MaxMessageBytes <= 0 {
		c.MaxMessageBytes = 256 << 20
	}
	if c.MaxBatchBytes <= 0 {
		c.MaxBatchBytes = 4 << 30
	}
	if c.MaxConcurrent <= 0 {
		c.MaxConcurrent = runtime.NumCPU()
	}
	if c.Timeout <= 0 {
		c.Timeout = 10 * time.Minute
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
}

// Server is the credo credit service: one http.Handler that answers the
// CredoService in gRPC, gRPC-Web and the Connect protocol (HTTP/JSON), with
// /healthz, /readyz and /metrics beside it.
type Server struct {
	cfg     Config
	mux     *http.ServeMux
	sem     chan struct{}
	sess    *sessions
	tmp     string
	ownTmp  bool
	tokens  [][32]byte
	metrics *metrics
	reg     *prometheus.Registry
	ready   atomic.Bool
	log     *slog.Logger

	mu  sync.Mutex
	srv *http.Server
}

// New builds a server. Scratch files left in StateDir/tmp by a server that
// was killed are removed.
func New(cfg Config) (*Server, error) {
	cfg.defaults()
	s := &Server{cfg: cfg, mux: http.NewServeMux(), sem: make(chan struct{}, cfg.MaxConcurrent), log: cfg.Logger}
	for _, t := range cfg.Tokens {
		s.tokens = append(s.tokens, sha256.Sum256([]byte(t)))
	}
	if cfg.StateDir != "" {
		var err error
		if s.sess, err = newSessions(filepath.Join(cfg.StateDir, "sessions")); err != nil {
			return nil, err
		}
		s.tmp = filepath.Join(cfg.StateDir, "tmp")
		os.RemoveAll(s.tmp)
		if err := os.MkdirAll(s.tmp, 0o700); err != nil {
			return nil, fmt.Errorf("scratch directory: %w", err)
		}
	} else {
		dir, err := os.MkdirTemp("", "credo-serve-")
		if err != nil {
			return nil, err
		}
		s.tmp, s.ownTmp = dir, true
	}
	s.reg = prometheus.NewRegistry()
	s.metrics = newMetrics(s.reg)
	s.metrics.limit.Set(float64(cfg.MaxConcurrent))
	s.log.Info("limits", "max_concurrent", cfg.MaxConcurrent, "max_message_bytes", cfg.MaxMessageBytes, "max_batch_bytes", cfg.MaxBatchBytes, "timeout", cfg.Timeout.String(), "queue_wait", cfg.QueueWait.String())

	path, h := credov1connect.NewCredoServiceHandler(service{s},
		connect.WithInterceptors(&observer{s}),
		connect.WithCodec(jsonCodec{"json"}),
		connect.WithCodec(jsonCodec{"json; charset=utf-8"}),
		connect.WithReadMaxBytes(int(min(cfg.MaxMessageBytes, int64(^uint(0)>>1)))),
	)
	s.mux.Handle(path, s.auth(s.limit(h)))
	s.mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		w.Write([]byte("ok\n"))
	})
	s.mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, _ *http.Request) {
		if !s.ready.Load() {
			http.Error(w, "not ready (starting or shutting down)", http.StatusServiceUnavailable)
			return
		}
		w.Write([]byte("ready\n"))
	})
	s.mux.Handle("GET /metrics", s.auth(promhttp.HandlerFor(s.reg, promhttp.HandlerOpts{Registry: s.reg})))
	s.ready.Store(true)
	return s, nil
}

// Handle mounts an extra handler (a page, an API of another package) on the
// server's mux, behind the same bearer-token check as the RPCs.
func (s *Server) Handle(pattern string, h http.Handler) { s.mux.Handle(pattern, s.auth(h)) }

// Handler is the server's whole HTTP handler.
func (s *Server) Handler() http.Handler { return s.mux }

// Registry is the Prometheus registry behind /metrics, for extra collectors.
func (s *Server) Registry() *prometheus.Registry { return s.reg }

// Serve answers on ln (HTTP/1.1 and cleartext HTTP/2, which gRPC needs)
// until Shutdown; it returns http.ErrServerClosed then.
func (s *Server) Serve(ln net.Listener) error {
	return s.serve(ln, "", "")
}

// ServeTLS is Serve over TLS with the given certificate and key files.
func (s *Server) ServeTLS(ln net.Listener, certFile, keyFile string) error {
	return s.serve(ln, certFile, keyFile)
}

func (s *Server) serve(ln net.Listener, cert, key string) error {
	var p http.Protocols
	p.SetHTTP1(true)
	p.SetHTTP2(true)
	p.SetUnencryptedHTTP2(true)
	srv := &http.Server{
		Handler:           s.mux,
		Protocols:         &p,
		ReadHeaderTimeout: 30 * time.Second,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
	}
	s.mu.Lock()
	s.srv = srv
	s.mu.Unlock()
	if cert != "" {
		return srv.ServeTLS(ln, cert, key)
	}
	return srv.Serve(ln)
}

// Shutdown stops accepting connections, marks the server not ready and
// waits until every accepted request has been answered (or ctx ends; the
// requests still running are then cancelled).
func (s *Server) Shutdown(ctx context.Context) error {
	s.ready.Store(false)
	s.mu.Lock()
	srv := s.srv
	s.mu.Unlock()
	var err error
	if srv != nil {
		err = srv.Shutdown(ctx)
		if err != nil {
			srv.Close()
		}
	}
	if s.ownTmp {
		os.RemoveAll(s.tmp)
	}
	return err
}

// auth checks the bearer token when tokens are configured.
func (s *Server) auth(h http.Handler) http.Handler {
	if len(s.tokens) == 0 {
		return h
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		if !ok || !s.tokenOK(tok) {
			s.metrics.errors.WithLabelValues("unauthenticated").Inc()
			s.log.Warn("refused", "reason", "unauthenticated", "path", r.URL.Path, "peer", r.RemoteAddr)
			w.Header().Set("WWW-Authenticate", `Bearer realm="credo"`)
			writeError(w, r, connect.NewError(connect.CodeUnauthenticated, errors.New("missing or unknown bearer token")), http.StatusUnauthorized)
			return
		}
		h.ServeHTTP(w, r)
	})
}

func (s *Server) tokenOK(tok string) bool {
	sum := sha256.Sum256([]byte(tok))
	ok := 0
	for _, t := range s.tokens {
		ok |= subtle.ConstantTimeCompare(sum[:], t[:])
	}
	return ok == 1
}

// limit runs at most MaxConcurrent RPCs at once and applies the per-request
// deadline; a request that finds no free slot within QueueWait is refused
// with RESOURCE_EXHAUSTED (HTTP 429) and Retry-After before its body is read.
func (s *Server) limit(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case s.sem <- struct{}{}:
		default:
			ok := false
			if s.cfg.QueueWait > 0 {
				t := time.NewTimer(s.cfg.QueueWait)
				select {
				case s.sem <- struct{}{}:
					ok = true
				case <-t.C:
				case <-r.Context().Done():
				}
				t.Stop()
			}
			if !ok {
				s.metrics.errors.WithLabelValues("busy").Inc()
				s.log.Warn("refused", "reason", "busy", "path", r.URL.Path, "peer", r.RemoteAddr, "in_flight", len(s.sem))
				w.Header().Set("Retry-After", "1")
				writeError(w, r, connect.NewError(connect.CodeResourceExhausted,
					fmt.Errorf("server busy: %d requests running (--max-concurrent); retry later", s.cfg.MaxConcurrent)), http.StatusTooManyRequests)
				return
			}
		}
		defer func() { <-s.sem }()
		s.metrics.inFlight.Inc()
		defer s.metrics.inFlight.Dec()
		ctx, cancel := context.WithTimeout(r.Context(), s.cfg.Timeout)
		defer cancel()
		h.ServeHTTP(w, r.WithContext(ctx))
	})
}

var errorWriter = connect.NewErrorWriter()

// writeError answers in the caller's protocol (gRPC, gRPC-Web, Connect), or
// as plain HTTP with status for other clients.
func writeError(w http.ResponseWriter, r *http.Request, err *connect.Error, status int) {
	if errorWriter.IsSupported(r) {
		errorWriter.Write(w, r, err)
		return
	}
	http.Error(w, err.Message(), status)
}

// LoadTokens reads bearer tokens from a file: one per line; blank lines and
// lines starting with # are skipped. A file without tokens is an error.
func LoadTokens(path string) ([]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var toks []string
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if strings.ContainsAny(line, " \t") {
			return nil, fmt.Errorf("%s: line %d: a token has no spaces", path, n)
		}
		toks = append(toks, line)
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	if len(toks) == 0 {
		return nil, fmt.Errorf("%s: no tokens (one per line; # starts a comment)", path)
	}
	return toks, nil
}

// CheckAddr refuses to serve a non-loopback address without authentication.
func CheckAddr(addr string, auth bool) error {
	if auth {
		return nil
	}
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("--addr %q: %w", addr, err)
	}
	if _, err := strconv.Atoi(port); err != nil && port != "" {
		return fmt.Errorf("--addr %q: port %q is not a number", addr, port)
	}
	if host == "localhost" {
		return nil
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsLoopback() {
		return nil
	}
	if host == "" {
		host = "every interface"
	}
	return fmt.Errorf("--addr %s listens on %s without authentication: give --tokens FILE, or listen on loopback (127.0.0.1:PORT)", addr, host)
}
