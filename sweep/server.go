package sweep

import (
	"fmt"
	"net"
	"strconv"
	"time"

	"github.com/nats-io/nats-server/v2/server"
)

// Server is an embedded NATS server with JetStream.
type Server struct {
	s *server.Server
}

// MaxPayload is the largest message the embedded server accepts (a
// compressed result): 32 MiB, instead of NATS' default 1 MiB.
const MaxPayload = 32 << 20

// StartServer starts an embedded NATS server with JetStream listening on
// addr ("127.0.0.1:0" picks a free port; "0.0.0.0:4222" lets workers on other
// machines join) and storing streams under storeDir. Close stops it.
func StartServer(addr, storeDir string) (*Server, error) {
	host, portStr, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, fmt.Errorf("nats listen address %q: %w", addr, err)
	}
	port, err := strconv.Atoi(portStr)
	if err != nil || port < 0 || port > 65535 {
		return nil, fmt.Errorf("nats listen address %q: bad port", addr)
	}
	if port == 0 {
		port = server.RANDOM_PORT // nats-server reads 0 as its default port 4222
	}
	if storeDir == "" {
		return nil, fmt.Errorf("embedded nats server: no store directory")
	}
	s, err := server.NewServer(&server.Options{
		ServerName: "credo-sweep",
		Host:       host,
		Port:       port,
		JetStream:  true,
		StoreDir:   storeDir,
		MaxPayload: MaxPayload,
		NoSigs:     true,
		NoLog:      true,
	})
	if err != nil {
		return nil, fmt.Errorf("embedded nats server: %w", err)
	}
	go s.Start()
	if !s.ReadyForConnections(30 * time.Second) {
		s.Shutdown()
		return nil, fmt.Errorf("embedded nats server on %s did not start within 30 s", addr)
	}
	return &Server{s: s}, nil
}

// URL is the server's client URL (nats://HOST:PORT).
func (s *Server) URL() string { return s.s.ClientURL() }

// Close shuts the server down and waits for it.
func (s *Server) Close() {
	s.s.Shutdown()
	s.s.WaitForShutdown()
}

// CloseAfterClients waits until no client is connected, or for at most
// grace, then shuts the server down. A coordinator that owns the server
// calls it after its sweep: the workers learn that the sweep is over by
// finding its streams deleted, which they can only do while the server
// is up (a worker that finds the server gone instead would report an
// error).
func (s *Server) CloseAfterClients(grace time.Duration) {
	for end := time.Now().Add(grace); s.s.NumClients() > 0 && time.Now().Before(end); {
		time.Sleep(50 * time.Millisecond)
	}
	s.Close()
}
