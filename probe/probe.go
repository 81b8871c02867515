package probe

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"math"
	"sort"
	"strings"

	"github.com/credo-rl/credo/model"
	"github.com/credo-rl/credo/rollout"
)

// Extra fields of a record that probes read and write.
const (
	FieldPrompt    = "prompt_token_ids"
	FieldTokenText = "token_text"
	FieldFinish    = "finish_reason"
	// FieldPromptText is the prompt as text ("prompt", as judges read it).
	FieldPromptText = "prompt"
	// FieldRole is a MALT node's role (generator, verifier, refiner).
	FieldRole = "role"
	// EntropyScore is the token_scores channel holding per-token entropies
	// (over the top log-probs the server returned).
	EntropyScore = "entropy"
)

// Fold says what becomes of a task's samples.
type Fold string

const (
	// FoldTree appends the samples as trajectories of the group (tree
	// nodes: SPO-tree, TreeRL).
	FoldTree Fold = "tree"
	// FoldProbe appends them as probe = true trajectories (SPO-chain).
	FoldProbe Fold = "probe"
	// FoldMC writes their mean score into the parent's
	// steps[Step].values[ValueKey] and appends nothing (OmegaPRM, VSRM).
	FoldMC Fold = "mc"
	// FoldRole appends the samples as child nodes that answer a new text
	// prompt: the parent's prompt and response followed by Task.Suffix
	// (MALT's verifier and refiner turns). Their responses do not share the
	// parent's tokens; parent.token is 0.
	FoldRole Fold = "role"
)

// Task is one planned continuation request: sample N continuations of the
// parent's prompt and first Token response tokens.
type Task struct {
	ID     string `json:"id"`
	Method string `json:"method"`
	Group  string `json:"uid"`
	Parent string `json:"parent"`
	Token  int    `json:"token"`
	N      int    `json:"n"`
	Fold   Fold   `json:"fold"`
	// Step is the step (index in steps) whose value FoldMC writes.
	Step     int    `json:"step,omitempty"`
	ValueKey string `json:"value_key,omitempty"`
	// Rewards: FoldMC writes steps[Step].rewards[ValueKey] instead of
	// values (BRPO's budget scores).
	Rewards bool `json:"rewards,omitempty"`
	// Suffix is the text FoldRole appends to the parent's prompt and
	// response; Role names the children's role (written to field "role").
	Suffix string `json:"suffix,omitempty"`
	Role   string `json:"role,omitempty"`
	// Force is a forced-answer suffix (FoldMC only): each sample continues
	// the prefix followed by Force, and the verifier scores Force followed
	// by the sample (VSRM's forced answers after a step, BRPO's answers
	// after truncated thinking). ForceIDs are its token ids; when empty,
	// Run asks RunOptions.Tokenize.
	Force    string `json:"force,omitempty"`
	ForceIDs []int  `json:"force_ids,omitempty"`
}

// Sample is one continuation.
type Sample struct {
	TokenIDs  []int
	LogProbs  []float64
	TokenText []string
	Entropy   []float64
	Text      string
	Finish    string
}

// Sampler draws n continuations of a prompt given as token ids.
type Sampler interface {
	Sample(ctx context.Context, prompt []int, n int, seed uint64) ([]Sample, error)
}

// HTTPSampler samples through an OpenAI-compatible /v1/completions server.
type HTTPSampler struct {
	Client      *model.Client
	MaxTokens   int
	Temperature float64
	// TopLogprobs is the number of top log-probs asked for per token (the
	// entropy estimate's support; 0: entropies are not computed).
	TopLogprobs int
	// Stop strings, passed through.
	Stop []string
	// Extra request fields (e.g. "return_tokens_as_token_ids": true for
	// vLLM).
	Extra map[string]any
}

// Sample implements Sampler.
func (h *HTTPSampler) Sample(ctx context.Context, prompt []int, n int, seed uint64) ([]Sample, error) {
	out, _, err := h.sample(ctx, prompt, n, seed)
	return out, err
}

// SampleText implements TextSampler: the server must return the prompt's
// token ids (vLLM: prompt_token_ids with return_token_ids; lab serve).
func (h *HTTPSampler) SampleText(ctx context.Context, prompt string, n int, seed uint64) ([]Sample, []int, error) {
	out, ids, err := h.sample(ctx, prompt, n, seed)
	if err == nil && ids == nil {
		err = errors.New("probe: the server did not return prompt_token_ids; give the prompt as token ids")
	}
	return out, ids, err
}

func (h *HTTPSampler) sample(ctx context.Context, prompt any, n int, seed uint64) ([]Sample, []int, error) {
	// servers that ignore n (llama.cpp) answer once: the remaining samples
	// are asked for one by one, each with its own seed
	var choices []model.Choice
	var promptIDs []int
	for k := 0; len(choices) < n; k++ {
		want := n - len(choices)
		if k > 0 {
			want = 1
		}
		q := model.CompletionRequest{Prompt: prompt, MaxTokens: h.MaxTokens, N: want, Seed: model.U(seed + uint64(k)),
			Temperature: model.F(h.Temperature), Logprobs: model.I(h.TopLogprobs), Stop: h.Stop, Extra: h.Extra}
		r, err := h.Client.Complete(ctx, q)
		if err != nil {
			return nil, nil, err
		}
		if len(r.Choices) == 0 || len(r.Choices) > want || k > n {
			return nil, nil, fmt.Errorf("probe: asked for %d samples, the server returned %d", want, len(r.Choices))
		}
		choices = append(choices, r.Choices...)
		if promptIDs == nil {
			promptIDs = r.PromptTokenIDs
		}
	}
	out := make([]Sample, n)
	for i, ch := range choices {
		if ch.TokenIDs == nil && ch.Text == "" && len(ch.LogProbs) == 0 {
			ch.TokenIDs = []int{} // an empty completion (end-of-sequence at once)
		}
		if ch.TokenIDs == nil {
			return nil, nil, errors.New("probe: the server returned no token ids (vLLM: set \"return_tokens_as_token_ids\": true; llama.cpp: \"return_tokens\": true)")
		}
		if len(ch.LogProbs) != len(ch.TokenIDs) {
			return nil, nil, fmt.Errorf("probe: choice %d has %d token ids and %d log-probs (ask for logprobs)", i, len(ch.TokenIDs), len(ch.LogProbs))
		}
		s := Sample{TokenIDs: ch.TokenIDs, LogProbs: ch.LogProbs, Text: ch.Text, Finish: ch.FinishReason}
		s.TokenText = tokenText(ch)
		if h.TopLogprobs > 0 && len(ch.TopLogProbs) == len(ch.TokenIDs) {
			s.Entropy = make([]float64, len(ch.TopLogProbs))
			for k, m := range ch.TopLogProbs {
				v := make([]float64, 0, len(m))
				for _, x := range m {
					v = append(v, x)
				}
				s.Entropy[k] = TopEntropy(v)
			}
		}
		out[i] = s
	}
	return out, promptIDs, nil
}

// tokenText is the text of each token: slices of the text at the
// text offsets when given, else the log-prob token strings.
func tokenText(ch model.Choice) []string {
	n := len(ch.TokenIDs)
	if len(ch.TextOffset) == n {
		ok := true
		out := make([]string, n)
		for i := range n {
			a, b := ch.TextOffset[i], len(ch.Text)
			if i+1 < n {
				b = ch.TextOffset[i+1]
			}
			if a < 0 || a > b || b > len(ch.Text) {
				ok = false
				break
			}
			out[i] = ch.Text[a:b]
		}
		if ok && strings.Join(out, "") == ch.Text {
			return out
		}
	}
	if len(ch.Tokens) == n && (n == 0 || !strings.HasPrefix(ch.Tokens[0], "token_id:")) {
		return append([]string(nil), ch.Tokens...)
	}
	return nil
}

// TopEntropy is −Σ p log p over the given log-probs (the top-k the server
// returned), summed in descending order of probability so that it does not
// depend on the order the server listed them. It is a lower bound of the
// full entropy (the tail is left out); credo's estimate, since TreeRL
// computes entropy from the full distribution inside the sampler.
func TopEntropy(lps []float64) float64 {
	v := append([]float64(nil), lps...)
	sort.Sort(sort.Reverse(sort.Float64Slice(v)))
	h := 0.0
	for _, lp := range v {
		if math.IsInf(lp, -1) {
			continue
		}
		h -= math.Exp(lp) * lp
	}
	return h
}

// Seed derives a task's request seed from the run seed and the task id.
func Seed(run uint64, id string) uint64 {
	f := fnv.New64a()
	var b [8]byte
	for i := range b {
		b[i] = byte(run >> (8 * i))
	}
	f.Write(b[:])
	f.Write([]byte(id))
	return f.Sum64() >> 1 // non-negative in JSON readers that parse int64
}

// Prompt returns a record's prompt token ids.
func Prompt(t *rollout.Trajectory) ([]int, error) {
	raw, ok := t.Extra[FieldPrompt]
	if !ok {
		return nil, fmt.Errorf("traj_uid %q: field %s: missing (the prompt as the server's token ids)", t.ID, FieldPrompt)
	}
	var ids []int
	if err := json.Unmarshal(raw, &ids); err != nil {
		return nil, fmt.Errorf("traj_uid %q: field %s: want an array of token ids: %v", t.ID, FieldPrompt, err)
	}
	return ids, nil
}

// TokenText returns a record's per-token text (nil when absent).
func TokenText(t *rollout.Trajectory) ([]string, error) {
	raw, ok := t.Extra[FieldTokenText]
	if !ok {
		return nil, nil
	}
	var s []string
	if err := json.Unmarshal(raw, &s); err != nil {
		return nil, fmt.Errorf("traj_uid %q: field %s: want an array of strings: %v", t.ID, FieldTokenText, err)
	}
	if len(s) != t.Len() {
		return nil, fmt.Errorf("traj_uid %q: field %s: %d strings for %d tokens", t.ID, FieldTokenText, len(s), t.Len())
	}
	return s, nil
}

func setExtra(t *rollout.Trajectory, k string, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err) // only plain values are set
	}
	if t.Extra == nil {
		t.Extra = map[string]json.RawMessage{}
	}
	t.Extra[k] = b
}
