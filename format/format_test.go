package format

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"

	"github.com/klauspost/compress/zstd"

	"github.com/credo-rl/credo/rollout"
)

const example = "../examples/grpo.jsonl"

func readAll(t *testing.T, r Reader) []*rollout.Trajectory {
	t.Helper()
	defer r.Close()
	var out []*rollout.Trajectory
	for {
		tr, err := r.Next()
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, tr)
	}
}

func ids(trs []*rollout.Trajectory) string {
	var s []string
	for _, t := range trs {
		s = append(s, t.ID)
	}
	return strings.Join(s, ",")
}

// TestSpecOf: the kind comes from the extension inside the compression
// suffix.
func TestSpecOf(t *testing.T) {
	for _, c := range []struct{ path, format, want string }{
		{"a.jsonl", "", "jsonl"},
		{"a.JSONL.GZ", "", "jsonl.gz"},
		{"dir.v2/a.parquet.zst", "", "parquet.zst"},
		{"a.pq.gz", "", "parquet.gz"},
		{"-", "", "jsonl"},
		{"-", "parquet", "parquet"},
		{"-", "jsonl.zst", "jsonl.zst"},
		{"a.txt", "jsonl.gz", "jsonl.gz"},
	} {
		s, err := SpecOf(c.path, c.format)
		if err != nil || s.String() != c.want {
			t.Errorf("SpecOf(%q, %q) = %v, %v; want %s", c.path, c.format, s, err, c.want)
		}
	}
	for _, c := range []struct{ path, format string }{{"a.gz", ""}, {"a.csv", ""}, {"a.jsonl", "csv"}} {
		if _, err := SpecOf(c.path, c.format); err == nil {
			t.Errorf("SpecOf(%q, %q) accepted", c.path, c.format)
		}
	}
}

// TestCompressedRoundTrip writes the example through every format and
// compression and reads it back; the compressed files must really be gzip
// or zstd (checked with the decoders directly).
func TestCompressedRoundTrip(t *testing.T) {
	src := readAll(t, mustOpen(t, example))
	want := ids(src)
	dir := t.TempDir()
	for _, name := range []string{"a.jsonl.gz", "a.jsonl.zst", "a.parquet.gz", "a.parquet.zst", "a.parquet"} {
		path := filepath.Join(dir, name)
		o, err := CreateWith(path, Options{})
		if err != nil {
			t.Fatal(err)
		}
		for _, tr := range src {
			if err := o.Write(tr); err != nil {
				t.Fatal(err)
			}
		}
		if err := o.Commit(); err != nil {
			t.Fatal(err)
		}
		raw, _ := os.ReadFile(path)
		var plain []byte
		switch filepath.Ext(name) {
		case ".gz":
			zr, err := gzip.NewReader(bytes.NewReader(raw))
			if err != nil {
				t.Fatalf("%s is not gzip: %v", name, err)
			}
			plain, _ = io.ReadAll(zr)
		case ".zst":
			zr, err := zstd.NewReader(nil)
			if err != nil {
				t.Fatal(err)
			}
			if plain, err = zr.DecodeAll(raw, nil); err != nil {
				t.Fatalf("%s is not zstd: %v", name, err)
			}
		default:
			plain = raw
		}
		if strings.Contains(name, "jsonl") && !bytes.HasPrefix(plain, []byte(`{"`)) {
			t.Errorf("%s decompresses to %.20q, want JSONL", name, plain)
		}
		if strings.Contains(name, "parquet") && !bytes.HasPrefix(plain, []byte("PAR1")) {
			t.Errorf("%s decompresses to %.20q, want Parquet", name, plain)
		}
		if got := ids(readAll(t, mustOpen(t, path))); got != want {
			t.Errorf("%s read back %s, want %s", name, got, want)
		}
	}
}

func mustOpen(t *testing.T, path string) Reader {
	t.Helper()
	r, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// withStdin runs f with os.Stdin reading data through a pipe.
func withStdin(t *testing.T, data []byte, f func()) {
	t.Helper()
	pr, pw, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	go func() { pw.Write(data); pw.Close() }()
	old := os.Stdin
	os.Stdin = pr
	defer func() { os.Stdin = old; pr.Close() }()
	f()
}

// TestStdin reads "-": JSONL by default, compression recognised from the
// data, Parquet with --in-format through a scratch file that is removed.
func TestStdin(t *testing.T) {
	raw, err := os.ReadFile(example)
	if err != nil {
		t.Fatal(err)
	}
	want := ids(readAll(t, mustOpen(t, example)))
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write(raw)
	zw.Close()
	dir := t.TempDir()
	pq := filepath.Join(dir, "a.parquet")
	o, _ := CreateWith(pq, Options{})
	for _, tr := range readAll(t, mustOpen(t, example)) {
		o.Write(tr)
	}
	if err := o.Commit(); err != nil {
		t.Fatal(err)
	}
	pqRaw, _ := os.ReadFile(pq)
	t.Setenv("TMPDIR", t.TempDir())
	for _, c := range []struct {
		name, format string
		data         []byte
	}{{"jsonl", "", raw}, {"gzip jsonl", "", gz.Bytes()}, {"parquet", "parquet", pqRaw}} {
		withStdin(t, c.data, func() {
			r, err := OpenWith("-", Options{Format: c.format})
			if err != nil {
				t.Fatalf("%s: %v", c.name, err)
			}
			if got := ids(readAll(t, r)); got != want {
				t.Errorf("%s on stdin: read %s, want %s", c.name, got, want)
			}
		})
	}
	if ents, _ := os.ReadDir(os.Getenv("TMPDIR")); len(ents) != 0 {
		t.Errorf("scratch files left in TMPDIR: %v", ents)
	}
	// Errors on stdin are located in "stdin".
	withStdin(t, []byte(`{"uid":"g","responses":[1,2],"response_mask":[1]}`+"\n"), func() {
		r, _ := OpenWith("-", Options{})
		defer r.Close()
		if _, err := r.Next(); err == nil || !strings.Contains(err.Error(), "stdin: line 1: field response_mask") {
			t.Errorf("error %v, want stdin: line 1: field response_mask", err)
		}
	})
}

func TestWrongCompressionNamed(t *testing.T) {
	path := filepath.Join(t.TempDir(), "a.jsonl.gz")
	raw, _ := os.ReadFile(example)
	os.WriteFile(path, raw, 0o644)
	if _, err := Open(path); err == nil || !strings.Contains(err.Error(), "gz-compressed") || !strings.Contains(err.Error(), path) {
		t.Errorf("plain JSONL named .gz: %v", err)
	}
}

func TestRereadable(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "in.jsonl")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	gz := filepath.Join(dir, "a.jsonl.gz")
	os.WriteFile(gz, nil, 0o644)
	for path, want := range map[string]bool{
		"-": false, fifo: false, "/dev/null": false, dir: false, filepath.Join(dir, "missing.jsonl"): false,
		example: true, gz: true,
	} {
		if got := Rereadable(path); got != want {
			t.Errorf("Rereadable(%s) = %v, want %v", path, got, want)
		}
	}
}

// TestPosAndProgress: Pos names the line or row of the record last read
// (blank lines count), and Progress sees bytes up to the file size and one
// call per record.
func TestPosAndProgress(t *testing.T) {
	dir := t.TempDir()
	raw, _ := os.ReadFile(example)
	lines := strings.Split(strings.TrimSpace(string(raw)), "\n")
	in := filepath.Join(dir, "a.jsonl")
	os.WriteFile(in, []byte(lines[0]+"\n\n"+lines[1]+"\n"), 0o644)
	var calls []int
	var last int64
	r, err := OpenWith(in, Options{Progress: func(b int64, n int) { calls = append(calls, n); last = b }})
	if err != nil {
		t.Fatal(err)
	}
	var pos []string
	for {
		if _, err := r.Next(); err != nil {
			break
		}
		pos = append(pos, r.Pos())
	}
	r.Close()
	if strings.Join(pos, ",") != "line 1,line 3" {
		t.Errorf("positions %v, want line 1, line 3", pos)
	}
	if len(calls) != 2 || calls[1] != 2 || last != int64(len(lines[0])+len(lines[1])+3) {
		t.Errorf("progress calls %v, last bytes %d", calls, last)
	}
	pq := filepath.Join(dir, "a.parquet")
	o, _ := CreateWith(pq, Options{})
	for _, tr := range readAll(t, mustOpen(t, example)) {
		o.Write(tr)
	}
	o.Commit()
	r, _ = OpenWith(pq, Options{Progress: func(b int64, n int) { last = b }})
	r.Next()
	r.Next()
	if r.Pos() != "row 2" {
		t.Errorf("Parquet position %q, want row 2", r.Pos())
	}
	readAll(t, r)
	if size := Size(pq); last <= 0 || last > size {
		t.Errorf("Parquet progress %d bytes of %d", last, size)
	}
}

func TestStdout(t *testing.T) {
	pr, pw, _ := os.Pipe()
	old := os.Stdout
	os.Stdout = pw
	o, err := CreateWith("-", Options{Format: "jsonl.gz"})
	if err != nil {
		t.Fatal(err)
	}
	for _, tr := range readAll(t, mustOpen(t, example)) {
		o.Write(tr)
	}
	err = o.Commit()
	os.Stdout = old
	pw.Close()
	if err != nil {
		t.Fatal(err)
	}
	zr, err := gzip.NewReader(pr)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(zr)
	if n := bytes.Count(b, []byte("\n")); n != 8 {
		t.Errorf("stdout got %d gzip'd lines, want 8", n)
	}
}

// Closing a reader of compressed JSONL early, while its parsing goroutine is
// still inside the decompressor's Read, must not close the decompressor
// under that Read (a zstd decoder then crashed with a nil dereference, seen
// when credo assign restarted in indexed mode; go test -race reports the
// concurrent Read and Close).
func TestCloseWhileDecompressing(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(4))
	var text bytes.Buffer
	for k := range 600 {
		fmt.Fprintf(&text, `{"uid":"g%d","traj_uid":"t%d","responses":[`, k/4, k)
		for i := range 800 {
			if i > 0 {
				text.WriteByte(',')
			}
			fmt.Fprintf(&text, "%d", (i*31+k)%100000)
		}
		text.WriteString("],\"rewards\":{\"outcome\":1}}\n")
	}
	dir := t.TempDir()
	for _, name := range []string{"in.jsonl.zst", "in.jsonl.gz"} {
		var z bytes.Buffer
		var zw io.WriteCloser
		if strings.HasSuffix(name, ".zst") {
			zw, _ = zstd.NewWriter(&z)
		} else {
			zw = gzip.NewWriter(&z)
		}
		zw.Write(text.Bytes())
		zw.Close()
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, z.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		for range 20 {
			r, err := Open(path)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := r.Next(); err != nil {
				t.Fatal(err)
			}
			r.Close()
		}
	}
}
