package rolloutgen

import (
	"fmt"
	"maps"
	"math/rand/v2"
	"regexp"
	"slices"
	"sort"
	"strings"

	"github.com/credo-rl/credo/credit"
	"github.com/credo-rl/credo/rollout"
)

// Config shapes a generated batch. The zero value of a field takes its
// default (see Defaults).
type Config struct {
	// Groups is the number of prompt groups (default 3).
	Groups int
	// PerGroup is the number of trajectories per group (default 4).
	PerGroup int
	// Steps is the number of top-level steps of every trajectory (default
	// 3); they tile its tokens.
	Steps int
	// MaxLen bounds the number of tokens (default 10; at least Steps+1).
	MaxLen int
	// Vocab is the number of distinct token ids (default 4: small, so that
	// responses share leading tokens).
	Vocab int
	// NoLinks leaves out parent links: every response is sampled from the
	// query (they still share leading tokens by chance).
	NoLinks bool
	// TokenRewards adds token_level_rewards (random, with the outcome on
	// the last valid token).
	TokenRewards bool
	// NoMaskZeros gives every token mask 1.
	NoMaskZeros bool
}

// Defaults fills the zero fields of c.
func (c Config) Defaults() Config {
	def := func(x *int, d int) {
		if *x <= 0 {
			*x = d
		}
	}
	def(&c.Groups, 3)
	def(&c.PerGroup, 4)
	def(&c.Steps, 3)
	def(&c.MaxLen, 10)
	def(&c.Vocab, 4)
	if c.MaxLen < c.Steps+1 {
		c.MaxLen = c.Steps + 1
	}
	return c
}

// conventional are the channel and key names of the record format that
// methods read by default: outcome channels, step reward/value/label keys,
// token score/tag and log-prob names, feature keys.
var conventional = []string{
	"outcome", "thinking", "format", "baseline", "0", "1", // rewards
	"reward", "prm", "ig", "score", "goal", "relationship", "knowledge", // step rewards
	"mc", "v", "q", "belief", "latent", // step values
	"subgoal", "correct", "tool", "wrong_vote_0", "wrong_vote_1", "wrong_vote_2", // step labels
	"policy", "ref", "prm_phi", "contrast_pos", "contrast_neg", // log-probs
	"waad", "fai", "sum_pi_squared", "rollout_is_weights", "entropy", // token scores
	"planning", "separator", "observation", // token tags
	"n_search_calls", "mc_init", "belief0", "preference", "game", // features
}

// categorical are features whose values are labels, with the labels the
// generator draws from (the reward stages' tags: AdaCtrl's difficulty tag,
// Adaptive Deep Reasoning's chain mode, Auto-CEI's refusal flag).
var categorical = map[string][]any{
	"difficulty_tag": {"[Easy]", "[Hard]"},
	"cot_mode":       {"short", "long"},
	"refusal":        {true, false},
}

var isConventional = func() map[string]bool {
	m := map[string]bool{}
	for _, n := range conventional {
		m[n] = true
	}
	return m
}()

var ident = regexp.MustCompile(`^[A-Za-z0-9_]+$`)

// Names returns the channel names a batch for parameter values v carries:
// the conventional names, every identifier in v's string values (split at
// commas, dots, colons, '=' and brackets), and every such name followed by
// every suffix-like value (starting with '_'), such as LSC's "outcome_ref".
func Names(v credit.Values) []string {
	set := map[string]bool{}
	for _, n := range conventional {
		set[n] = true
	}
	var suffixes []string
	keys := make([]string, 0, len(v))
	for k := range v {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		s, ok := v[k].(string)
		if !ok {
			continue
		}
		for _, f := range strings.FieldsFunc(s, func(r rune) bool { return strings.ContainsRune(",.:=[] \"'", r) }) {
			if !ident.MatchString(f) {
				continue
			}
			if strings.HasPrefix(f, "_") {
				suffixes = append(suffixes, f)
			} else {
				set[f] = true
			}
		}
	}
	base := make([]string, 0, len(set))
	for n := range set {
		base = append(base, n)
	}
	for _, n := range base {
		for _, s := range suffixes {
			set[n+s] = true
		}
	}
	out := make([]string, 0, len(set))
	for n := range set {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// stepKind is the kind of the generated top-level steps: the value of the
// first non-empty parameter whose name ends in "kind" (BRPO's budget_kind),
// else "turn".
func stepKind(m *credit.Method, v credit.Values) string {
	for _, p := range m.Params {
		if strings.HasSuffix(p.Name, "kind") {
			if s := v.String(p.Name); s != "" {
				return s
			}
		}
	}
	return "turn"
}

// Batch generates a random valid batch for method m under parameter values
// v (nil = defaults), deterministically from seed. It returns an error when
// the batch lacks one of m's declared inputs.
func Batch(seed uint64, m *credit.Method, v credit.Values, c Config) (*rollout.Batch, error) {
	if v == nil {
		v = m.Defaults()
	}
	c = c.Defaults()
	rng := rand.New(rand.NewPCG(seed, 0x9e3779b97f4a7c15))
	names := Names(v)
	kind := stepKind(m, v)
	b := &rollout.Batch{}
	for g := 0; g < c.Groups; g++ {
		var group []*rollout.Trajectory
		for k := 0; k < c.PerGroup; k++ {
			t := &rollout.Trajectory{ID: fmt.Sprintf("g%d-t%d", g, k), Group: fmt.Sprintf("g%d", g)}
			n := c.Steps + 1 + rng.IntN(c.MaxLen-c.Steps)
			var prefix []int64
			if !c.NoLinks && k > 0 && rng.IntN(5) < 3 {
				p := group[rng.IntN(k)]
				cut := 1 + rng.IntN(p.Len())
				if cut >= n {
					cut = n - 1
				}
				prefix = p.Tokens[:cut]
				t.Parent = &rollout.Branch{Trajectory: p.ID, Token: cut}
			}
			t.Tokens = append(slices.Clone(prefix), make([]int64, n-len(prefix))...)
			for u := len(prefix); u < n; u++ {
				t.Tokens[u] = int64(rng.IntN(c.Vocab))
			}
			fill(rng, t, names, kind, c)
			group = append(group, t)
		}
		b.Trajectories = append(b.Trajectories, group...)
	}
	if err := b.Validate(); err != nil {
		return nil, fmt.Errorf("rolloutgen: generated an invalid batch: %w", err)
	}
	if err := m.Check(b, v); err != nil {
		return nil, fmt.Errorf("rolloutgen: %w", err)
	}
	return b, nil
}

func fill(rng *rand.Rand, t *rollout.Trajectory, names []string, kind string, c Config) {
	n := t.Len()
	unit := func() float64 { return 0.05 + 0.9*rng.Float64() }   // (0, 1)
	logp := func() float64 { return -0.01 - 2.99*rng.Float64() } // [-3, -0.01]
	third := func() float64 { return float64(rng.IntN(3)) / 2 }  // 0, 0.5, 1
	bit := func() float64 { return float64(rng.IntN(2)) }        // 0, 1
	arr := func(f func() float64) []float64 {
		out := make([]float64, n)
		for i := range out {
			out[i] = f()
		}
		return out
	}
	t.Mask = make([]float64, n)
	for i := range t.Mask {
		t.Mask[i] = 1
		if !c.NoMaskZeros && i > 0 && rng.IntN(5) == 0 {
			t.Mask[i] = 0
		}
	}
	t.OldLogProbs = arr(logp)
	t.RefLogProbs = arr(logp)
	t.Values = arr(unit)
	t.Rewards = map[string]float64{}
	t.Features = map[string]any{}
	t.LogProbs = map[string][]float64{}
	t.Scores = map[string][]float64{}
	t.Tags = map[string][]int8{}
	for _, name := range names {
		t.Rewards[name] = third()
		t.Features[name] = []float64{0.25, 0.5, 0.75}[rng.IntN(3)]
		if name == "preference" { // T-REG's pair side
			t.Features[name] = []string{"chosen", "rejected"}[rng.IntN(2)]
		}
		if labels, ok := categorical[name]; ok { // two-valued labels of the reward stages
			t.Features[name] = labels[rng.IntN(len(labels))]
		}
		t.LogProbs[name] = arr(logp)
		t.Scores[name] = arr(unit)
		tags := make([]int8, n)
		for i := range tags {
			tags[i] = int8(rng.IntN(2))
		}
		t.Tags[name] = tags
	}
	// Steps tile the tokens: c.Steps non-empty spans.
	cuts := rng.Perm(n - 1)[:c.Steps-1]
	for i := range cuts {
		cuts[i]++
	}
	sort.Ints(cuts)
	cuts = append(append([]int{0}, cuts...), n)
	for k := 0; k < c.Steps; k++ {
		t.Mask[cuts[k]] = 1 // every step has a token that carries its reward
		s := rollout.Step{Start: cuts[k], End: cuts[k+1], Kind: kind, Role: fmt.Sprint(k % 2),
			State:   rollout.StateKey(fmt.Sprintf("s%d_%d", k, rng.IntN(2))),
			Rewards: map[string]float64{}, Values: map[string]float64{}, Labels: map[string]float64{}}
		for _, name := range names {
			s.Rewards[name] = unit()
			s.Values[name] = unit()
			s.Labels[name] = bit()
			if !isConventional[name] { // vectors as indexed keys of parameter names (LaRe's factors z0, z1, z2)
				for j := range 3 {
					s.Values[fmt.Sprint(name, j)] = unit()
				}
			}
		}
		t.Steps = append(t.Steps, s)
	}
	if c.TokenRewards {
		t.TokenRewards = make([]float64, n)
		for i := range t.TokenRewards {
			if t.Mask[i] != 0 && rng.IntN(3) == 0 {
				t.TokenRewards[i] = unit() - 0.5
			}
		}
		if last := t.LastValid(); last >= 0 {
			t.TokenRewards[last] += t.Rewards[rollout.DefaultReward]
		}
	}
}

// Clone returns a deep copy of b: no slice or map of the copy aliases b's.
func Clone(b *rollout.Batch) *rollout.Batch {
	out := &rollout.Batch{Trajectories: make([]*rollout.Trajectory, len(b.Trajectories))}
	for i, t := range b.Trajectories {
		out.Trajectories[i] = CloneTrajectory(t)
	}
	return out
}

// CloneTrajectory returns a deep copy of t.
func CloneTrajectory(t *rollout.Trajectory) *rollout.Trajectory {
	c := *t
	if t.Parent != nil {
		p := *t.Parent
		c.Parent = &p
	}
	c.Rewards = maps.Clone(t.Rewards)
	c.Features = maps.Clone(t.Features)
	c.Tokens = slices.Clone(t.Tokens)
	c.Mask = slices.Clone(t.Mask)
	c.OldLogProbs = slices.Clone(t.OldLogProbs)
	c.RolloutLogProbs = slices.Clone(t.RolloutLogProbs)
	c.RefLogProbs = slices.Clone(t.RefLogProbs)
	c.TokenRewards = slices.Clone(t.TokenRewards)
	c.Values = slices.Clone(t.Values)
	c.Advantages = slices.Clone(t.Advantages)
	c.Returns = slices.Clone(t.Returns)
	c.LossWeights = slices.Clone(t.LossWeights)
	c.LogProbs = cloneMap(t.LogProbs)
	c.Scores = cloneMap(t.Scores)
	c.Tags = cloneMap(t.Tags)
	c.Extra = cloneMap(t.Extra)
	if t.Steps != nil {
		c.Steps = make([]rollout.Step, len(t.Steps))
		for k, s := range t.Steps {
			if s.Parent != nil {
				p := *s.Parent
				s.Parent = &p
			}
			s.Rewards = maps.Clone(s.Rewards)
			s.Values = maps.Clone(s.Values)
			s.Labels = maps.Clone(s.Labels)
			c.Steps[k] = s
		}
	}
	return &c
}

func cloneMap[S ~[]E, E any](m map[string]S) map[string]S {
	if m == nil {
		return nil
	}
	out := make(map[string]S, len(m))
	for k, v := range m {
		out[k] = slices.Clone(v)
	}
	return out
}
