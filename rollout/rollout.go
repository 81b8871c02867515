package rollout

import (
	"encoding/json"
	"fmt"
	"math"
	"sort"
)

// FormatVersion is the version of the record layout described in
// docs/format.md. Readers accept records without a version (taken as 1) and
// reject newer ones.
const FormatVersion = 1

// DefaultReward is the outcome channel that methods read unless told otherwise.
const DefaultReward = "outcome"

// Batch is the unit credit is assigned over.
type Batch struct {
	Trajectories []*Trajectory
}

// Trajectory is one sampled response or multi-turn episode.
type Trajectory struct {
	// Version is the record layout version (FormatVersion when written by credo).
	Version int `json:"credo_version,omitempty"`
	// ID identifies the trajectory (verl-agent's traj_uid). It must be unique
	// within a batch; readers assign "line-N"/"row-N" when it is absent.
	ID string `json:"traj_uid"`
	// Group is the prompt group (verl's uid): the comparison set of group baselines.
	Group string `json:"uid"`
	// Parent links a tree-sampled rollout or MC probe to where it branched off.
	Parent *Branch `json:"parent,omitempty"`
	// Probe marks an MC continuation used only for value estimation.
	Probe bool `json:"probe,omitempty"`
	// Rewards are named outcome reward channels ("outcome", "format", "f1", ...).
	Rewards map[string]float64 `json:"rewards,omitempty"`
	// Features are structural keys: strata (number of tool calls), difficulty
	// tags, game or environment ids. Values are strings, numbers or booleans.
	Features map[string]any `json:"features,omitempty"`
	// GroundTruth is the reference answer, where a method uses it.
	GroundTruth string `json:"ground_truth,omitempty"`
	// Steps are turns, reasoning steps, segments, ... as token spans.
	Steps []Step `json:"steps,omitempty"`

	// Per-token arrays. Every present array has len(Tokens) entries.

	// Tokens are the generated token ids (verl's responses).
	Tokens []int64 `json:"responses"`
	// Mask is the loss mask or weight per token (verl's response_mask);
	// observation and padding tokens are 0. Absent means all ones.
	Mask []float64 `json:"response_mask,omitempty"`
	// OldLogProbs are the behaviour policy's log-probs.
	OldLogProbs []float64 `json:"old_log_probs,omitempty"`
	// RefLogProbs are the reference policy's log-probs.
	RefLogProbs []float64 `json:"ref_log_prob,omitempty"`
	// LogProbs are other models' log-probs by name ("prm_phi", ...).
	LogProbs map[string][]float64 `json:"log_probs,omitempty"`
	// TokenRewards are token-level rewards (verl's token_level_rewards).
	// When absent, methods that need them place the outcome reward on the
	// last token whose mask is non-zero.
	TokenRewards []float64 `json:"token_level_rewards,omitempty"`
	// Values are critic values per token.
	Values []float64 `json:"values,omitempty"`
	// Scores are named per-token side signals (attention statistics, entropy,
	// token penalties).
	Scores map[string][]float64 `json:"token_scores,omitempty"`
	// Tags are named boolean token tags as 0/1 arrays ("planning",
	// "separator", "observation").
	Tags map[string][]int8 `json:"token_tags,omitempty"`

	// Outputs written by credit assignment.

	// Advantages is the per-token credit.
	Advantages []float64 `json:"advantages,omitempty"`
	// Returns is the per-token return, where the method defines one.
	Returns []float64 `json:"returns,omitempty"`
	// LossWeights is a per-token loss weight written by methods that drop or
	// re-weight tokens (SPO's probability mask and segment selection); a
	// trainer multiplies it into response_mask. Absent = the response_mask.
	LossWeights []float64 `json:"loss_weights,omitempty"`

	// Extra keeps the fields of an input record that credo does not know,
	// so that writing the record back loses nothing the user gave.
	Extra map[string]json.RawMessage `json:"-"`

	// Source is the reader's record of the input this trajectory was read
	// from, or nil for a trajectory built in code. format/jsonl keeps the
	// input line here, so that its writer writes every field that still
	// holds what was read back as the input's bytes, in the input's order,
	// and encodes only the fields that changed (the outputs advantages,
	// returns and loss_weights, and any field that code replaced). A writer
	// notices a field that was replaced or re-sliced, and any change to the
	// small fields (ids, rewards, features, steps, parent); it does not
	// notice an element of a per-token input array (responses,
	// response_mask, old_log_probs, ...) changed in place: code that does
	// that must call ClearSource, and the record is then written in
	// canonical form.
	Source any `json:"-"`
}

// ClearSource forgets the input record t was read from, so that writers
// encode every field of t from its current values (see Source).
func (t *Trajectory) ClearSource() { t.Source = nil }

// Branch is a parent link into a rollout tree.
type Branch struct {
	// Trajectory is the ID of the parent trajectory.
	Trajectory string `json:"traj_uid"`
	// Token is the number of the parent's tokens shared as prefix: the child
	// forks after token Token-1 of the parent.
	Token int `json:"token"`
}

// Step is a turn, utterance, reasoning step, segment, macro-action, thought
// or budget segment: the token span [Start, End) of its trajectory.
type Step struct {
	Start int `json:"start"`
	End   int `json:"end"`
	// Kind names the unit: "turn", "reasoning", "segment", "macro", "thought", "budget", "summary".
	Kind string `json:"kind,omitempty"`
	// Parent is the index of the enclosing step in Steps, or nil.
	Parent *int `json:"parent,omitempty"`
	// Role is the acting agent or player.
	Role string `json:"role,omitempty"`
	// State is the environment state key (GiGPO's anchor_obs). Any JSON
	// value is accepted on input and kept in its canonical JSON text, so that
	// equality of keys is exact.
	State StateKey `json:"anchor_obs,omitempty"`
	// Observation is the raw observation text (judges, similarity grouping).
	Observation string `json:"observation,omitempty"`
	// Rewards are named step rewards ("reward" = environment reward, "prm", "ig", ...).
	Rewards map[string]float64 `json:"rewards,omitempty"`
	// Values are named step values (MC value, critic V or Q, ...).
	Values map[string]float64 `json:"values,omitempty"`
	// Labels are judge verdicts and counts ("wrong_step" votes, "subgoal").
	Labels map[string]float64 `json:"labels,omitempty"`
}

// StateKey is an opaque, exactly compared environment state key.
type StateKey string

// UnmarshalJSON keeps a string as is and any other JSON value in compact form.
func (k *StateKey) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err == nil {
		*k = StateKey(s)
		return nil
	}
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	c, err := json.Marshal(v)
	if err != nil {
		return err
	}
	*k = StateKey(c)
	return nil
}

// Len is the number of tokens.
func (t *Trajectory) Len() int { return len(t.Tokens) }

// MaskAt returns the loss mask of token i (1 when no mask is given).
func (t *Trajectory) MaskAt(i int) float64 {
	if t.Mask == nil {
		return 1
	}
	return t.Mask[i]
}

// LastValid returns the index of the last token with a non-zero mask, or -1.
func (t *Trajectory) LastValid() int {
	for i := len(t.Tokens) - 1; i >= 0; i-- {
		if t.MaskAt(i) != 0 {
			return i
		}
	}
	return -1
}

// Reward returns the named outcome reward.
func (t *Trajectory) Reward(name string) (float64, bool) {
	r, ok := t.Rewards[name]
	return r, ok
}

// FieldError is a validation error: which field is wrong and what was expected.
type FieldError struct {
	Field string
	Msg   string
}

func (e *FieldError) Error() string { return fmt.Sprintf("field %s: %s", e.Field, e.Msg) }

func ferr(field, format string, args ...any) error {
	return &FieldError{Field: field, Msg: fmt.Sprintf(format, args...)}
}

func checkFinite(field string, xs []float64) error {
	for i, x := range xs {
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return ferr(fmt.Sprintf("%s[%d]", field, i), "want a finite number, got %v", x)
		}
	}
	return nil
}

func checkLen(field string, n int, xs []float64) error {
	if xs != nil && len(xs) != n {
		return ferr(field, "has %d values, want %d (one per token of responses)", len(xs), n)
	}
	return nil
}

func sortedKeys[V any](m map[string]V) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}

// Validate checks one trajectory on its own: array lengths, finite numbers,
// step spans, feature types. Errors are *FieldError naming the field.
func (t *Trajectory) Validate() error {
	if t.Version > FormatVersion {
		return ferr("credo_version", "record version %d is newer than this credo (%d)", t.Version, FormatVersion)
	}
	if t.Group == "" {
		return ferr("uid", "missing: every trajectory needs its group id")
	}
	n := len(t.Tokens)
	if t.Tokens == nil {
		return ferr("responses", "missing: want the generated token ids (may be empty list)")
	}
	arrays := []struct {
		name string
		xs   []float64
	}{
		{"response_mask", t.Mask}, {"old_log_probs", t.OldLogProbs}, {"ref_log_prob", t.RefLogProbs},
		{"token_level_rewards", t.TokenRewards}, {"values", t.Values},
		{"advantages", t.Advantages}, {"returns", t.Returns}, {"loss_weights", t.LossWeights},
	}
	for _, a := range arrays {
		if err := checkLen(a.name, n, a.xs); err != nil {
			return err
		}
		if err := checkFinite(a.name, a.xs); err != nil {
			return err
		}
	}
	for _, k := range sortedKeys(t.LogProbs) {
		if err := checkLen("log_probs."+k, n, t.LogProbs[k]); err != nil {
			return err
		}
		if err := checkFinite("log_probs."+k, t.LogProbs[k]); err != nil {
			return err
		}
	}
	for _, k := range sortedKeys(t.Scores) {
		if err := checkLen("token_scores."+k, n, t.Scores[k]); err != nil {
			return err
		}
		if err := checkFinite("token_scores."+k, t.Scores[k]); err != nil {
			return err
		}
	}
	for _, k := range sortedKeys(t.Tags) {
		v := t.Tags[k]
		if len(v) != n {
			return ferr("token_tags."+k, "has %d values, want %d (one per token of responses)", len(v), n)
		}
		for i, x := range v {
			if x != 0 && x != 1 {
				return ferr(fmt.Sprintf("token_tags.%s[%d]", k, i), "want 0 or 1, got %d", x)
			}
		}
	}
	for i, m := range t.Mask {
		if m < 0 {
			return ferr(fmt.Sprintf("response_mask[%d]", i), "want a weight >= 0, got %v", m)
		}
	}
	for _, k := range sortedKeys(t.Rewards) {
		r := t.Rewards[k]
		if math.IsNaN(r) || math.IsInf(r, 0) {
			return ferr("rewards."+k, "want a finite number, got %v", r)
		}
	}
	for _, k := range sortedKeys(t.Features) {
		switch v := t.Features[k].(type) {
		case string, bool:
		case float64:
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return ferr("features."+k, "want a finite number, got %v", v)
			}
		case json.Number:
		default:
			return ferr("features."+k, "want a string, number or boolean, got %T", v)
		}
	}
	if t.Parent != nil {
		if t.Parent.Trajectory == "" {
			return ferr("parent.traj_uid", "missing: a parent link names the parent trajectory")
		}
		if t.Parent.Token < 0 {
			return ferr("parent.token", "want a prefix length >= 0, got %d", t.Parent.Token)
		}
	}
	for i, s := range t.Steps {
		f := fmt.Sprintf("steps[%d]", i)
		if s.Start < 0 || s.End < s.Start || s.End > n {
			return ferr(f, "span [%d, %d) is not inside the %d tokens of responses", s.Start, s.End, n)
		}
		if s.Parent != nil {
			p := *s.Parent
			if p < 0 || p >= len(t.Steps) || p == i {
				return ferr(f+".parent", "want the index of another step (0..%d), got %d", len(t.Steps)-1, p)
			}
			ps := t.Steps[p]
			if s.Start < ps.Start || s.End > ps.End {
				return ferr(f+".parent", "span [%d, %d) is not inside its parent step %d [%d, %d)", s.Start, s.End, p, ps.Start, ps.End)
			}
		}
		for _, m := range []struct {
			name string
			v    map[string]float64
		}{{"rewards", s.Rewards}, {"values", s.Values}, {"labels", s.Labels}} {
			for _, k := range sortedKeys(m.v) {
				x := m.v[k]
				if math.IsNaN(x) || math.IsInf(x, 0) {
					return ferr(fmt.Sprintf("%s.%s.%s", f, m.name, k), "want a finite number, got %v", x)
				}
			}
		}
	}
	return nil
}

// TopSteps returns the indices of the steps that have no parent, in order.
func (t *Trajectory) TopSteps() []int {
	var out []int
	for i, s := range t.Steps {
		if s.Parent == nil {
			out = append(out, i)
		}
	}
	return out
}
