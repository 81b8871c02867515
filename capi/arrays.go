package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
	"unsafe"

	"github.com/credo-rl/credo/capi/internal/nt"
)

// spec describes one caller-owned array of a request: the index of its
// pointer in the pointer list, its dtype ("f4" float32, "f8" float64, "i8"
// int64) and its shape (C order, contiguous).
type spec struct {
	Slot  int    `json:"slot"`
	DType string `json:"dtype"`
	Shape []int  `json:"shape"`
}

// request is the header of credo_call: a few lines of text (see
// parseRequest), cheap to build in Python and to parse here, so that a call
// on a small batch costs microseconds.
type request struct {
	Fn     string
	Params map[string]json.RawMessage
	Arrays map[string]spec
}

// parseRequest reads the header of credo_call, one item per line:
//
//	fn NAME
//	p NAME JSON-VALUE             (a parameter; the value is JSON text)
//	a NAME SLOT DTYPE DIM [DIM]   (an array: pointer slot, f4|f8|i8, shape)
//
// A request that starts with '{' is read as JSON instead:
// {"fn": ..., "params": {...}, "arrays": {NAME: {"slot", "dtype", "shape"}}}.
func parseRequest(b []byte) (request, error) {
	var r request
	if len(b) > 0 && b[0] == '{' {
		err := json.Unmarshal(b, &r)
		return r, err
	}
	r.Params = map[string]json.RawMessage{}
	r.Arrays = map[string]spec{}
	for len(b) > 0 {
		line := b
		if k := bytes.IndexByte(b, '\n'); k >= 0 {
			line, b = b[:k], b[k+1:]
		} else {
			b = nil
		}
		if len(line) == 0 {
			continue
		}
		kind, rest, _ := bytes.Cut(line, []byte(" "))
		switch string(kind) {
		case "fn":
			r.Fn = string(rest)
		case "p":
			name, val, ok := bytes.Cut(rest, []byte(" "))
			if !ok {
				return r, fmt.Errorf("parameter line %q: want p NAME VALUE", line)
			}
			r.Params[string(name)] = json.RawMessage(val)
		case "a":
			f := strings.Fields(string(rest))
			if len(f) < 3 {
				return r, fmt.Errorf("array line %q: want \"a NAME SLOT DTYPE DIM [DIM]\"", line)
			}
			s := spec{DType: f[2]}
			var err error
			if s.Slot, err = strconv.Atoi(f[1]); err != nil {
				return r, fmt.Errorf("array line %q: slot: %v", line, err)
			}
			for _, d := range f[3:] {
				n, err := strconv.Atoi(d)
				if err != nil {
					return r, fmt.Errorf("array line %q: dimension: %v", line, err)
				}
				s.Shape = append(s.Shape, n)
			}
			r.Arrays[f[0]] = s
		default:
			return r, fmt.Errorf("request line %q: want fn, p or a", line)
		}
	}
	return r, nil
}

// call is one decoded request with its pointers.
type call struct {
	req  request
	ptrs []unsafe.Pointer
}

// mat is a caller-owned [B][T] (or [B], with T = 1) float array.
type mat struct {
	name string
	f4   []float32
	f8   []float64
	B, T int
}

func (m *mat) at(i, t int) float64 {
	if m.f8 != nil {
		return m.f8[i*m.T+t]
	}
	return float64(m.f4[i*m.T+t])
}

// rows returns the array as [][]float64: views into the caller's memory for
// float64 (read-only by contract), a converted copy for float32.
func (m *mat) rows() [][]float64 {
	out := make([][]float64, m.B)
	if m.f8 != nil {
		for i := range out {
			out[i] = m.f8[i*m.T : (i+1)*m.T : (i+1)*m.T]
		}
		return out
	}
	buf := make([]float64, len(m.f4))
	for k, x := range m.f4 {
		buf[k] = float64(x)
	}
	for i := range out {
		out[i] = buf[i*m.T : (i+1)*m.T : (i+1)*m.T]
	}
	return out
}

// views32 returns [B][T] float32 row views of the caller's memory.
func (m *mat) views32() [][]float32 {
	out := make([][]float32, m.B)
	for i := range out {
		out[i] = m.f4[i*m.T : (i+1)*m.T : (i+1)*m.T]
	}
	return out
}

// views64 returns [B][T] float64 row views of the caller's memory.
func (m *mat) views64() [][]float64 {
	out := make([][]float64, m.B)
	for i := range out {
		out[i] = m.f8[i*m.T : (i+1)*m.T : (i+1)*m.T]
	}
	return out
}

// size is the size of one element in bytes.
func (m *mat) size() int {
	if m.f8 != nil {
		return 8
	}
	return 4
}

// sameDType reports whether all arrays share m's dtype.
func (m *mat) sameDType(xs ...*mat) bool {
	for _, x := range xs {
		if (x.f4 != nil) != (m.f4 != nil) {
			return false
		}
	}
	return true
}

// vec returns a [B] array as float64.
func (m *mat) vec() []float64 {
	if m.f8 != nil {
		return m.f8
	}
	out := make([]float64, len(m.f4))
	for k, x := range m.f4 {
		out[k] = float64(x)
	}
	return out
}

// store writes src (same shape) into m, rounding to m's dtype.
func (m *mat) store(src [][]float64) {
	for i, row := range src {
		if m.f8 != nil {
			copy(m.f8[i*m.T:(i+1)*m.T], row)
			continue
		}
		dst := m.f4[i*m.T : (i+1)*m.T]
		for t, x := range row {
			dst[t] = float32(x)
		}
	}
}

// storeVec writes a [B] vector.
func (m *mat) storeVec(src []float64) {
	if m.f8 != nil {
		copy(m.f8, src)
		return
	}
	for i, x := range src {
		m.f4[i] = float32(x)
	}
}

// broadcast writes out[i][t] = s[i] * mask[i][t]; it fails, naming the
// element, when the mask holds a NaN or ±Inf (the output is then
// incomplete: callers pass freshly allocated outputs). pre, when not nil,
// holds for each row the length of its 0/1 prefix mask, or -1 (see
// rowSums): such rows are written without reading the mask again.
func (m *mat) broadcast(est string, s []float64, mask *mat, pre []int) error {
	T := m.T
	var l32 *rowLayout[float32]
	var l64 *rowLayout[float64]
	if m.f4 != nil && mask.f4 != nil {
		l32 = newRowLayout[float32]()
	} else if m.f8 != nil && mask.f8 != nil {
		l64 = newRowLayout[float64]()
	}
	stream := nt.OK && (l32 != nil || l64 != nil) && m.B*m.T*m.size() >= ntMin
	if stream {
		defer nt.Fence()
	}
	for i, a := range s {
		bad := false
		switch {
		case l32 != nil && pre != nil && pre[i] >= 0:
			writePrefix(m.f4[i*T:(i+1)*T], pre[i], a, stream)
		case l64 != nil && pre != nil && pre[i] >= 0:
			writePrefix(m.f8[i*T:(i+1)*T], pre[i], a, stream)
		case l32 != nil:
			bad = scaleRow(l32, m.f4[i*T:(i+1)*T], mask.f4[i*T:(i+1)*T], a, stream)
		case l64 != nil:
			bad = scaleRow(l64, m.f8[i*T:(i+1)*T], mask.f8[i*T:(i+1)*T], a, stream)
		default:
			for t := 0; t < T; t++ {
				w := mask.at(i, t)
				if w-w != 0 {
					bad = true
				}
				if m.f8 != nil {
					m.f8[i*T+t] = a * w
				} else {
					m.f4[i*T+t] = float32(a * w)
				}
			}
		}
		if bad {
			if err := mask.finite(est, i); err != nil {
				return err
			}
		}
	}
	return nil
}

// rowSums returns Σ_t m[i][t] in float64 and rejects NaN and ±Inf, naming
// the first bad element. With a mask of m's shape and dtype it also
// returns, per row, the length L of the mask row when that row is L ones
// followed by zeros (exact bytes), else -1: the mask is read in the same
// pass as the rewards, so that broadcast need not read it again.
func (m *mat) rowSums(est string, mask *mat) ([]float64, []int, error) {
	out := make([]float64, m.B)
	var pre []int
	var l32 *rowLayout[float32]
	var l64 *rowLayout[float64]
	if mask != nil && mask.B == m.B && mask.T == m.T && mask.sameDType(m) {
		pre = make([]int, m.B)
		if m.f4 != nil {
			l32 = newRowLayout[float32]()
		} else {
			l64 = newRowLayout[float64]()
		}
	}
	T := m.T
	for i := range out {
		var s float64
		if m.f4 != nil {
			s = sumSparse(m.f4[i*T : (i+1)*T])
		} else {
			s = sumSparse(m.f8[i*T : (i+1)*T])
		}
		if s-s != 0 {
			if err := m.finite(est, i); err != nil {
				return nil, nil, err
			}
		}
		out[i] = s
		switch {
		case l32 != nil:
			pre[i] = prefixLen(l32, mask.f4[i*T:(i+1)*T])
		case l64 != nil:
			pre[i] = prefixLen(l64, mask.f8[i*T:(i+1)*T])
		}
	}
	return out, pre, nil
}

// finite checks row i (all rows when i < 0) for NaN and ±Inf.
func (m *mat) finite(est string, row int) error {
	lo, hi := 0, m.B
	if row >= 0 {
		lo, hi = row, row+1
	}
	for i := lo; i < hi; i++ {
		for t := 0; t < m.T; t++ {
			if x := m.at(i, t); math.IsNaN(x) || math.IsInf(x, 0) {
				return fmt.Errorf("%s: %s[%d][%d] is %v, want a finite number", est, m.name, i, t, x)
			}
		}
	}
	return nil
}

// mat returns the float array name; when want2D it must be [B][T].
func (c *call) mat(est, name string, optional bool) (*mat, error) {
	s, ok := c.req.Arrays[name]
	if !ok {
		if optional {
			return nil, nil
		}
		return nil, fmt.Errorf("%s: missing array %s", est, name)
	}
	if s.Slot < 0 || s.Slot >= len(c.ptrs) {
		return nil, fmt.Errorf("%s: %s: pointer slot %d out of range", est, name, s.Slot)
	}
	m := &mat{name: name}
	switch len(s.Shape) {
	case 1:
		m.B, m.T = s.Shape[0], 1
	case 2:
		m.B, m.T = s.Shape[0], s.Shape[1]
	default:
		return nil, fmt.Errorf("%s: %s has %d dimensions, want 1 or 2", est, name, len(s.Shape))
	}
	if m.B < 0 || m.T < 0 {
		return nil, fmt.Errorf("%s: %s has a negative dimension", est, name)
	}
	n := m.B * m.T
	p := c.ptrs[s.Slot]
	if p == nil && n > 0 {
		return nil, fmt.Errorf("%s: %s: null pointer", est, name)
	}
	switch s.DType {
	case "f4":
		m.f4 = unsafe.Slice((*float32)(p), n)
		if n == 0 {
			m.f4 = []float32{}
		}
	case "f8":
		m.f8 = unsafe.Slice((*float64)(p), n)
		if n == 0 {
			m.f8 = []float64{}
		}
	default:
		return nil, fmt.Errorf("%s: %s has dtype %q, want float32 or float64", est, name, s.DType)
	}
	return m, nil
}

// ids returns an int64 id array (group numbers made by the caller) of n
// entries as ints and as their decimal strings.
func (c *call) ids(est, name string, n int) ([]int, error) {
	s, ok := c.req.Arrays[name]
	if !ok {
		return nil, fmt.Errorf("%s: missing array %s", est, name)
	}
	if s.DType != "i8" || len(s.Shape) != 1 {
		return nil, fmt.Errorf("%s: %s: want a 1-d int64 id array", est, name)
	}
	if s.Shape[0] != n {
		return nil, fmt.Errorf("%s: %s has %d entries, the batch has %d rows", est, name, s.Shape[0], n)
	}
	if s.Slot < 0 || s.Slot >= len(c.ptrs) {
		return nil, fmt.Errorf("%s: %s: pointer slot %d out of range", est, name, s.Slot)
	}
	if n == 0 {
		return []int{}, nil
	}
	if unsafe.Sizeof(int(0)) != 8 {
		return nil, fmt.Errorf("%s: 64-bit platform required", est)
	}
	v := unsafe.Slice((*int)(c.ptrs[s.Slot]), n)
	out := make([]int, n)
	copy(out, v)
	return out, nil
}

// dense renumbers ids by first appearance; it returns the group of each
// row and the number of groups.
func dense(ids []int) ([]int, int) {
	num := make(map[int]int, 64)
	g := make([]int, len(ids))
	for i, x := range ids {
		k, ok := num[x]
		if !ok {
			k = len(num)
			num[x] = k
		}
		g[i] = k
	}
	return g, len(num)
}

func strs(ids []int) []string {
	out := make([]string, len(ids))
	for i, x := range ids {
		out[i] = strconv.Itoa(x)
	}
	return out
}

// float returns a numeric parameter, def when absent or null.
func (c *call) float(name string, def float64) (float64, error) {
	raw, ok := c.req.Params[name]
	if !ok || string(raw) == "null" {
		return def, nil
	}
	if f, err := strconv.ParseFloat(string(raw), 64); err == nil {
		return f, nil
	}
	var f float64
	if err := json.Unmarshal(raw, &f); err != nil {
		var b bool
		if json.Unmarshal(raw, &b) == nil {
			if b {
				return 1, nil
			}
			return 0, nil
		}
		return def, fmt.Errorf("%s: parameter %s: want a number, got %s", c.req.Fn, name, raw)
	}
	return f, nil
}

func (c *call) bool(name string, def bool) (bool, error) {
	raw, ok := c.req.Params[name]
	if !ok || string(raw) == "null" {
		return def, nil
	}
	switch string(raw) {
	case "true":
		return true, nil
	case "false":
		return false, nil
	}
	var b bool
	if err := json.Unmarshal(raw, &b); err != nil {
		var f float64
		if json.Unmarshal(raw, &f) == nil {
			return f != 0, nil
		}
		return def, fmt.Errorf("%s: parameter %s: want true or false, got %s", c.req.Fn, name, raw)
	}
	return b, nil
}

func (c *call) str(name, def string) (string, error) {
	raw, ok := c.req.Params[name]
	if !ok || string(raw) == "null" {
		return def, nil
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return def, fmt.Errorf("%s: parameter %s: want a string, got %s", c.req.Fn, name, raw)
	}
	return s, nil
}

// strings returns a string-list parameter (GiGPO's anchor observations in
// similarity mode).
func (c *call) strings(name string) ([]string, error) {
	raw, ok := c.req.Params[name]
	if !ok || string(raw) == "null" {
		return nil, nil
	}
	var s []string
	if err := json.Unmarshal(raw, &s); err != nil {
		return nil, fmt.Errorf("%s: parameter %s: want a list of strings", c.req.Fn, name)
	}
	return s, nil
}

// sum4 adds x in float64 with eight accumulators (not bound by add latency).
func sum4[F float32 | float64](x []F) float64 {
	var s0, s1, s2, s3, s4, s5, s6, s7 float64
	for len(x) >= 8 {
		s0 += float64(x[0])
		s1 += float64(x[1])
		s2 += float64(x[2])
		s3 += float64(x[3])
		s4 += float64(x[4])
		s5 += float64(x[5])
		s6 += float64(x[6])
		s7 += float64(x[7])
		x = x[8:]
	}
	for _, v := range x {
		s0 += float64(v)
	}
	return ((s0 + s1) + (s2 + s3)) + ((s4 + s5) + (s6 + s7))
}
