package serve

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"math"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"connectrpc.com/connect"
	"google.golang.org/protobuf/reflect/protoreflect"

	"github.com/credo-rl/credo/credit"
	"github.com/credo-rl/credo/credit/stream"
	_ "github.com/credo-rl/credo/method/all"
	credov1 "github.com/credo-rl/credo/serve/gen/credo/v1"
	"github.com/credo-rl/credo/serve/gen/credo/v1/credov1connect"
)

const examples = "../examples"

// testServer runs a Server on a loopback port.
type testServer struct {
	s    *Server
	url  string
	done chan error
}

func start(t *testing.T, cfg Config) *testServer {
	t.Helper()
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	s, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ts := &testServer{s: s, url: "http://" + ln.Addr().String(), done: make(chan error, 1)}
	go func() { ts.done <- s.Serve(ln) }()
	t.Cleanup(func() { ts.stop(t) })
	return ts
}

func (ts *testServer) stop(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	ts.s.Shutdown(ctx)
}

// h2c is an HTTP client speaking cleartext HTTP/2, as gRPC needs.
func h2c() *http.Client {
	var p http.Protocols
	p.SetUnencryptedHTTP2(true)
	return &http.Client{Transport: &http.Transport{Protocols: &p}}
}

func client(url string, opts ...connect.ClientOption) credov1connect.CredoServiceClient {
	return credov1connect.NewCredoServiceClient(h2c(), url, opts...)
}

// cliAssign runs what `credo assign --method m --in in --out OUT` runs and
// returns OUT's bytes.
func cliAssign(t *testing.T, m string, sets []string, st *credit.State, in, ext string) []byte {
	t.Helper()
	meth, err := credit.Lookup(m)
	if err != nil {
		t.Fatal(err)
	}
	v, err := meth.Parse(sets)
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "out."+ext)
	if _, err := stream.Run(stream.Job{Method: meth, Values: v, State: st, In: in, Out: out}); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func read(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestProtocols: one Assign over gRPC, gRPC-Web, Connect (binary and
// JSON) and plain HTTP/JSON gives the bytes `credo assign` writes.
func TestProtocols(t *testing.T) {
	ts := start(t, Config{})
	in := filepath.Join(examples, "grpo.jsonl")
	want := cliAssign(t, "verl.grpo", nil, nil, in, "jsonl")
	req := &credov1.AssignRequest{Method: "verl.grpo", Body: &credov1.Body{Data: read(t, in), Format: "jsonl"}}
	for name, opts := range map[string][]connect.ClientOption{
		"grpc":         {connect.WithGRPC()},
		"grpc-web":     {connect.WithGRPCWeb()},
		"connect":      nil,
		"connect-json": {connect.WithProtoJSON()},
	} {
		resp, err := client(ts.url, opts...).Assign(context.Background(), connect.NewRequest(req))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if !bytes.Equal(resp.Msg.Body.Data, want) {
			t.Errorf("%s: body differs from credo assign:\n%s\nwant\n%s", name, resp.Msg.Body.Data, want)
		}
		if s := resp.Msg.Stats; s.Trajectories != 8 || s.Groups != 2 || s.Tokens != 31 {
			t.Errorf("%s: stats %v, want 8 trajectories, 2 groups, 31 tokens (examples/grpo.jsonl)", name, s)
		}
	}

	// Plain HTTP/JSON, as curl or Python's urllib sends it.
	body, _ := json.Marshal(map[string]any{"method": "verl.grpo", "body": map[string]any{"data": base64.StdEncoding.EncodeToString(read(t, in)), "format": "jsonl"}})
	r, err := http.Post(ts.url+credov1connect.CredoServiceAssignProcedure, "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer r.Body.Close()
	if r.StatusCode != 200 {
		b, _ := io.ReadAll(r.Body)
		t.Fatalf("HTTP/JSON: status %d: %s", r.StatusCode, b)
	}
	var got struct {
		Body  struct{ Data []byte }
		Stats map[string]string
	}
	if err := json.NewDecoder(r.Body).Decode(&got); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got.Body.Data, want) {
		t.Errorf("HTTP/JSON: body differs from credo assign")
	}
	if got.Stats["tokens"] != "31" {
		t.Errorf("HTTP/JSON: stats %v, want tokens \"31\" (proto3 JSON writes int64 as a string)", got.Stats)
	}
}

// TestSameAsCLI: every example file with its method, as a body and as
// records (and Parquet as it is on disk), gives what `credo assign` gives.
func TestSameAsCLI(t *testing.T) {
	ts := start(t, Config{})
	c := client(ts.url, connect.WithGRPC())
	cases := []struct {
		file, method, ext string
		sets              []string
	}{
		{"grpo.jsonl", "verl.grpo", "jsonl", nil},
		{"rollouts.parquet", "verl.rloo", "parquet", nil},
		{"gigpo.jsonl", "verl_agent.gigpo", "jsonl", nil},
		{"ppo.jsonl", "openrlhf.gae", "jsonl", []string{"gamma=0.99", "lambd=0.95"}},
		{"tagged.jsonl", "hicra", "jsonl", []string{"base_params=norm_adv_by_std_in_grpo=false", "alpha=0.2"}},
		{"knapsack-batch.jsonl", "knapsack.grpo", "jsonl", []string{"prompt_key=features.prompt_id"}},
	}
	for _, tc := range cases {
		in := filepath.Join(examples, tc.file)
		want := cliAssign(t, tc.method, tc.sets, nil, in, tc.ext)
		resp, err := c.Assign(context.Background(), connect.NewRequest(&credov1.AssignRequest{
			Method: tc.method, Set: tc.sets, Body: &credov1.Body{Data: read(t, in), Format: tc.ext}}))
		if err != nil {
			t.Fatalf("%s: %v", tc.file, err)
		}
		if !bytes.Equal(resp.Msg.Body.Data, want) {
			t.Errorf("%s %s: body differs from credo assign", tc.file, tc.method)
		}
		if tc.ext != "jsonl" {
			continue
		}
		// The same batch as records, answered as JSONL.
		recs := jsonRecords(t, in)
		resp, err = c.Assign(context.Background(), connect.NewRequest(&credov1.AssignRequest{
			Method: tc.method, Set: tc.sets, Records: recs, OutFormat: "jsonl"}))
		if err != nil {
			t.Fatalf("%s as records: %v", tc.file, err)
		}
		if a, b := advantages(t, resp.Msg.Body.Data), advantages(t, want); a != b {
			t.Errorf("%s as records: advantages %s, credo assign %s", tc.file, a, b)
		}
	}
}

// jsonRecords decodes a JSONL file into records through protojson, the
// way a JSON client's records arrive; fields outside the record schema go
// to extra.
func jsonRecords(t *testing.T, path string) []*credov1.Record {
	t.Helper()
	var out []*credov1.Record
	for _, line := range strings.Split(strings.TrimSpace(string(read(t, path))), "\n") {
		var m map[string]json.RawMessage
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatal(err)
		}
		known := map[string]json.RawMessage{}
		extra := map[string]string{}
		fields := (&credov1.Record{}).ProtoReflect().Descriptor().Fields()
		for k, v := range m {
			if fields.ByName(protoreflect.Name(k)) != nil {
				known[k] = v
			} else {
				extra[k] = string(v)
			}
		}
		b, _ := json.Marshal(known)
		r := &credov1.Record{}
		if err := (jsonCodec{"json"}).Unmarshal(b, r); err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		if len(extra) > 0 {
			r.Extra = extra
		}
		out = append(out, r)
	}
	return out
}

// advantages extracts traj_uid → advantages, returns and loss weights of a
// JSONL result, as canonical JSON.
func advantages(t *testing.T, jsonl []byte) string {
	t.Helper()
	type rec struct {
		ID  string    `json:"traj_uid"`
		A   []float64 `json:"advantages"`
		R   []float64 `json:"returns"`
		W   []float64 `json:"loss_weights"`
		Ext string    `json:"prompt"`
	}
	var all []rec
	for _, line := range strings.Split(strings.TrimSpace(string(jsonl)), "\n") {
		var r rec
		if err := json.Unmarshal([]byte(line), &r); err != nil {
			t.Fatal(err)
		}
		all = append(all, r)
	}
	b, _ := json.Marshal(all)
	return string(b)
}

// TestRecordsOut: a JSONL body answered as records carries the credit in
// the rollout format's field names.
func TestRecordsOut(t *testing.T) {
	ts := start(t, Config{})
	in := filepath.Join(examples, "grpo.jsonl")
	resp, err := client(ts.url).Assign(context.Background(), connect.NewRequest(&credov1.AssignRequest{
		Method: "verl.grpo", Body: &credov1.Body{Data: read(t, in)}, OutFormat: "records"}))
	if err != nil {
		t.Fatal(err)
	}
	recs := resp.Msg.Records
	if len(recs) != 8 {
		t.Fatalf("%d records, want 8", len(recs))
	}
	// Group p0 has outcomes 1,0,0,1 (examples/grpo.jsonl): mean 0.5,
	// unbiased std sqrt(1/3), so the first response's advantage is
	// (1-0.5)/(sqrt(1/3)+1e-6) (verl's epsilon) on every one of its 5 tokens.
	want := 0.5 / (math.Sqrt(1.0/3) + 1e-6)
	a := recs[0].Advantages
	if recs[0].TrajUid != "p0/0" || len(a) != 5 || abs(a[0]-want) > 1e-12 || a[4] != a[0] {
		t.Errorf("first record %s advantages %v, want 5 × %v", recs[0].TrajUid, a, want)
	}
	if recs[0].Extra["prompt"] != `"question p0"` {
		t.Errorf("extra field prompt = %q, want the input's JSON text", recs[0].Extra["prompt"])
	}
}

func abs(x float64) float64 {
	if x < 0 {
		return -x
	}
	return x
}

// TestStream: a batch streamed in small chunks gives what one message gives.
func TestStream(t *testing.T) {
	ts := start(t, Config{})
	in := filepath.Join(examples, "gigpo.jsonl")
	data := read(t, in)
	want := cliAssign(t, "verl_agent.gigpo", nil, nil, in, "jsonl")
	for _, opt := range []connect.ClientOption{connect.WithGRPC(), connect.WithGRPCWeb()} {
		st := client(ts.url, opt).AssignStream(context.Background())
		for i := 0; i < len(data); i += 100 {
			m := &credov1.AssignRequest{Body: &credov1.Body{Data: data[i:min(i+100, len(data))]}}
			if i == 0 {
				m.Method = "verl_agent.gigpo"
			}
			if err := st.Send(m); err != nil {
				t.Fatal(err)
			}
		}
		resp, err := st.CloseAndReceive()
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(resp.Msg.Body.Data, want) {
			t.Errorf("streamed body differs from credo assign")
		}
	}
}

func wantCode(t *testing.T, what string, err error, code connect.Code) {
	t.Helper()
	if connect.CodeOf(err) != code {
		t.Errorf("%s: got %v, want code %v", what, err, code)
	}
}

// TestBadInput: a bad record is reported with the record and the field.
func TestBadInput(t *testing.T) {
	ts := start(t, Config{})
	c := client(ts.url, connect.WithGRPC())
	body := []byte(`{"uid":"g","traj_uid":"a","responses":[1,2],"response_mask":[1],"rewards":{"outcome":1}}` + "\n")
	_, err := c.Assign(context.Background(), connect.NewRequest(&credov1.AssignRequest{Method: "verl.grpo", Body: &credov1.Body{Data: body}}))
	wantCode(t, "mask of wrong length", err, connect.CodeInvalidArgument)
	if err == nil || !strings.Contains(err.Error(), "body") || !strings.Contains(err.Error(), "response_mask") || strings.Contains(err.Error(), os.TempDir()) {
		t.Errorf("error %v should name the body and response_mask, not the scratch file", err)
	}
	_, err = c.Assign(context.Background(), connect.NewRequest(&credov1.AssignRequest{Method: "no.such", Body: &credov1.Body{Data: body}}))
	wantCode(t, "unknown method", err, connect.CodeInvalidArgument)
	_, err = c.Assign(context.Background(), connect.NewRequest(&credov1.AssignRequest{Method: "verl.grpo"}))
	wantCode(t, "no batch", err, connect.CodeInvalidArgument)

	v, err := c.Validate(context.Background(), connect.NewRequest(&credov1.ValidateRequest{Body: &credov1.Body{Data: body}}))
	if err != nil || v.Msg.Ok || !strings.Contains(v.Msg.Error, "line 1") || !strings.Contains(v.Msg.Error, "response_mask") {
		t.Errorf("Validate of a bad record: %v, %v; want ok=false naming line 1 and response_mask", v.Msg, err)
	}
	v, err = c.Validate(context.Background(), connect.NewRequest(&credov1.ValidateRequest{Body: &credov1.Body{Data: read(t, filepath.Join(examples, "rollouts.parquet")), Format: "parquet"}}))
	if err != nil || !v.Msg.Ok || v.Msg.Stats.Trajectories != 8 {
		t.Errorf("Validate of examples/rollouts.parquet: %v, %v; want ok with 8 trajectories", v.Msg, err)
	}
	ms, err := c.Methods(context.Background(), connect.NewRequest(&credov1.MethodsRequest{Names: []string{"spiral.rae"}}))
	if err != nil || len(ms.Msg.Methods) != 1 || !ms.Msg.Methods[0].Stateful {
		t.Errorf("Methods(spiral.rae): %v, %v; want one stateful method", ms, err)
	}
	all, err := c.Methods(context.Background(), connect.NewRequest(&credov1.MethodsRequest{}))
	if err != nil || len(all.Msg.Methods) != len(credit.All()) {
		t.Errorf("Methods(): %d methods, want %d", len(all.Msg.Methods), len(credit.All()))
	}
}

// TestAuth: with tokens, RPCs and /metrics need the bearer token; the
// health endpoints do not.
func TestAuth(t *testing.T) {
	ts := start(t, Config{Tokens: []string{"s3cret", "other"}})
	req := connect.NewRequest(&credov1.MethodsRequest{Names: []string{"verl.grpo"}})
	for _, opt := range []connect.ClientOption{connect.WithGRPC(), connect.WithGRPCWeb(), connect.WithProtoJSON()} {
		c := client(ts.url, opt)
		_, err := c.Methods(context.Background(), req)
		wantCode(t, "no token", err, connect.CodeUnauthenticated)
		req.Header().Set("Authorization", "Bearer wrong")
		_, err = c.Methods(context.Background(), req)
		wantCode(t, "wrong token", err, connect.CodeUnauthenticated)
		req.Header().Set("Authorization", "Bearer other")
		if _, err := c.Methods(context.Background(), req); err != nil {
			t.Errorf("right token: %v", err)
		}
		req.Header().Del("Authorization")
	}
	for path, want := range map[string]int{"/healthz": 200, "/readyz": 200, "/metrics": 401} {
		r, err := http.Get(ts.url + path)
		if err != nil {
			t.Fatal(err)
		}
		r.Body.Close()
		if r.StatusCode != want {
			t.Errorf("GET %s: %d, want %d", path, r.StatusCode, want)
		}
	}
	r, _ := http.NewRequest("GET", ts.url+"/metrics", nil)
	r.Header.Set("Authorization", "Bearer s3cret")
	resp, err := http.DefaultClient.Do(r)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	for _, m := range []string{`credo_serve_errors_total{kind="unauthenticated"} 7`, `credo_serve_requests_total{code="ok",procedure="/credo.v1.CredoService/Methods"} 3`, "credo_serve_request_duration_seconds_bucket"} {
		if !strings.Contains(string(b), m) {
			t.Errorf("/metrics lacks %s", m)
		}
	}
}

func TestCheckAddrAndTokens(t *testing.T) {
	for addr, ok := range map[string]bool{"127.0.0.1:8080": true, "localhost:0": true, "[::1]:9": true, ":8080": false, "0.0.0.0:8080": false, "10.1.2.3:80": false} {
		if err := CheckAddr(addr, false); (err == nil) != ok {
			t.Errorf("CheckAddr(%q, no auth) = %v", addr, err)
		}
		if err := CheckAddr(addr, true); err != nil {
			t.Errorf("CheckAddr(%q, auth) = %v", addr, err)
		}
	}
	dir := t.TempDir()
	p := filepath.Join(dir, "tokens")
	os.WriteFile(p, []byte("# ops\nabc\n\n  def  \n"), 0o600)
	if toks, err := LoadTokens(p); err != nil || len(toks) != 2 || toks[0] != "abc" || toks[1] != "def" {
		t.Errorf("LoadTokens = %q, %v", toks, err)
	}
	os.WriteFile(p, []byte("# none\n"), 0o600)
	if _, err := LoadTokens(p); err == nil {
		t.Error("LoadTokens of a file without tokens: no error")
	}
}

// TestSizeLimits: a message over --max-message-bytes and a stream over
// --max-batch-bytes are refused with RESOURCE_EXHAUSTED.
func TestSizeLimits(t *testing.T) {
	ts := start(t, Config{MaxMessageBytes: 4096, MaxBatchBytes: 8192})
	data := bytes.Repeat(read(t, filepath.Join(examples, "grpo.jsonl")), 5) // 6 kB
	for _, opt := range []connect.ClientOption{connect.WithGRPC(), connect.WithProtoJSON()} {
		_, err := client(ts.url, opt).Assign(context.Background(), connect.NewRequest(&credov1.AssignRequest{Method: "verl.grpo", Body: &credov1.Body{Data: data}}))
		wantCode(t, "message over the limit", err, connect.CodeResourceExhausted)
	}
	st := client(ts.url, connect.WithGRPC()).AssignStream(context.Background())
	st.Send(&credov1.AssignRequest{Method: "verl.grpo"})
	for i := 0; i < 3; i++ {
		if err := st.Send(&credov1.AssignRequest{Body: &credov1.Body{Data: data[:3000]}}); err != nil {
			break
		}
	}
	_, err := st.CloseAndReceive()
	wantCode(t, "stream over the batch limit", err, connect.CodeResourceExhausted)
	if err == nil || !strings.Contains(err.Error(), "--max-batch-bytes") {
		t.Errorf("error %v should name --max-batch-bytes", err)
	}
}

// bigBatch writes n groups of 8 responses of 64 tokens (GRPO records).
func bigBatch(n int) []byte {
	var b bytes.Buffer
	for g := 0; g < n; g++ {
		for i := 0; i < 8; i++ {
			b.WriteString(`{"uid":"g`)
			b.WriteString(itoa(g))
			b.WriteString(`","traj_uid":"g`)
			b.WriteString(itoa(g) + "/" + itoa(i))
			b.WriteString(`","rewards":{"outcome":`)
			b.WriteString(itoa((g + i) % 2))
			b.WriteString(`},"responses":[`)
			for k := 0; k < 64; k++ {
				if k > 0 {
					b.WriteByte(',')
				}
				b.WriteString(itoa(1000 + k))
			}
			b.WriteString("]}\n")
		}
	}
	return b.Bytes()
}

func itoa(i int) string { return strconv.Itoa(i) }

// TestDeadline: a request that outlives the server's --timeout or the
// client's deadline stops with DEADLINE_EXCEEDED.
func TestDeadline(t *testing.T) {
	data := bigBatch(2000) // 16000 records
	ts := start(t, Config{Timeout: 20 * time.Millisecond})
	_, err := client(ts.url, connect.WithGRPC()).Assign(context.Background(), connect.NewRequest(&credov1.AssignRequest{Method: "verl.grpo", Body: &credov1.Body{Data: data}}))
	wantCode(t, "server timeout", err, connect.CodeDeadlineExceeded)

	ts2 := start(t, Config{})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Millisecond)
	defer cancel()
	_, err = client(ts2.url).Assign(ctx, connect.NewRequest(&credov1.AssignRequest{Method: "verl.grpo", Body: &credov1.Body{Data: data}}))
	wantCode(t, "client deadline", err, connect.CodeDeadlineExceeded)
	// The server is still fine.
	if _, err := client(ts2.url).Methods(context.Background(), connect.NewRequest(&credov1.MethodsRequest{})); err != nil {
		t.Error(err)
	}
}

// holdSlot opens a stream that holds one concurrency slot until the
// returned function finishes it.
func holdSlot(t *testing.T, url string) (finish func() (*connect.Response[credov1.AssignResponse], error)) {
	t.Helper()
	st := client(url, connect.WithGRPC()).AssignStream(context.Background())
	data := read(t, filepath.Join(examples, "grpo.jsonl"))
	if err := st.Send(&credov1.AssignRequest{Method: "verl.grpo", Body: &credov1.Body{Data: data[:100]}}); err != nil {
		t.Fatal(err)
	}
	return func() (*connect.Response[credov1.AssignResponse], error) {
		if err := st.Send(&credov1.AssignRequest{Body: &credov1.Body{Data: data[100:]}}); err != nil {
			return nil, err
		}
		return st.CloseAndReceive()
	}
}

// waitInFlight waits until n RPCs hold slots.
func waitInFlight(t *testing.T, s *Server, n int) {
	t.Helper()
	for i := 0; i < 500; i++ {
		if len(s.sem) == n {
			return
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Fatalf("%d requests in flight, want %d", len(s.sem), n)
}

// TestBackPressure: beyond --max-concurrent, requests get
// RESOURCE_EXHAUSTED (gRPC) or 429 with Retry-After (HTTP).
func TestBackPressure(t *testing.T) {
	ts := start(t, Config{MaxConcurrent: 1})
	finish := holdSlot(t, ts.url)
	waitInFlight(t, ts.s, 1)
	_, err := client(ts.url, connect.WithGRPC()).Methods(context.Background(), connect.NewRequest(&credov1.MethodsRequest{}))
	wantCode(t, "gRPC while busy", err, connect.CodeResourceExhausted)
	r, err := http.Post(ts.url+credov1connect.CredoServiceMethodsProcedure, "application/json", strings.NewReader("{}"))
	if err != nil {
		t.Fatal(err)
	}
	r.Body.Close()
	if r.StatusCode != http.StatusTooManyRequests || r.Header.Get("Retry-After") == "" {
		t.Errorf("HTTP/JSON while busy: %d, Retry-After %q; want 429 with Retry-After", r.StatusCode, r.Header.Get("Retry-After"))
	}
	if _, err := finish(); err != nil {
		t.Fatal(err)
	}
	waitInFlight(t, ts.s, 0)
	if _, err := client(ts.url).Methods(context.Background(), connect.NewRequest(&credov1.MethodsRequest{})); err != nil {
		t.Errorf("after the slot is free: %v", err)
	}
}

// TestGracefulShutdown: Shutdown waits for an accepted request, which is
// answered in full; readiness turns off at once.
func TestGracefulShutdown(t *testing.T) {
	ts := start(t, Config{})
	finish := holdSlot(t, ts.url)
	waitInFlight(t, ts.s, 1)
	stopped := make(chan error, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		stopped <- ts.s.Shutdown(ctx)
	}()
	time.Sleep(50 * time.Millisecond)
	if ts.s.ready.Load() {
		t.Error("still ready while shutting down")
	}
	select {
	case err := <-stopped:
		t.Fatalf("Shutdown returned (%v) before the accepted request finished", err)
	default:
	}
	resp, err := finish()
	if err != nil {
		t.Fatalf("accepted request during shutdown: %v", err)
	}
	if resp.Msg.Stats.Trajectories != 8 {
		t.Errorf("stats %v", resp.Msg.Stats)
	}
	if err := <-stopped; err != nil {
		t.Errorf("Shutdown: %v", err)
	}
	if err := <-ts.done; !errors.Is(err, http.ErrServerClosed) {
		t.Errorf("Serve returned %v", err)
	}
}

// TestSessionSurvivesRestart: a stateful method's session state is kept
// across a server restart, and the results equal `credo assign --state`
// run batch after batch; a retried request id is answered again without
// advancing the state.
func TestSessionSurvivesRestart(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(examples, "games-0001.jsonl")
	data := read(t, in)
	cli := credit.NewState()
	var want [][]byte
	for i := 0; i < 3; i++ {
		want = append(want, cliAssign(t, "spiral.rae", nil, cli, in, "jsonl"))
	}
	if bytes.Equal(want[0], want[1]) {
		t.Fatal("spiral.rae gives the same credit twice: the test would not see lost state")
	}
	req := func(id string) *connect.Request[credov1.AssignRequest] {
		r := connect.NewRequest(&credov1.AssignRequest{Method: "spiral.rae", RequestId: id, Body: &credov1.Body{Data: data}})
		r.Header().Set(SessionHeader, "run-1")
		return r
	}
	ts := start(t, Config{StateDir: dir})
	resp, err := client(ts.url, connect.WithGRPC()).Assign(context.Background(), req("a"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(resp.Msg.Body.Data, want[0]) {
		t.Error("batch 1 differs from credo assign --state")
	}
	ts.stop(t)

	ts = start(t, Config{StateDir: dir})
	c := client(ts.url, connect.WithGRPC())
	resp, err = c.Assign(context.Background(), req("b"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(resp.Msg.Body.Data, want[1]) {
		t.Error("batch 2 after a restart differs from credo assign --state: state lost")
	}
	again, err := c.Assign(context.Background(), req("b"))
	if err != nil {
		t.Fatal(err)
	}
	if !again.Msg.Replayed || !bytes.Equal(again.Msg.Body.Data, want[1]) {
		t.Errorf("retry of request b: replayed=%v, same answer=%v; want true, true", again.Msg.Replayed, bytes.Equal(again.Msg.Body.Data, want[1]))
	}
	resp, err = c.Assign(context.Background(), req("c"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(resp.Msg.Body.Data, want[2]) {
		t.Error("batch 3 differs from credo assign --state (the retry advanced the state?)")
	}
	// A server that dies after saving the state and before answering (here
	// the handler aborts the connection, as a crash there would): the
	// client's retry with the same request id gets the answer it missed,
	// and the state is not advanced twice.
	die := func() { panic(http.ErrAbortHandler) }
	afterSave.Store(&die)
	d4 := cliAssign(t, "spiral.rae", nil, cli, in, "jsonl")
	if _, err := c.Assign(context.Background(), req("d")); err == nil {
		t.Fatal("the aborted request was answered")
	}
	resp, err = c.Assign(context.Background(), req("d"))
	if err != nil || !resp.Msg.Replayed || !bytes.Equal(resp.Msg.Body.Data, d4) {
		t.Errorf("retry after the lost answer: err %v, replayed %v, same as credo assign --state %v", err, resp != nil && resp.Msg.Replayed, resp != nil && bytes.Equal(resp.Msg.Body.Data, d4))
	}
	d5 := cliAssign(t, "spiral.rae", nil, cli, in, "jsonl")
	if resp, err = c.Assign(context.Background(), req("e")); err != nil || !bytes.Equal(resp.Msg.Body.Data, d5) {
		t.Errorf("batch after the retried one: %v, or credit differs from credo assign --state", err)
	}
	// Sessions are kept apart.
	other := req("a")
	other.Header().Set(SessionHeader, "run-2")
	resp, err = c.Assign(context.Background(), other)
	if err != nil || !bytes.Equal(resp.Msg.Body.Data, want[0]) {
		t.Errorf("a fresh session should start from fresh state: %v", err)
	}
	// No state dir: sessions refused.
	ts3 := start(t, Config{})
	_, err = client(ts3.url).Assign(context.Background(), req("x"))
	wantCode(t, "session without --state-dir", err, connect.CodeFailedPrecondition)
}

// TestExtraHandler: handlers mounted with Handle sit behind the same auth.
func TestExtraHandler(t *testing.T) {
	ts := start(t, Config{Tokens: []string{"tok"}})
	ts.s.Handle("GET /inspect/", http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.Write([]byte("page")) }))
	r, _ := http.Get(ts.url + "/inspect/")
	r.Body.Close()
	if r.StatusCode != 401 {
		t.Errorf("extra handler without token: %d, want 401", r.StatusCode)
	}
	req, _ := http.NewRequest("GET", ts.url+"/inspect/", nil)
	req.Header.Set("Authorization", "Bearer tok")
	r, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(r.Body)
	r.Body.Close()
	if string(b) != "page" {
		t.Errorf("extra handler: %q", b)
	}
}
