package jsonl

import (
	"encoding/json"
	"errors"
	"math"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/credo-rl/credo/rollout"
)

// The canonical encoding is encoding/json's encoding of rollout.Trajectory
// (with HTML escaping off), written by hand: the same bytes, without
// reflection.

func appendString(dst []byte, s string) []byte {
	const hex = "0123456789abcdef"
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		if c := s[i]; c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			dst = append(dst, s[start:i]...)
			switch c {
			case '\\', '"':
				dst = append(dst, '\\', c)
			case '\b':
				dst = append(dst, '\\', 'b')
			case '\f':
				dst = append(dst, '\\', 'f')
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			dst = append(dst, s[start:i]...)
			dst = append(dst, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			dst = append(dst, s[start:i]...)
			dst = append(dst, '\\', 'u', '2', '0', '2', hex[r&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}

// errNonFinite is encoding/json's error for NaN and ±Inf.
type errNonFinite float64

func (e errNonFinite) Error() string {
	return "json: unsupported value: " + strconv.FormatFloat(float64(e), 'g', -1, 64)
}

// appendFloat formats x as encoding/json does (ES6 number formatting).
func appendFloat(b []byte, x float64) ([]byte, error) {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return b, errNonFinite(x)
	}
	abs := math.Abs(x)
	f := byte('f')
	if abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		f = 'e'
	}
	b = strconv.AppendFloat(b, x, f, -1, 64)
	if f == 'e' {
		n := len(b)
		if n >= 4 && b[n-4] == 'e' && b[n-3] == '-' && b[n-2] == '0' {
			b[n-2] = b[n-1]
			b = b[:n-1]
		}
	}
	return b, nil
}

// appendFloats writes a number array. A run of values equal to the first
// of it (per-token credit repeats a value along a response) is formatted
// once and its text copied, doubling the copied span each time.
func appendFloats(b []byte, xs []float64) ([]byte, error) {
	if xs == nil {
		return append(b, "null"...), nil
	}
	b = append(b, '[')
	for i := 0; i < len(xs); {
		if i > 0 {
			b = append(b, ',')
		}
		bits := math.Float64bits(xs[i])
		j := i + 1
		for j < len(xs) && math.Float64bits(xs[j]) == bits {
			j++
		}
		start := len(b)
		var err error
		if b, err = appendFloat(b, xs[i]); err != nil {
			return b, err
		}
		if r := j - i - 1; r > 0 {
			// seg is ",x", the unit repeated r times.
			seg := len(b)
			unit := seg - start + 1
			b = slices.Grow(b, unit*r)
			b = append(b, ',')
			b = append(b, b[start:seg]...)
			for have := 1; have < r; {
				n := min(have, r-have)
				b = append(b, b[seg:seg+n*unit]...)
				have += n
			}
		}
		i = j
	}
	return append(b, ']'), nil
}

func appendInts(b []byte, xs []int64) []byte {
	if xs == nil {
		return append(b, "null"...)
	}
	b = append(b, '[')
	for i, x := range xs {
		if i > 0 {
			b = append(b, ',')
		}
		b = strconv.AppendInt(b, x, 10)
	}
	return append(b, ']')
}

func appendTags(b []byte, xs []int8) []byte {
	if xs == nil {
		return append(b, "null"...)
	}
	b = append(b, '[')
	for i, x := range xs {
		if i > 0 {
			b = append(b, ',')
		}
		b = strconv.AppendInt(b, int64(x), 10)
	}
	return append(b, ']')
}

func sortedKeys[V any](m map[string]V) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return ks
}

func appendMap[V any](b []byte, m map[string]V, f func([]byte, V) ([]byte, error)) ([]byte, error) {
	if m == nil {
		return append(b, "null"...), nil
	}
	b = append(b, '{')
	for i, k := range sortedKeys(m) {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendString(b, k)
		b = append(b, ':')
		var err error
		if b, err = f(b, m[k]); err != nil {
			return b, err
		}
	}
	return append(b, '}'), nil
}

func appendAny(b []byte, v any) ([]byte, error) {
	switch v := v.(type) {
	case string:
		return appendString(b, v), nil
	case float64:
		return appendFloat(b, v)
	case bool:
		return strconv.AppendBool(b, v), nil
	case nil:
		return append(b, "null"...), nil
	}
	j, err := json.Marshal(v)
	if err != nil {
		return b, err
	}
	return append(b, j...), nil
}

func appendFloatMap(b []byte, m map[string]float64) ([]byte, error) {
	return appendMap(b, m, appendFloat)
}

func appendStep(b []byte, s *rollout.Step) ([]byte, error) {
	b = append(b, `{"start":`...)
	b = strconv.AppendInt(b, int64(s.Start), 10)
	b = append(b, `,"end":`...)
	b = strconv.AppendInt(b, int64(s.End), 10)
	if s.Kind != "" {
		b = appendString(append(b, `,"kind":`...), s.Kind)
	}
	if s.Parent != nil {
		b = strconv.AppendInt(append(b, `,"parent":`...), int64(*s.Parent), 10)
	}
	if s.Role != "" {
		b = appendString(append(b, `,"role":`...), s.Role)
	}
	if s.State != "" {
		b = appendString(append(b, `,"anchor_obs":`...), string(s.State))
	}
	if s.Observation != "" {
		b = appendString(append(b, `,"observation":`...), s.Observation)
	}
	var err error
	for _, m := range []struct {
		name string
		v    map[string]float64
	}{{`,"rewards":`, s.Rewards}, {`,"values":`, s.Values}, {`,"labels":`, s.Labels}} {
		if len(m.v) > 0 {
			if b, err = appendFloatMap(append(b, m.name...), m.v); err != nil {
				return b, err
			}
		}
	}
	return append(b, '}'), nil
}

// omitted reports whether the canonical encoding leaves field id out
// (encoding/json's omitempty).
func omitted(t *rollout.Trajectory, id int) bool {
	switch id {
	case fVersion:
		return t.Version == 0
	case fID, fGroup, fTokens:
		return false
	case fParent:
		return t.Parent == nil
	case fProbe:
		return !t.Probe
	case fRewards:
		return len(t.Rewards) == 0
	case fFeatures:
		return len(t.Features) == 0
	case fGroundTruth:
		return t.GroundTruth == ""
	case fSteps:
		return len(t.Steps) == 0
	case fMask:
		return len(t.Mask) == 0
	case fOldLogProbs:
		return len(t.OldLogProbs) == 0
	case fRolloutLogProbs:
		return len(t.RolloutLogProbs) == 0
	case fRefLogProbs:
		return len(t.RefLogProbs) == 0
	case fLogProbs:
		return len(t.LogProbs) == 0
	case fTokenRewards:
		return len(t.TokenRewards) == 0
	case fValues:
		return len(t.Values) == 0
	case fScores:
		return len(t.Scores) == 0
	case fTags:
		return len(t.Tags) == 0
	case fAdvantages:
		return len(t.Advantages) == 0
	case fReturns:
		return len(t.Returns) == 0
	case fLossWeights:
		return len(t.LossWeights) == 0
	}
	panic("jsonl: unknown field")
}

// appendField writes the canonical value of field id.
func appendField(b []byte, t *rollout.Trajectory, id int) ([]byte, error) {
	var err error
	switch id {
	case fVersion:
		return strconv.AppendInt(b, int64(t.Version), 10), nil
	case fID:
		return appendString(b, t.ID), nil
	case fGroup:
		return appendString(b, t.Group), nil
	case fParent:
		if t.Parent == nil {
			return append(b, "null"...), nil
		}
		b = appendString(append(b, `{"traj_uid":`...), t.Parent.Trajectory)
		b = strconv.AppendInt(append(b, `,"token":`...), int64(t.Parent.Token), 10)
		return append(b, '}'), nil
	case fProbe:
		return strconv.AppendBool(b, t.Probe), nil
	case fRewards:
		return appendFloatMap(b, t.Rewards)
	case fFeatures:
		return appendMap(b, t.Features, appendAny)
	case fGroundTruth:
		return appendString(b, t.GroundTruth), nil
	case fSteps:
		if t.Steps == nil {
			return append(b, "null"...), nil
		}
		b = append(b, '[')
		for i := range t.Steps {
			if i > 0 {
				b = append(b, ',')
			}
			if b, err = appendStep(b, &t.Steps[i]); err != nil {
				return b, err
			}
		}
		return append(b, ']'), nil
	case fTokens:
		return appendInts(b, t.Tokens), nil
	case fMask:
		return appendFloats(b, t.Mask)
	case fOldLogProbs:
		return appendFloats(b, t.OldLogProbs)
	case fRolloutLogProbs:
		return appendFloats(b, t.RolloutLogProbs)
	case fRefLogProbs:
		return appendFloats(b, t.RefLogProbs)
	case fLogProbs:
		return appendMap(b, t.LogProbs, appendFloats)
	case fTokenRewards:
		return appendFloats(b, t.TokenRewards)
	case fValues:
		return appendFloats(b, t.Values)
	case fScores:
		return appendMap(b, t.Scores, appendFloats)
	case fTags:
		return appendMap(b, t.Tags, func(b []byte, xs []int8) ([]byte, error) { return appendTags(b, xs), nil })
	case fAdvantages:
		return appendFloats(b, t.Advantages)
	case fReturns:
		return appendFloats(b, t.Returns)
	case fLossWeights:
		return appendFloats(b, t.LossWeights)
	}
	return b, errors.New("jsonl: unknown field")
}

// appendCanonical writes t as encoding/json would (credo_version stamped,
// unknown fields after the known ones in key order), without a newline.
func appendCanonical(b []byte, t *rollout.Trajectory) ([]byte, error) {
	b = append(b, '{')
	first := true
	for id := range nFields {
		if id == fVersion {
			b = append(b, `"credo_version":`...)
			b = strconv.AppendInt(b, rollout.FormatVersion, 10)
			first = false
			continue
		}
		if omitted(t, id) {
			continue
		}
		if !first {
			b = append(b, ',')
		}
		first = false
		b = appendString(b, fieldNames[id])
		b = append(b, ':')
		var err error
		if b, err = appendField(b, t, id); err != nil {
			return b, err
		}
	}
	for _, k := range sortedKeys(t.Extra) {
		b = append(b, ',')
		if strings.ContainsAny(k, "<>&") {
			kb, _ := json.Marshal(k) // HTML-escaped, as before
			b = append(b, kb...)
		} else {
			b = appendString(b, k)
		}
		b = append(b, ':')
		b = append(b, t.Extra[k]...)
	}
	return append(b, '}'), nil
}
