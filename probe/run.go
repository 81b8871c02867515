package probe

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"

	"github.com/credo-rl/credo/rollout"
)

// RunOptions configure Run and Rollouts.
type RunOptions struct {
	Sampler  Sampler
	Verifier Verifier
	// Reward is the outcome channel written (default "outcome").
	Reward string
	// Seed is the run seed; each request's seed is Seed(Seed, task id).
	Seed uint64
	// Concurrency bounds the tasks sampled at once (default 8).
	Concurrency int
	// Progress, when set, is called after each task.
	Progress func(done, total int)
	// Tokenize returns the token ids of a forced suffix whose task carries
	// none (model.Client.Tokenize for a server).
	Tokenize func(ctx context.Context, text string) ([]int, error)
}

func (o RunOptions) reward() string {
	if o.Reward == "" {
		return "outcome"
	}
	return o.Reward
}

// PromptSpec is one prompt to sample a group of rollouts for.
type PromptSpec struct {
	Group string
	// PromptIDs are the prompt's token ids; when nil, PromptText is sent
	// and the ids are taken from the server's answer (prompt_token_ids).
	PromptIDs   []int
	PromptText  string
	GroundTruth string
}

// TextSampler samples from a text prompt and returns the prompt's token ids.
type TextSampler interface {
	SampleText(ctx context.Context, prompt string, n int, seed uint64) ([]Sample, []int, error)
}

// Rollouts samples n responses per prompt and returns them as records
// (traj_uid = group + "." + i) with prompt_token_ids, token_text,
// old_log_probs, token_scores.entropy (when the sampler gives entropies),
// ground_truth and the verifier's score in rewards.<reward>.
func Rollouts(ctx context.Context, prompts []PromptSpec, n int, o RunOptions) (*rollout.Batch, error) {
	b := &rollout.Batch{}
	for _, p := range prompts {
		var ss []Sample
		var err error
		ids := p.PromptIDs
		if ids == nil {
			ts, ok := o.Sampler.(TextSampler)
			if !ok {
				return nil, fmt.Errorf("prompt group %q: no prompt_token_ids, and the sampler takes token ids only", p.Group)
			}
			ss, ids, err = ts.SampleText(ctx, p.PromptText, n, Seed(o.Seed, p.Group))
		} else {
			ss, err = o.Sampler.Sample(ctx, ids, n, Seed(o.Seed, p.Group))
		}
		if err != nil {
			return nil, fmt.Errorf("prompt group %q: %w", p.Group, err)
		}
		for i, s := range ss {
			t := &rollout.Trajectory{ID: fmt.Sprintf("%s.%d", p.Group, i), Group: p.Group, GroundTruth: p.GroundTruth}
			if err := fill(ctx, t, nil, 0, s, ids, o); err != nil {
				return nil, err
			}
			if p.PromptText != "" {
				setExtra(t, FieldPromptText, p.PromptText)
			}
			b.Trajectories = append(b.Trajectories, t)
		}
	}
	return b, nil
}

// fill makes t the parent's first k tokens followed by sample s.
func fill(ctx context.Context, t, parent *rollout.Trajectory, k int, s Sample, prompt []int, o RunOptions) error {
	var ptext []string
	var err error
	if parent != nil {
		if ptext, err = TokenText(parent); err != nil {
			return err
		}
		if ptext == nil && k > 0 {
			return fmt.Errorf("traj_uid %q: field %s: missing, and the verifier needs the text of the first %d tokens", parent.ID, FieldTokenText, k)
		}
	}
	t.Tokens = make([]int64, 0, k+len(s.TokenIDs))
	if parent != nil {
		t.Tokens = append(t.Tokens, parent.Tokens[:k]...)
	}
	for _, id := range s.TokenIDs {
		t.Tokens = append(t.Tokens, int64(id))
	}
	if parent == nil || parent.OldLogProbs != nil {
		t.OldLogProbs = make([]float64, 0, len(t.Tokens))
		if parent != nil {
			t.OldLogProbs = append(t.OldLogProbs, parent.OldLogProbs[:k]...)
		}
		t.OldLogProbs = append(t.OldLogProbs, s.LogProbs...)
	}
	if parent != nil && parent.Mask != nil {
		t.Mask = append(append([]float64(nil), parent.Mask[:k]...), ones(len(s.TokenIDs))...)
	}
	var pent []float64
	if parent != nil {
		pent = parent.Scores[EntropyScore]
	}
	if s.Entropy != nil && (k == 0 || len(pent) >= k) {
		t.Scores = map[string][]float64{EntropyScore: append(append([]float64(nil), pent[:k]...), s.Entropy...)}
	}
	text := ""
	if s.TokenText != nil {
		tt := append(append([]string(nil), ptext[:min(k, len(ptext))]...), s.TokenText...)
		setExtra(t, FieldTokenText, tt)
	}
	for _, x := range ptext[:min(k, len(ptext))] {
		text += x
	}
	text += s.Text
	setExtra(t, FieldPrompt, prompt)
	setExtra(t, FieldFinish, s.Finish)
	score, err := o.Verifier.Score(ctx, text, t.GroundTruth, s.Finish)
	if err != nil {
		return fmt.Errorf("traj_uid %q: %w", t.ID, err)
	}
	t.Rewards = map[string]float64{o.reward(): score}
	return nil
}

// roleText is p's prompt text, its response text and suffix.
func roleText(p *rollout.Trajectory, suffix string) (string, error) {
	var prompt string
	raw, ok := p.Extra[FieldPromptText]
	if !ok || json.Unmarshal(raw, &prompt) != nil {
		return "", fmt.Errorf("traj_uid %q: field %s: missing or not a string (the role turn's prompt starts with it)", p.ID, FieldPromptText)
	}
	tt, err := TokenText(p)
	if err != nil {
		return "", err
	}
	if tt == nil {
		return "", fmt.Errorf("traj_uid %q: field %s: missing", p.ID, FieldTokenText)
	}
	return prompt + strings.Join(tt, "") + suffix, nil
}

func ones(n int) []float64 {
	v := make([]float64, n)
	for i := range v {
		v[i] = 1
	}
	return v
}

// Run samples every task and folds the samples into the batch: FoldTree and
// FoldProbe tasks append records (traj_uid = task id + "." + i, parent =
// {task.Parent, task.Token}, in task order), FoldMC tasks write the mean
// score into the parent's step value (a forced task: of its forced
// answers). It returns the number of samples (records appended, or
// answers scored).
func Run(ctx context.Context, b *rollout.Batch, tasks []Task, o RunOptions) (int, error) {
	byID := map[string]*rollout.Trajectory{}
	for _, t := range b.Trajectories {
		byID[t.ID] = t
	}
	type result struct {
		recs []*rollout.Trajectory
		mean float64
		err  error
	}
	res := make([]result, len(tasks))
	conc := o.Concurrency
	if conc <= 0 {
		conc = 8
	}
	sem := make(chan struct{}, conc)
	var wg sync.WaitGroup
	var mu sync.Mutex
	done := 0
	// spawn runs work for task i on one of conc goroutines: its error is
	// task i's, and the progress advances when it succeeds.
	spawn := func(i int, work func(r *result) error) {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			if err := work(&res[i]); err != nil {
				res[i].err = err
				return
			}
			if o.Progress != nil {
				mu.Lock()
				done++
				o.Progress(done, len(tasks))
				mu.Unlock()
			}
		}()
	}
	forced := map[string][]int{}
	tasks = append([]Task(nil), tasks...) // force ids are filled in below
	for i, tk := range tasks {
		if tk.Force == "" {
			continue
		}
		if tk.Fold != FoldMC {
			return 0, fmt.Errorf("task %s: a forced suffix needs fold %q, not %q", tk.ID, FoldMC, tk.Fold)
		}
		if len(tk.ForceIDs) > 0 {
			continue
		}
		if _, ok := forced[tk.Force]; !ok {
			if o.Tokenize == nil {
				return 0, fmt.Errorf("task %s: the forced suffix %q has no force_ids and there is no tokenizer", tk.ID, tk.Force)
			}
			ids, err := o.Tokenize(ctx, tk.Force)
			if err != nil {
				return 0, fmt.Errorf("task %s: tokenizing the forced suffix %q: %w", tk.ID, tk.Force, err)
			}
			if len(ids) == 0 {
				return 0, fmt.Errorf("task %s: the forced suffix %q tokenizes to nothing", tk.ID, tk.Force)
			}
			forced[tk.Force] = ids
		}
		tasks[i].ForceIDs = forced[tk.Force]
	}
	for i, tk := range tasks {
		p := byID[tk.Parent]
		if p == nil {
			return 0, fmt.Errorf("task %s: parent %q is not in the batch", tk.ID, tk.Parent)
		}
		if tk.Token < 0 || tk.Token > p.Len() || tk.N < 1 {
			return 0, fmt.Errorf("task %s: token %d of a %d-token parent, n %d", tk.ID, tk.Token, p.Len(), tk.N)
		}
		if tk.Fold == FoldMC {
			// the value goes to the step the prefix ends with: a plan made
			// from other steps (other --line-steps or --budgets) must not
			// write into the wrong one
			if tk.Step < 0 || tk.Step >= len(p.Steps) {
				return 0, fmt.Errorf("task %s: step %d, but traj_uid %q has %d steps (was the plan made from these records, with the same --line-steps and --budgets?)", tk.ID, tk.Step, p.ID, len(p.Steps))
			}
			if e := p.Steps[tk.Step].End; e != tk.Token {
				return 0, fmt.Errorf("task %s: prefix of %d tokens, but step %d of traj_uid %q ends at token %d (was the plan made from these records, with the same --line-steps and --budgets?)", tk.ID, tk.Token, tk.Step, p.ID, e)
			}
		}
		if tk.Fold == FoldRole {
			text, err := roleText(p, tk.Suffix)
			if err != nil {
				return 0, fmt.Errorf("task %s: %w", tk.ID, err)
			}
			ts, ok := o.Sampler.(TextSampler)
			if !ok {
				return 0, fmt.Errorf("task %s: role turns need a sampler that takes text prompts", tk.ID)
			}
			spawn(i, func(r *result) error {
				ss, ids, err := ts.SampleText(ctx, text, tk.N, Seed(o.Seed, tk.ID))
				if err != nil {
					return fmt.Errorf("task %s: %w", tk.ID, err)
				}
				for j, s := range ss {
					t := &rollout.Trajectory{ID: fmt.Sprintf("%s.%d", tk.ID, j), Group: p.Group, GroundTruth: p.GroundTruth,
						Parent: &rollout.Branch{Trajectory: p.ID, Token: 0}}
					if err := fill(ctx, t, nil, 0, s, ids, o); err != nil {
						return fmt.Errorf("task %s: %w", tk.ID, err)
					}
					setExtra(t, FieldPromptText, text)
					setExtra(t, FieldRole, tk.Role)
					r.recs = append(r.recs, t)
				}
				return nil
			})
			continue
		}
		prompt, err := Prompt(p)
		if err != nil {
			return 0, err
		}
		full := append(append([]int(nil), prompt...), make([]int, tk.Token)...)
		for k, id := range p.Tokens[:tk.Token] {
			full[len(prompt)+k] = int(id)
		}
		if tk.Force != "" {
			full = append(full, tk.ForceIDs...)
			spawn(i, func(r *result) error {
				ss, err := o.Sampler.Sample(ctx, full, tk.N, Seed(o.Seed, tk.ID))
				if err != nil {
					return fmt.Errorf("task %s: %w", tk.ID, err)
				}
				sum := 0.0
				for j, s := range ss {
					v, err := o.Verifier.Score(ctx, tk.Force+s.Text, p.GroundTruth, s.Finish)
					if err != nil {
						return fmt.Errorf("task %s: sample %d: %w", tk.ID, j, err)
					}
					sum += v
				}
				r.mean = sum / float64(len(ss))
				return nil
			})
			continue
		}
		spawn(i, func(r *result) error {
			ss, err := o.Sampler.Sample(ctx, full, tk.N, Seed(o.Seed, tk.ID))
			if err != nil {
				return fmt.Errorf("task %s: %w", tk.ID, err)
			}
			sum := 0.0
			for j, s := range ss {
				t := &rollout.Trajectory{ID: fmt.Sprintf("%s.%d", tk.ID, j), Group: p.Group, GroundTruth: p.GroundTruth,
					Parent: &rollout.Branch{Trajectory: p.ID, Token: tk.Token}, Probe: tk.Fold == FoldProbe}
				if err := fill(ctx, t, p, tk.Token, s, prompt, o); err != nil {
					return fmt.Errorf("task %s: %w", tk.ID, err)
				}
				sum += t.Rewards[o.reward()]
				r.recs = append(r.recs, t)
			}
			r.mean = sum / float64(len(ss))
			return nil
		})
	}
	wg.Wait()
	n := 0
	for i, tk := range tasks {
		if res[i].err != nil {
			return 0, res[i].err
		}
		n += len(res[i].recs)
		if tk.Force != "" {
			n += tk.N
		}
		switch tk.Fold {
		case FoldTree, FoldProbe, FoldRole:
			b.Trajectories = append(b.Trajectories, res[i].recs...)
		case FoldMC:
			p := byID[tk.Parent]
			if tk.Step < 0 || tk.Step >= len(p.Steps) {
				return 0, fmt.Errorf("task %s: step %d, but traj_uid %q has %d steps (was the plan made from these records, with the same --line-steps?)", tk.ID, tk.Step, p.ID, len(p.Steps))
			}
			if tk.Rewards {
				setStepReward(p, tk.Step, tk.ValueKey, res[i].mean)
			} else {
				setStepValue(p, tk.Step, tk.ValueKey, res[i].mean)
			}
		default:
			return 0, fmt.Errorf("task %s: unknown fold %q", tk.ID, tk.Fold)
		}
	}
	return n, nil
}
