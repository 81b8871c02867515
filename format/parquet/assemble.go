package parquet

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"unicode/utf8"

	pq "github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/deprecated"
	"github.com/parquet-go/parquet-go/format"
)

// errCorrupt reports repetition or definition levels that do not fit the
// schema.
var errCorrupt = errors.New("corrupt file: repetition/definition levels do not match the schema")

// numLeaves is the number of leaf columns under n.
func numLeaves(n pq.Node) int {
	if n.Leaf() {
		return 1
	}
	k := 0
	for _, f := range n.Fields() {
		k += numLeaves(f)
	}
	return k
}

func logical(n pq.Node) format.LogicalTypeValue {
	if lt := n.Type().LogicalType(); lt != nil {
		return lt.Value
	}
	return nil
}

func converted(n pq.Node) (deprecated.ConvertedType, bool) {
	if ct := n.Type().ConvertedType(); ct != nil {
		return *ct, true
	}
	return 0, false
}

func isListNode(n pq.Node) bool {
	if _, ok := logical(n).(*format.ListType); ok {
		return true
	}
	ct, ok := converted(n)
	return ok && ct == deprecated.List
}

func isMapNode(n pq.Node) bool {
	if _, ok := logical(n).(*format.MapType); ok {
		return true
	}
	ct, ok := converted(n)
	return ok && (ct == deprecated.Map || ct == deprecated.MapKeyValue)
}

func isJSONLeaf(n pq.Node) bool {
	if _, ok := logical(n).(*format.JsonType); ok {
		return true
	}
	ct, ok := converted(n)
	return ok && ct == deprecated.Json
}

func isStringLeaf(n pq.Node) bool {
	switch logical(n).(type) {
	case *format.StringType, *format.EnumType:
		return true
	}
	ct, ok := converted(n)
	return ok && (ct == deprecated.UTF8 || ct == deprecated.Enum)
}

func isUnsigned(n pq.Node) bool {
	if it, ok := logical(n).(*format.IntType); ok {
		return !it.IsSigned
	}
	ct, ok := converted(n)
	return ok && (ct == deprecated.Uint8 || ct == deprecated.Uint16 || ct == deprecated.Uint32 || ct == deprecated.Uint64)
}

// jsonWriter assembles the JSON value of a (possibly nested) column from the
// values of its leaf columns for one row, following the Dremel
// repetition/definition levels.
type jsonWriter struct {
	buf []byte
}

// node appends the value of n. cols holds, per leaf under n, the values of
// this instance; def and rep are the definition level and repetition depth
// reached by the enclosing node.
func (w *jsonWriter) node(n pq.Node, cols [][]pq.Value, def, rep int) error {
	if len(cols) == 0 || len(cols[0]) == 0 {
		return errCorrupt
	}
	switch {
	case n.Repeated():
		// A repeated field outside a LIST annotation is a list of its elements.
		el := pq.Required(n)
		return w.repeated(cols, def, rep, func(c [][]pq.Value, d, r int) error { return w.required(el, c, d, r) })
	case n.Optional():
		if cols[0][0].DefinitionLevel() <= def {
			w.buf = append(w.buf, "null"...)
			return nil
		}
		def++
	}
	return w.required(n, cols, def, rep)
}

// repeated appends a JSON array: the instance is split into its elements at
// the values whose repetition level equals the new depth.
func (w *jsonWriter) repeated(cols [][]pq.Value, def, rep int, elem func([][]pq.Value, int, int) error) error {
	if len(cols) == 0 || len(cols[0]) == 0 {
		return errCorrupt
	}
	if cols[0][0].DefinitionLevel() <= def {
		w.buf = append(w.buf, "[]"...)
		return nil
	}
	def++
	rep++
	w.buf = append(w.buf, '[')
	sub := make([][]pq.Value, len(cols))
	start := make([]int, len(cols))
	for k := 0; start[0] < len(cols[0]); k++ {
		if k > 0 {
			w.buf = append(w.buf, ',')
		}
		for j, c := range cols {
			s := start[j]
			if s >= len(c) || (s > 0 && c[s].RepetitionLevel() != rep) {
				return errCorrupt
			}
			e := s + 1
			for e < len(c) && c[e].RepetitionLevel() > rep {
				e++
			}
			sub[j] = c[s:e]
			start[j] = e
		}
		if err := elem(sub, def, rep); err != nil {
			return err
		}
	}
	for j, c := range cols {
		if start[j] != len(c) {
			return errCorrupt
		}
	}
	w.buf = append(w.buf, ']')
	return nil
}

// required appends the value of n once its own optionality is resolved.
func (w *jsonWriter) required(n pq.Node, cols [][]pq.Value, def, rep int) error {
	if n.Leaf() {
		if len(cols) != 1 || len(cols[0]) != 1 || cols[0][0].DefinitionLevel() < def {
			return errCorrupt
		}
		return w.leaf(n, cols[0][0])
	}
	fields := n.Fields()
	if len(fields) == 1 && fields[0].Repeated() && isListNode(n) {
		inner := fields[0]
		if !inner.Leaf() && len(inner.Fields()) == 1 {
			// Three-level list: repeated group list { element }.
			el := inner.Fields()[0]
			return w.repeated(cols, def, rep, func(c [][]pq.Value, d, r int) error { return w.node(el, c, d, r) })
		}
		el := pq.Required(inner)
		return w.repeated(cols, def, rep, func(c [][]pq.Value, d, r int) error { return w.required(el, c, d, r) })
	}
	if len(fields) == 1 && fields[0].Repeated() && !fields[0].Leaf() && len(fields[0].Fields()) == 2 && isMapNode(n) {
		return w.mapNode(fields[0], cols, def, rep)
	}
	w.buf = append(w.buf, '{')
	off := 0
	for i, f := range fields {
		k := numLeaves(f)
		if off+k > len(cols) {
			return errCorrupt
		}
		if i > 0 {
			w.buf = append(w.buf, ',')
		}
		w.buf = appendJSONString(w.buf, f.Name())
		w.buf = append(w.buf, ':')
		if err := w.node(f, cols[off:off+k], def, rep); err != nil {
			return err
		}
		off += k
	}
	if off != len(cols) {
		return errCorrupt
	}
	w.buf = append(w.buf, '}')
	return nil
}

// mapNode appends a MAP as a JSON object; keys that are not strings are
// written as their JSON text.
func (w *jsonWriter) mapNode(kv pq.Node, cols [][]pq.Value, def, rep int) error {
	kf, vf := kv.Fields()[0], kv.Fields()[1]
	nk := numLeaves(kf)
	if len(cols) < nk {
		return errCorrupt
	}
	var kw jsonWriter
	first := true
	// Reuse repeated for the splitting, writing into a scratch array.
	var scratch jsonWriter
	err := scratch.repeated(cols, def, rep, func(c [][]pq.Value, d, r int) error {
		kw.buf = kw.buf[:0]
		if err := kw.node(kf, c[:nk], d, r); err != nil {
			return err
		}
		var key string
		if err := json.Unmarshal(kw.buf, &key); err != nil {
			key = string(kw.buf)
		}
		if first {
			w.buf = append(w.buf, '{')
			first = false
		} else {
			w.buf = append(w.buf, ',')
		}
		w.buf = appendJSONString(w.buf, key)
		w.buf = append(w.buf, ':')
		return w.node(vf, c[nk:], d, r)
	})
	if err != nil {
		return err
	}
	if first {
		w.buf = append(w.buf, '{')
	}
	w.buf = append(w.buf, '}')
	return nil
}

func (w *jsonWriter) leaf(n pq.Node, v pq.Value) error {
	switch v.Kind() {
	case pq.Boolean:
		w.buf = strconv.AppendBool(w.buf, v.Boolean())
	case pq.Int32:
		if isUnsigned(n) {
			w.buf = strconv.AppendUint(w.buf, uint64(v.Uint32()), 10)
		} else {
			w.buf = strconv.AppendInt(w.buf, int64(v.Int32()), 10)
		}
	case pq.Int64:
		if isUnsigned(n) {
			w.buf = strconv.AppendUint(w.buf, v.Uint64(), 10)
		} else {
			w.buf = strconv.AppendInt(w.buf, v.Int64(), 10)
		}
	case pq.Int96:
		w.buf = appendJSONString(w.buf, v.Int96().String())
	case pq.Float:
		w.buf = appendFloat(w.buf, float64(v.Float()), 32)
	case pq.Double:
		w.buf = appendFloat(w.buf, v.Double(), 64)
	case pq.ByteArray, pq.FixedLenByteArray:
		b := v.ByteArray()
		switch {
		case isJSONLeaf(n):
			if !json.Valid(b) {
				return fmt.Errorf("column of JSON type holds invalid JSON text %.40q", b)
			}
			w.buf = append(w.buf, b...)
		case isStringLeaf(n) || utf8.Valid(b):
			w.buf = appendJSONString(w.buf, string(b))
		default:
			w.buf = append(w.buf, '"')
			w.buf = base64.StdEncoding.AppendEncode(w.buf, b)
			w.buf = append(w.buf, '"')
		}
	default:
		return errCorrupt
	}
	return nil
}

func appendFloat(b []byte, x float64, bits int) []byte {
	switch {
	case math.IsNaN(x):
		return append(b, `"NaN"`...)
	case math.IsInf(x, 1):
		return append(b, `"Infinity"`...)
	case math.IsInf(x, -1):
		return append(b, `"-Infinity"`...)
	}
	return strconv.AppendFloat(b, x, 'g', -1, bits)
}

func appendJSONString(b []byte, s string) []byte {
	q, _ := json.Marshal(s) // cannot fail for a string
	return append(b, q...)
}
