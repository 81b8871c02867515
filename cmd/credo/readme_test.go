package main

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// readmeSkips are the README commands this test does not run, each with the
// reason. Every other line of a ```sh block must run as written and exit 0.
var readmeSkips = []struct{ prefix, why string }{
	{"go build -o bin/credo ./cmd/credo", "the test builds bin/credo itself, once"},
	{"go test", "it is the test suite this test belongs to"},
	{"make test", "it is the test suite this test belongs to"},
	{"python3 -m venv", "installs the Python package into the repository's .venv; python/ci.sh (run by make test and .ci/run) does exactly this"},
	{"go run ./cmd/credo lab run", labSkip},
	{"credo lab run", labSkip},
}

const labSkip = "lab runs train policies (the README gives about a minute for the quick set on 2 cores), too slow for a unit test; .ci/run runs the quick lab with a time limit"

// readmeCommands returns the lines of the README's ```sh blocks without
// comments.
func readmeCommands(t *testing.T) []string {
	t.Helper()
	f, err := os.Open("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var cmds []string
	in := false
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		switch {
		case strings.HasPrefix(line, "```"):
			in = !in && (line == "```sh" || line == "```bash" || line == "```shell")
			continue
		case !in:
			continue
		}
		if i := strings.Index(line, " #"); i >= 0 {
			line = strings.TrimSpace(line[:i])
		}
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		cmds = append(cmds, line)
	}
	return cmds
}

// TestREADMECommands runs every command of the README's shell blocks, as
// written, with the credo binary built from this tree: in a scratch
// directory holding links to examples/ and testdata/, with bin/ also on
// PATH (for the plain `credo ...` lines) and /tmp/ replaced by a scratch
// folder so that outputs stay inside the test. A command that fails fails
// the test; the ones skipped are listed in readmeSkips with the reason.
func TestREADMECommands(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and runs every README command")
	}
	bin := credoBin(t)
	work := t.TempDir()
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range []string{"examples", "testdata"} {
		if err := os.Symlink(filepath.Join(root, d), filepath.Join(work, d)); err != nil {
			t.Fatal(err)
		}
	}
	os.Mkdir(filepath.Join(work, "bin"), 0o755)
	os.Mkdir(filepath.Join(work, "tmp"), 0o755)
	if err := os.Symlink(bin, filepath.Join(work, "bin", "credo")); err != nil {
		t.Fatal(err)
	}
	before := snapshot(t, filepath.Join(root, "examples"))
	ran := 0
	for _, line := range readmeCommands(t) {
		skip := ""
		for _, s := range readmeSkips {
			if strings.HasPrefix(line, s.prefix) {
				skip = s.why
			}
		}
		if skip != "" {
			t.Logf("skipped %q: %s", line, skip)
			continue
		}
		cmdline := strings.ReplaceAll(line, "/tmp/", work+"/tmp/")
		cmd := exec.Command("bash", "-e", "-o", "pipefail", "-c", cmdline)
		cmd.Dir = work
		cmd.Env = append(os.Environ(), "PATH="+filepath.Join(work, "bin")+":"+os.Getenv("PATH"))
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Errorf("README command %q failed: %v\n%s", line, err, out)
			continue
		}
		ran++
	}
	// Guard against a README whose blocks this test no longer finds.
	if ran < 15 {
		t.Errorf("ran only %d README commands", ran)
	}
	t.Logf("ran %d README commands", ran)
	if after := snapshot(t, filepath.Join(root, "examples")); after != before {
		t.Errorf("README commands changed examples/:\nbefore %s\nafter  %s", before, after)
	}
}

// snapshot lists the files of dir with their sizes and modification times.
func snapshot(t *testing.T, dir string) string {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	for _, e := range ents {
		info, err := e.Info()
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&b, "%s:%d:%d ", e.Name(), info.Size(), info.ModTime().UnixNano())
	}
	return b.String()
}
