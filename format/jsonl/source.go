package jsonl

import (
	"unsafe"

	"github.com/credo-rl/credo/rollout"
)

// source is what the reader keeps in rollout.Trajectory.Source: the input
// record and a snapshot of its fields as read, so that the writer can tell
// the fields that still hold what was read (written back as the input's
// bytes) from those that code replaced (encoded again).
type source struct {
	raw     []byte
	members []member
	line    int   // line number in the file (1-based), 0 if unknown
	offset  int64 // byte offset of the line in the file, -1 if unknown

	// Scalars as read (ID after the "line-N" default).
	version           int
	id, group, ground string
	probe             bool

	arrays [6]header // responses, response_mask, old_log_probs, ref_log_prob, token_level_rewards, values
	maps   [3][]keyed
}

type header struct {
	p unsafe.Pointer
	n int
}

type keyed struct {
	k string
	h header
}

func hdr[T any](xs []T) header { return header{unsafe.Pointer(unsafe.SliceData(xs)), len(xs)} }

func mapHeaders[T any](m map[string][]T) []keyed {
	if len(m) == 0 {
		return nil
	}
	out := make([]keyed, 0, len(m))
	for k, v := range m {
		out = append(out, keyed{k, hdr(v)})
	}
	return out
}

func sameMap[T any](m map[string][]T, snap []keyed) bool {
	if len(m) != len(snap) {
		return false
	}
	for _, s := range snap {
		v, ok := m[s.k]
		if !ok || hdr(v) != s.h {
			return false
		}
	}
	return true
}

// newSource snapshots t, which was just decoded from raw.
func newSource(raw []byte, members []member, t *rollout.Trajectory, line int, offset int64) *source {
	s := &source{raw: raw, members: members, line: line, offset: offset,
		version: t.Version, id: t.ID, group: t.Group, ground: t.GroundTruth, probe: t.Probe}
	s.arrays = [6]header{hdr(t.Tokens), hdr(t.Mask), hdr(t.OldLogProbs), hdr(t.RefLogProbs), hdr(t.TokenRewards), hdr(t.Values)}
	s.maps = [3][]keyed{mapHeaders(t.LogProbs), mapHeaders(t.Scores), mapHeaders(t.Tags)}
	return s
}

// sourceOf returns the jsonl source of t, or nil.
func sourceOf(t *rollout.Trajectory) *source {
	s, _ := t.Source.(*source)
	return s
}

// Raw returns the input line t was read from (without its line break), or
// nil when t was not read by this package or its source was cleared.
func Raw(t *rollout.Trajectory) []byte {
	if s := sourceOf(t); s != nil {
		return s.raw
	}
	return nil
}

// Position returns the 1-based line number and the byte offset and length
// (without the line break) in the input of the line t was read from; ok is
// false when t was not read by a Reader of this package. A later
// DecodeAt of those bytes gives t again.
func Position(t *rollout.Trajectory) (line int, offset int64, length int, ok bool) {
	s := sourceOf(t)
	if s == nil || s.offset < 0 {
		return 0, 0, 0, false
	}
	return s.line, s.offset, len(s.raw), true
}

// changed reports whether field id of t no longer holds what was read
// from the record (raw is the member's value, nil when the record lacks the
// field). Outputs count as changed whenever t has them, so they are always
// written from t.
func (s *source) changed(t *rollout.Trajectory, id int, raw []byte) bool {
	switch id {
	case fVersion:
		return t.Version != s.version
	case fID:
		return t.ID != s.id
	case fGroup:
		return t.Group != s.group
	case fGroundTruth:
		return t.GroundTruth != s.ground
	case fProbe:
		return t.Probe != s.probe
	case fTokens:
		return hdr(t.Tokens) != s.arrays[0]
	case fMask:
		return hdr(t.Mask) != s.arrays[1]
	case fOldLogProbs:
		return hdr(t.OldLogProbs) != s.arrays[2]
	case fRefLogProbs:
		return hdr(t.RefLogProbs) != s.arrays[3]
	case fTokenRewards:
		return hdr(t.TokenRewards) != s.arrays[4]
	case fValues:
		return hdr(t.Values) != s.arrays[5]
	case fLogProbs:
		return !sameMap(t.LogProbs, s.maps[0])
	case fScores:
		return !sameMap(t.Scores, s.maps[1])
	case fTags:
		return !sameMap(t.Tags, s.maps[2])
	case fAdvantages:
		return raw != nil || len(t.Advantages) > 0
	case fReturns:
		return raw != nil || len(t.Returns) > 0
	case fLossWeights:
		return raw != nil || len(t.LossWeights) > 0
	}
	// Small fields: compare with the record's value read again.
	var p parser
	p.b = raw
	var was rollout.Trajectory
	ok := true
	switch id {
	case fParent:
		if raw == nil {
			return t.Parent != nil
		}
		was.Parent, ok = p.branch("parent")
		if !ok {
			return true
		}
		return (was.Parent == nil) != (t.Parent == nil) || (t.Parent != nil && *t.Parent != *was.Parent)
	case fRewards:
		if raw == nil {
			return len(t.Rewards) > 0
		}
		was.Rewards, ok = p.floatMap("rewards")
		return !ok || !sameFloatMap(t.Rewards, was.Rewards) || (t.Rewards == nil) != (was.Rewards == nil)
	case fFeatures:
		if raw == nil {
			return len(t.Features) > 0
		}
		was.Features, ok = p.features("features")
		return !ok || !sameFeatures(t.Features, was.Features) || (t.Features == nil) != (was.Features == nil)
	case fSteps:
		if raw == nil {
			return len(t.Steps) > 0
		}
		was.Steps, ok = p.steps("steps")
		return !ok || !sameSteps(t.Steps, was.Steps) || (t.Steps == nil) != (was.Steps == nil)
	}
	return true
}

func sameFloatMap(a, b map[string]float64) bool {
	if len(a) != len(b) {
		return false
	}
	for k, x := range a {
		y, ok := b[k]
		if !ok || x != y {
			return false
		}
	}
	return true
}

func sameFeatures(a, b map[string]any) bool {
	if len(a) != len(b) {
		return false
	}
	for k, x := range a {
		y, ok := b[k]
		if !ok {
			return false
		}
		switch x := x.(type) {
		case string:
			if y, ok := y.(string); !ok || x != y {
				return false
			}
		case float64:
			if y, ok := y.(float64); !ok || x != y {
				return false
			}
		case bool:
			if y, ok := y.(bool); !ok || x != y {
				return false
			}
		default:
			return false
		}
	}
	return true
}

func sameSteps(a, b []rollout.Step) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		x, y := &a[i], &b[i]
		if x.Start != y.Start || x.End != y.End || x.Kind != y.Kind || x.Role != y.Role ||
			x.State != y.State || x.Observation != y.Observation ||
			(x.Parent == nil) != (y.Parent == nil) || (x.Parent != nil && *x.Parent != *y.Parent) ||
			!sameFloatMap(x.Rewards, y.Rewards) || !sameFloatMap(x.Values, y.Values) || !sameFloatMap(x.Labels, y.Labels) ||
			(x.Rewards == nil) != (y.Rewards == nil) || (x.Values == nil) != (y.Values == nil) || (x.Labels == nil) != (y.Labels == nil) {
			return false
		}
	}
	return true
}

// appendRaw writes t from its source: the input's bytes, with each field
// that changed encoded again in its place (or dropped, when it is now
// empty), and new fields appended in the canonical order.
func appendRaw(b []byte, t *rollout.Trajectory, s *source) ([]byte, error) {
	raw := s.raw
	var present [nFields]bool
	ms := s.members
	if len(ms) == 0 {
		// "{}" with any space inside: write the new fields before the brace.
		end := len(raw) - 1
		b = append(b, raw[:end]...)
		b, _, err := appendNew(b, t, s, present, false)
		if err != nil {
			return b, err
		}
		return append(b, raw[end:]...), nil
	}
	b = append(b, raw[:ms[0].key]...)
	wrote := false
	for j, m := range ms {
		sep := raw[:0]
		if j > 0 {
			sep = raw[ms[j-1].end:m.key]
		}
		if m.field < 0 {
			if wrote {
				b = append(b, sep...)
			}
			b = append(b, raw[m.key:m.end]...)
			wrote = true
			continue
		}
		id := int(m.field)
		present[id] = true
		val := raw[m.val:m.end]
		if !s.changed(t, id, val) {
			if wrote {
				b = append(b, sep...)
			}
			b = append(b, raw[m.key:m.end]...)
			wrote = true
			continue
		}
		if omitted(t, id) {
			continue
		}
		if wrote {
			b = append(b, sep...)
		}
		b = append(b, raw[m.key:m.val]...)
		var err error
		if b, err = appendField(b, t, id); err != nil {
			return b, err
		}
		wrote = true
	}
	b, _, err := appendNew(b, t, s, present, wrote)
	if err != nil {
		return b, err
	}
	return append(b, raw[ms[len(ms)-1].end:]...), nil
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

// style returns the separators between members and between key and value
// that the record uses (those before its last member): new fields are
// written in the record's own style ("," and ":" when it has fewer than
// two members).
func (s *source) style() (comma, colon []byte) {
	comma, colon = []byte(","), []byte(":")
	ms, raw := s.members, s.raw
	if len(ms) >= 2 {
		comma = raw[ms[len(ms)-2].end:ms[len(ms)-1].key]
	}
	if len(ms) >= 1 {
		m := ms[len(ms)-1]
		j := int(m.val)
		for j > int(m.key) && isSpace(raw[j-1]) {
			j--
		}
		if j > int(m.key) && raw[j-1] == ':' {
			j--
			for j > int(m.key) && isSpace(raw[j-1]) {
				j--
			}
			colon = raw[j:m.val]
		}
	}
	return comma, colon
}

// appendNew appends the fields of t that the record lacks and that t now
// has (the outputs, or fields set by code).
func appendNew(b []byte, t *rollout.Trajectory, s *source, present [nFields]bool, wrote bool) ([]byte, bool, error) {
	var comma, colon []byte
	for id := range nFields {
		if present[id] || omitted(t, id) || !s.changed(t, id, nil) {
			continue
		}
		if comma == nil {
			comma, colon = s.style()
		}
		if wrote {
			b = append(b, comma...)
		}
		b = appendString(b, fieldNames[id])
		b = append(b, colon...)
		var err error
		if b, err = appendField(b, t, id); err != nil {
			return b, wrote, err
		}
		wrote = true
	}
	return b, wrote, nil
}
