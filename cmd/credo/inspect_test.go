package main

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestInspectUsageErrors(t *testing.T) {
	for _, args := range [][]string{
		{"inspect"},
		{"inspect", "a", "b", "c"},
		{"inspect", "../../inspect/testdata/a.jsonl", "--set", "x=1"},
		{"inspect", "../../inspect/testdata/a.jsonl", "../../inspect/testdata/b.jsonl", "--method", "verl.grpo"},
		{"inspect", "../../inspect/testdata/a.jsonl", "--method", "no.such"},
		{"inspect", "../../inspect/testdata/a.jsonl", "--tokenizer", "../../inspect/testdata/a.jsonl"},
		{"inspect", "no-such-file.jsonl"},
	} {
		if code, _, stderr := credo(t, args...); code != 2 {
			t.Errorf("%v: exit %d, want 2 (%s)", args, code, stderr)
		}
	}
}

// TestInspectServes starts credo inspect with a method on the right side,
// asks its API for the meta data and stops it.
func TestInspectServes(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	inspectContext = func() context.Context { return ctx }
	defer func() { inspectContext = context.Background }()
	pr, pw := io.Pipe()
	done := make(chan int)
	go func() {
		done <- run([]string{"inspect", "../../inspect/testdata/b.jsonl", "--method", "verl.grpo", "--addr", "127.0.0.1:0"}, pw, io.Discard)
		pw.Close()
	}()
	url, err := bufio.NewReader(pr).ReadString('\n')
	if err != nil {
		t.Fatal(err)
	}
	go io.Copy(io.Discard, pr)
	url = strings.TrimSpace(url)
	if !strings.HasPrefix(url, "http://127.0.0.1:") {
		t.Fatalf("printed %q, want a loopback URL", url)
	}
	resp, err := http.Get(url + "api/meta")
	if err != nil {
		t.Fatal(err)
	}
	var m struct {
		Sides  []string `json:"sides"`
		Groups int      `json:"groups"`
	}
	err = json.NewDecoder(resp.Body).Decode(&m)
	resp.Body.Close()
	if err != nil || m.Groups != 3 || len(m.Sides) != 2 || m.Sides[1] != "verl.grpo" {
		t.Errorf("meta %+v, %v", m, err)
	}
	cancel()
	select {
	case code := <-done:
		if code != 0 {
			t.Errorf("exit %d after shutdown", code)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("credo inspect did not stop")
	}
}
