package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestServeRefusals: credo serve refuses to listen beyond loopback without
// tokens, and refuses a token file without tokens, before listening.
func TestServeRefusals(t *testing.T) {
	for _, addr := range []string{"0.0.0.0:0", ":0"} {
		code, _, stderr := credo(t, "serve", "--addr", addr)
		if code != 2 || !strings.Contains(stderr, "without authentication") || !strings.Contains(stderr, "--tokens") {
			t.Errorf("serve --addr %s without tokens: exit %d, %q; want 2 naming --tokens", addr, code, stderr)
		}
	}
	empty := filepath.Join(t.TempDir(), "tokens")
	os.WriteFile(empty, []byte("# nobody\n"), 0o600)
	code, _, stderr := credo(t, "serve", "--addr", "0.0.0.0:0", "--tokens", empty)
	if code != 2 || !strings.Contains(stderr, "no tokens") {
		t.Errorf("serve with an empty token file: exit %d, %q", code, stderr)
	}
	code, _, stderr = credo(t, "serve", "--tls-cert", "x.pem")
	if code != 2 || !strings.Contains(stderr, "--tls-key") {
		t.Errorf("serve --tls-cert without --tls-key: exit %d, %q", code, stderr)
	}
}
