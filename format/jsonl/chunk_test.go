package jsonl

import (
	"bytes"
	"fmt"
	"io"
	"strings"
	"testing"
)

// pieces returns reads of at most n bytes, as a pipe or a decompressor does.
type pieces struct {
	r io.Reader
	n int
}

func (p pieces) Read(b []byte) (int, error) { return p.r.Read(b[:min(len(b), p.n)]) }

// TestRecordsKeepTheirBytes reads several chunks' worth of records, keeps
// them all, and checks that each still holds its own line once everything
// was read: records share the reader's buffers when a read fills them, and
// are copied out (their buffer recycled) when it does not.
func TestRecordsKeepTheirBytes(t *testing.T) {
	var in bytes.Buffer
	var lines []string
	for i := 0; in.Len() < 5*chunkBytes; i++ {
		var l strings.Builder
		fmt.Fprintf(&l, `{"traj_uid": "t%d", "uid": "g%d", "responses": [`, i, i/4)
		n := 10 + (i*7919)%3000
		for k := range n {
			if k > 0 {
				l.WriteString(", ")
			}
			fmt.Fprintf(&l, "%d", (i+k)%50000)
		}
		l.WriteString(`], "response_mask": [`)
		for k := range n {
			if k > 0 {
				l.WriteString(", ")
			}
			l.WriteString("1")
		}
		fmt.Fprintf(&l, `], "rewards": {"outcome": %d.5}}`, i%3)
		lines = append(lines, l.String())
		in.WriteString(l.String())
		in.WriteByte('\n')
	}
	for _, tc := range []struct {
		name string
		r    func() io.Reader
	}{
		{"whole reads", func() io.Reader { return bytes.NewReader(in.Bytes()) }},
		{"64 KiB reads", func() io.Reader { return pieces{bytes.NewReader(in.Bytes()), 64 << 10} }},
	} {
		r := NewReader(tc.r(), "in.jsonl")
		var kept [][]byte
		for {
			tr, err := r.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
			kept = append(kept, Raw(tr))
		}
		if len(kept) != len(lines) {
			t.Fatalf("%s: %d records, want %d", tc.name, len(kept), len(lines))
		}
		for i, raw := range kept {
			if string(raw) != lines[i] {
				t.Fatalf("%s: record %d holds %.60q..., want %.60q...", tc.name, i+1, raw, lines[i])
			}
		}
	}
}
