package jsonl

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strings"
	"sync"

	"github.com/credo-rl/credo/rollout"
)

// decodeReflect is the encoding/json decoder that credo used before the
// streaming tokenizer of decode.go. It is kept for two jobs: the messages of
// syntax and type errors (the tokenizer hands a record it cannot read to it,
// so that those messages stay as they were), and the differential fuzz test.
func decodeReflect(b []byte) (*rollout.Trajectory, error) {
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
		if reflectKnown()[k] {
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

var reflectKnown = sync.OnceValue(func() map[string]bool {
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
