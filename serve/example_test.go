package serve_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"

	"connectrpc.com/connect"

	_ "github.com/credo-rl/credo/method/all"
	"github.com/credo-rl/credo/serve"
	credov1 "github.com/credo-rl/credo/serve/gen/credo/v1"
	"github.com/credo-rl/credo/serve/gen/credo/v1/credov1connect"
)

// A server on a loopback port and a client that sends it a JSONL file as
// it is on disk.
func Example() {
	s, err := serve.New(serve.Config{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		panic(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	go s.Serve(ln)
	defer s.Shutdown(context.Background())

	data, err := os.ReadFile("../examples/grpo.jsonl")
	if err != nil {
		panic(err)
	}
	c := credov1connect.NewCredoServiceClient(http.DefaultClient, "http://"+ln.Addr().String())
	resp, err := c.Assign(context.Background(), connect.NewRequest(&credov1.AssignRequest{
		Method: "verl.grpo",
		Body:   &credov1.Body{Data: data, Format: "jsonl"},
	}))
	if err != nil {
		panic(err)
	}
	// 2543 bytes: the size of what `credo assign --method verl.grpo --in
	// examples/grpo.jsonl` writes.
	st := resp.Msg.Stats
	fmt.Printf("%d trajectories in %d groups, %d tokens, %d bytes of JSONL back\n", st.Trajectories, st.Groups, st.Tokens, len(resp.Msg.Body.Data))
	// Output: 8 trajectories in 2 groups, 31 tokens, 2543 bytes of JSONL back
}
