// Package jsonl reads and writes credo's JSONL rollout format: one
// trajectory per line, fields as documented in docs/format.md (verl
// DataProto names). Reading is streamed; unknown fields are kept and written
// back unchanged.
package jsonl

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"sort"
	"strings"
	"sync"

	"github.com/credo-rl/credo/rollout"
)

// MaxLineBytes bounds one record (256 MiB).
const MaxLineBytes = 256 << 20

// Reader reads trajectories one line at a time.
type Reader struct {
	name string
	br   *bufio.Reader
	line int
}

// NewReader reads from r; name is used in error messages (the file name).
func NewReader(r io.Reader, name string) *Reader {
	return &Reader{name: name, br: bufio.NewReaderSize(r, 1<<20)}
}

// Line is the number of the line last returned.
func (r *Reader) Line() int { return r.line }

func (r *Reader) errf(format string, args ...any) error {
	return &rollout.RecordError{File: r.name, Record: fmt.Sprintf("line %d", r.line), Err: fmt.Errorf(format, args...)}
}

// Next returns the next trajectory, validated on its own, or io.EOF. Blank
// lines are skipped. Trajectories without traj_uid get "line-N".
func (r *Reader) Next() (*rollout.Trajectory, error) {
	for {
		b, err := r.readLine()
		if err == io.EOF && len(b) == 0 {
			return nil, io.EOF
		}
		if err != nil && err != io.EOF {
			return nil, err
		}
		r.line++
		b = bytes.TrimSpace(b)
		if len(b) == 0 {
			if err == io.EOF {
				return nil, io.EOF
			}
			continue
		}
		t, derr := Decode(b)
		if derr != nil {
			return nil, &rollout.RecordError{File: r.name, Record: fmt.Sprintf("line %d", r.line), Err: derr}
		}
		if t.ID == "" {
			t.ID = fmt.Sprintf("line-%d", r.line)
		}
		return t, nil
	}
}

func (r *Reader) readLine() ([]byte, error) {
	var buf []byte
	for {
		chunk, err := r.br.ReadSlice('\n')
		buf = append(buf, chunk...)
		if len(buf) > MaxLineBytes {
			r.line++
			return nil, r.errf("record longer than %d bytes", MaxLineBytes)
		}
		if err == bufio.ErrBufferFull {
			continue
		}
		return buf, err
	}
}

var known = sync.OnceValue(func() map[string]bool {
	m := map[string]bool{}
	t := reflect.TypeOf(rollout.Trajectory{})
	for i := 0; i < t.NumField(); i++ {
		tag := t.Field(i).Tag.Get("json")
		name := strings.Split(tag, ",")[0]
		if name != "" && name != "-" {
			m[name] = true
		}
	}
	return m
})

// Decode parses one record and validates it. Errors name the field and say
// what was expected.
func Decode(b []byte) (*rollout.Trajectory, error) {
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(b, &fields); err != nil {
		return nil, syntaxError(b, err)
	}
	if fields == nil {
		return nil, errors.New("want a JSON object (one trajectory per line), got null")
	}
	t := new(rollout.Trajectory)
	if err := json.Unmarshal(b, t); err != nil {
		return nil, fieldError(err)
	}
	for k, v := range fields {
		if known()[k] {
			continue
		}
		if t.Extra == nil {
			t.Extra = map[string]json.RawMessage{}
		}
		t.Extra[k] = append(json.RawMessage(nil), v...)
	}
	if err := t.Validate(); err != nil {
		return nil, err
	}
	return t, nil
}

func fieldError(err error) error {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		return &rollout.FieldError{Field: te.Field, Msg: fmt.Sprintf("want %s, got JSON %s", te.Type, te.Value)}
	}
	return err
}

func syntaxError(b []byte, err error) error {
	var se *json.SyntaxError
	if errors.As(err, &se) && strings.Contains(se.Error(), "unexpected end of JSON input") {
		return fmt.Errorf("truncated record: the line ends before its JSON object is complete")
	}
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		return fmt.Errorf("want a JSON object (one trajectory per line), got a JSON %s", te.Value)
	}
	if errors.As(err, &se) {
		off := int(se.Offset)
		if off > 0 && off <= len(b) {
			rest := b[off-1:]
			for _, lit := range []string{"NaN", "Infinity", "inf", "nan"} {
				if bytes.HasPrefix(rest, []byte(lit)) {
					if off >= 2 && b[off-2] == '-' {
						lit = "-" + lit
					}
					return fmt.Errorf("non-finite number %s at byte %d: want finite numbers (JSON has no NaN or Infinity)", lit, off)
				}
			}
		}
		return fmt.Errorf("malformed JSON at byte %d: %v", se.Offset, err)
	}
	if errors.Is(err, io.ErrUnexpectedEOF) || strings.Contains(err.Error(), "unexpected end of JSON input") {
		return fmt.Errorf("truncated record: the line ends before its JSON object is complete")
	}
	return fmt.Errorf("malformed JSON: %v", err)
}

// ReadAll reads a whole stream into a batch and validates the batch.
func ReadAll(r io.Reader, name string) (*rollout.Batch, error) {
	rd := NewReader(r, name)
	b := &rollout.Batch{}
	for {
		t, err := rd.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		b.Trajectories = append(b.Trajectories, t)
	}
	if err := b.ValidateLinks(); err != nil { // records were validated by Next
		var re *rollout.RecordError
		if errors.As(err, &re) {
			re.File = name
		}
		return nil, err
	}
	return b, nil
}

// Writer writes trajectories one per line.
type Writer struct {
	w   *bufio.Writer
	buf bytes.Buffer
}

// NewWriter writes to w. Call Flush when done.
func NewWriter(w io.Writer) *Writer { return &Writer{w: bufio.NewWriterSize(w, 1<<20)} }

// Write writes one trajectory, stamped with the current format version, and
// its unknown input fields.
func (w *Writer) Write(t *rollout.Trajectory) error {
	w.buf.Reset()
	c := *t
	c.Version = rollout.FormatVersion
	enc := json.NewEncoder(&w.buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(&c); err != nil {
		return fmt.Errorf("trajectory %q: %w", t.ID, err)
	}
	b := bytes.TrimRight(w.buf.Bytes(), "\n")
	if len(t.Extra) > 0 {
		b = b[:len(b)-1] // drop '}'
		keys := make([]string, 0, len(t.Extra))
		for k := range t.Extra {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		var ext bytes.Buffer
		for _, k := range keys {
			kb, _ := json.Marshal(k)
			ext.WriteByte(',')
			ext.Write(kb)
			ext.WriteByte(':')
			ext.Write(t.Extra[k])
		}
		ext.WriteByte('}')
		b = append(append([]byte(nil), b...), ext.Bytes()...)
	}
	if _, err := w.w.Write(b); err != nil {
		return err
	}
	return w.w.WriteByte('\n')
}

// Flush writes buffered data.
func (w *Writer) Flush() error { return w.w.Flush() }
