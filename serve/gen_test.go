package serve

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"testing"
)

// TestGeneratedCode regenerates serve/gen from proto/credo/v1/credo.proto
// and compares it with the committed code, when protoc, protoc-gen-go and
// protoc-gen-connect-go are installed (`make proto` regenerates; CI without
// protoc skips this). Tool version lines are ignored.
func TestGeneratedCode(t *testing.T) {
	path := os.Getenv("PATH")
	if gp, err := exec.Command("go", "env", "GOPATH").Output(); err == nil {
		t.Setenv("PATH", path+string(os.PathListSeparator)+filepath.Join(string(bytes.TrimSpace(gp)), "bin"))
	}
	for _, tool := range []string{"protoc", "protoc-gen-go", "protoc-gen-connect-go"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s not installed", tool)
		}
	}
	out := t.TempDir()
	cmd := exec.Command("protoc", "-I", "../proto", "--go_out="+out, "--go_opt=module=github.com/credo-rl/credo",
		"--connect-go_out="+out, "--connect-go_opt=module=github.com/credo-rl/credo", "../proto/credo/v1/credo.proto")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("protoc: %v\n%s", err, b)
	}
	versions := regexp.MustCompile(`(?m)^// \t?protoc.*$`)
	for _, f := range []string{"serve/gen/credo/v1/credo.pb.go", "serve/gen/credo/v1/credov1connect/credo.connect.go"} {
		want, err := os.ReadFile(filepath.Join(out, f))
		if err != nil {
			t.Fatal(err)
		}
		got, err := os.ReadFile(filepath.Join("..", f))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(versions.ReplaceAll(got, nil), versions.ReplaceAll(want, nil)) {
			t.Errorf("%s is not what proto/credo/v1/credo.proto generates: run make proto", f)
		}
	}
}
