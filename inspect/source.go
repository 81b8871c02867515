package inspect

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"

	"github.com/credo-rl/credo/format"
	"github.com/credo-rl/credo/format/jsonl"
	"github.com/credo-rl/credo/rollout"
)

// source is one rollout file, indexed. Plain JSONL is read by random access
// from record offsets (the records stay on disk); other formats (Parquet,
// compressed files, stdin) are held in memory.
type source struct {
	path string
	f    *os.File
	off  []int64
	n    []int32
	line []int32
	mem  []*rollout.Trajectory
	mpos []string // positions of the records held in memory
	byID map[string]int
}

// pos names record k the way the other commands do.
func (s *source) pos(k int) string {
	if s.mem != nil {
		return s.mpos[k]
	}
	return fmt.Sprintf("line %d", s.line[k])
}

// get returns record k.
func (s *source) get(k int) (*rollout.Trajectory, error) {
	if s.mem != nil {
		return s.mem[k], nil
	}
	b := make([]byte, s.n[k])
	if _, err := s.f.ReadAt(b, s.off[k]); err != nil {
		return nil, fmt.Errorf("%s: %s: %w", s.path, s.pos(k), err)
	}
	t, err := jsonl.Decode(b)
	if err != nil {
		return nil, &rollout.RecordError{File: s.path, Record: s.pos(k), Err: err}
	}
	if t.ID == "" {
		t.ID = fmt.Sprintf("line-%d", s.line[k])
	}
	return t, nil
}

func (s *source) Close() error {
	if s.f != nil {
		return s.f.Close()
	}
	return nil
}

// openSource indexes path, calling visit for every record in file order.
// format is an --in-format override ("" = from the name).
func openSource(path, inFormat string, visit func(k int, t *rollout.Trajectory) error) (*source, error) {
	spec, err := format.SpecOf(path, inFormat)
	if err != nil {
		return nil, err
	}
	s := &source{path: path, byID: map[string]int{}}
	add := func(t *rollout.Trajectory, pos string) error {
		k := len(s.byID)
		if j, dup := s.byID[t.ID]; dup {
			return &rollout.RecordError{File: path, Record: pos, Err: &rollout.FieldError{Field: "traj_uid", Msg: fmt.Sprintf("duplicate id %q, also %s", t.ID, s.pos(j))}}
		}
		s.byID[t.ID] = k
		if err := checkTokenText(t); err != nil {
			return &rollout.RecordError{File: path, Record: pos, Err: err}
		}
		if visit != nil {
			return visit(k, t)
		}
		return nil
	}
	if path != format.Stdio && spec.Kind == format.JSONL && spec.Compression == format.None && !compressedFile(path) {
		f, err := os.Open(path)
		if err != nil {
			return nil, err
		}
		s.f = f
		br := bufio.NewReaderSize(f, 1<<20)
		var off int64
		line := 0
		for {
			b, rerr := br.ReadBytes('\n')
			if rerr != nil && rerr != io.EOF {
				f.Close()
				return nil, rerr
			}
			line++
			start, n := off, len(b)
			off += int64(n)
			tb := bytes.TrimSpace(b)
			if len(tb) > 0 {
				if len(tb) > jsonl.MaxLineBytes {
					f.Close()
					return nil, &rollout.RecordError{File: path, Record: fmt.Sprintf("line %d", line), Err: fmt.Errorf("record longer than %d bytes", jsonl.MaxLineBytes)}
				}
				t, derr := jsonl.Decode(tb)
				if derr != nil {
					f.Close()
					return nil, &rollout.RecordError{File: path, Record: fmt.Sprintf("line %d", line), Err: derr}
				}
				if t.ID == "" {
					t.ID = fmt.Sprintf("line-%d", line)
				}
				s.off = append(s.off, start)
				s.n = append(s.n, int32(n))
				s.line = append(s.line, int32(line))
				if err := add(t, fmt.Sprintf("line %d", line)); err != nil {
					f.Close()
					return nil, err
				}
			}
			if rerr == io.EOF {
				break
			}
		}
		return s, nil
	}
	r, err := format.OpenWith(path, format.Options{Format: inFormat})
	if err != nil {
		return nil, err
	}
	defer r.Close()
	for {
		t, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		s.mem = append(s.mem, t)
		s.mpos = append(s.mpos, r.Pos())
		if err := add(t, r.Pos()); err != nil {
			return nil, err
		}
	}
	return s, nil
}

// compressedFile reports whether a file starts with the gzip or zstd magic.
func compressedFile(path string) bool {
	f, err := os.Open(path)
	if err != nil {
		return false
	}
	defer f.Close()
	h := make([]byte, 4)
	n, _ := io.ReadFull(f, h)
	h = h[:n]
	return bytes.HasPrefix(h, []byte{0x1f, 0x8b}) || bytes.HasPrefix(h, []byte{0x28, 0xb5, 0x2f, 0xfd})
}

// TokenTextField is the optional record field holding each token's text: a
// list of strings, one per element of responses. credo does not interpret
// it otherwise; it is kept with the record's other unknown fields.
const TokenTextField = "token_text"

func tokenText(t *rollout.Trajectory) ([]string, error) {
	raw, ok := t.Extra[TokenTextField]
	if !ok {
		return nil, nil
	}
	var s []string
	if err := json.Unmarshal(raw, &s); err != nil {
		return nil, &rollout.FieldError{Field: TokenTextField, Msg: "want a list of strings, one per token"}
	}
	if len(s) != len(t.Tokens) {
		return nil, &rollout.FieldError{Field: TokenTextField, Msg: fmt.Sprintf("has %d entries, want one per token of responses (%d)", len(s), len(t.Tokens))}
	}
	return s, nil
}

func checkTokenText(t *rollout.Trajectory) error {
	_, err := tokenText(t)
	return err
}
