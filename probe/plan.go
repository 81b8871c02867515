package probe

import (
	"context"
	"errors"
	"fmt"
	"sort"

	"github.com/credo-rl/credo/method/process"
	"github.com/credo-rl/credo/method/tree"
	"github.com/credo-rl/credo/rollout"
)

// PlanOptions configure the planners. Zero fields take the defaults below.
type PlanOptions struct {
	// SPO-tree: Branch[d] children per node at depth d+1 (default 3,3;
	// the group's own responses are the root's children), Segment tokens
	// per tree segment (default 8). SPO's paper uses fixed-length segments
	// and a fixed branching factor per level (arXiv:2505.23564 §SPO-tree);
	// the sizes are the user's.
	Branch  []int
	Segment int
	// TreeRL's EPTree (arXiv:2506.11902, §EPTree): each iteration forks
	// the Top highest-entropy tokens of the tree's newest generation into
	// Fork new continuations each, for Iters iterations (defaults 2, 2, 1).
	Top, Fork, Iters int
	// Samples per Monte Carlo estimate (SPO-chain default 9, OmegaPRM and
	// VSRM default 8).
	Samples int
	// SPO-chain's cutpoint options (tree.DefaultChainPlanOptions).
	ProbThreshold float64
	Interval      int
	// ValueKey is the step value written by OmegaPRM and VSRM, and read by
	// SPO-chain's planner to skip trajectories with given values
	// (default "mc").
	ValueKey string
	// Threshold: OmegaPRM's MC(prefix) > Threshold means correct (0).
	Threshold float64
	// Reward is the outcome channel (default "outcome").
	Reward string
	// MALT (arXiv:2412.01928): MALTBranch samples per node at each of the
	// verifier and refiner turns (default 3: 3 × 3 × 3 leaves per
	// question), and the text appended to the parent's prompt and
	// response to make each turn's prompt (defaults VerifierSuffix and
	// RefinerSuffix, credo's wording).
	MALTBranch int
	// BRPO: Budgets are the truncation points in response tokens,
	// increasing (default 16, 32, 64, 128); BudgetKind and Score name the
	// budget steps and their score reward (defaults "budget", "score").
	Budgets                       []int
	BudgetKind, Score             string
	VerifierSuffix, RefinerSuffix string
	// Force, for VSRM and BRPO, is the forced-answer suffix put after each
	// prefix (e.g. "</think>\nThe answer is "); the samples are the
	// answers it forces and the verifier scores Force + answer. ForceIDs
	// are its token ids when known (else Run tokenizes it). Empty: free
	// continuations of the prefix, scored with the prefix.
	Force    string
	ForceIDs []int
}

// Default MALT turn suffixes (credo's wording; the paper's prompts are
// role instructions of the same kind).
const (
	VerifierSuffix = "\nVerify the solution above step by step and point out any error.\n"
	RefinerSuffix  = "\nUsing the verification above, write the corrected final solution.\n"
)

func (o PlanOptions) withDefaults() PlanOptions {
	if len(o.Branch) == 0 {
		o.Branch = []int{3, 3}
	}
	if o.Segment == 0 {
		o.Segment = 8
	}
	if o.Top == 0 {
		o.Top = 2
	}
	if o.Fork == 0 {
		o.Fork = 2
	}
	if o.Iters == 0 {
		o.Iters = 1
	}
	if o.ValueKey == "" {
		o.ValueKey = "mc"
	}
	if o.Reward == "" {
		o.Reward = "outcome"
	}
	if len(o.Budgets) == 0 {
		o.Budgets = []int{16, 32, 64, 128}
	}
	if o.BudgetKind == "" {
		o.BudgetKind = "budget"
	}
	if o.Score == "" {
		o.Score = "score"
	}
	if o.MALTBranch == 0 {
		o.MALTBranch = 3
	}
	if o.VerifierSuffix == "" {
		o.VerifierSuffix = VerifierSuffix
	}
	if o.RefinerSuffix == "" {
		o.RefinerSuffix = RefinerSuffix
	}
	return o
}

// Methods are the methods Plan knows.
var Methods = []string{"spo.tree", "treerl.group_trie", "spo.chain", "omegaprm.labels", "vsrm", "groundedprm.labels", "malt", "brpo"}

// Plan lists the continuations method still needs for batch b (empty when
// it has all it needs). It may also write what is known without sampling
// (OmegaPRM: a solution's value after its last step is its own outcome).
func Plan(b *rollout.Batch, method string, o PlanOptions) ([]Task, error) {
	o = o.withDefaults()
	if err := Prepare(b, method, o); err != nil {
		return nil, err
	}
	switch method {
	case "spo.tree":
		return planSPOTree(b, o)
	case "treerl", "treerl.group_trie":
		return planTreeRL(b, o)
	case "spo.chain":
		opt := tree.DefaultChainPlanOptions()
		if o.Samples > 0 {
			opt.Samples = o.Samples
		}
		if o.ProbThreshold > 0 {
			opt.ProbThreshold = o.ProbThreshold
		}
		if o.Interval > 0 {
			opt.Interval = o.Interval
		}
		if hasProbes(b) {
			return nil, nil // probes were sampled for this batch already
		}
		reqs, err := tree.PlanChainProbes(b, o.ValueKey, opt)
		if err != nil {
			return nil, err
		}
		tasks := make([]Task, len(reqs))
		for i, r := range reqs {
			tasks[i] = Task{ID: fmt.Sprintf("%s@%d", r.Trajectory, r.Prefix), Method: "spo.chain", Group: r.Group, Parent: r.Trajectory,
				Token: r.Prefix, N: r.Samples, Fold: FoldProbe}
		}
		return tasks, nil
	case "omegaprm", "omegaprm.labels":
		return planOmega(b, o)
	case "vsrm", "groundedprm.labels":
		return planVSRM(b, o, method)
	case "malt":
		return planMALT(b, o)
	case "brpo":
		return planBRPO(b, o)
	}
	return nil, fmt.Errorf("probe: no planner for method %q (have %v)", method, Methods)
}

func hasProbes(b *rollout.Batch) bool {
	for _, t := range b.Trajectories {
		if t.Probe {
			return true
		}
	}
	return false
}

// forest indexes a batch's parent links.
type forest struct {
	byID    map[string]*rollout.Trajectory
	attach  map[string][]int // parent id -> sorted cut positions of its children
	gen     map[string]int   // generation: 0 for roots, parent's + 1
	level   map[string]int   // tree depth of the node where the record starts
	visited map[string]bool
}

func newForest(b *rollout.Batch) (*forest, error) {
	f := &forest{byID: map[string]*rollout.Trajectory{}, attach: map[string][]int{}, gen: map[string]int{}, level: map[string]int{}, visited: map[string]bool{}}
	for _, t := range b.Trajectories {
		if t.Probe {
			continue
		}
		if _, dup := f.byID[t.ID]; dup {
			return nil, fmt.Errorf("probe: traj_uid %q appears twice", t.ID)
		}
		f.byID[t.ID] = t
	}
	for _, t := range b.Trajectories {
		if t.Probe || t.Parent == nil {
			continue
		}
		if f.byID[t.Parent.Trajectory] == nil {
			return nil, fmt.Errorf("probe: traj_uid %q: parent %q is not in the batch", t.ID, t.Parent.Trajectory)
		}
		f.attach[t.Parent.Trajectory] = append(f.attach[t.Parent.Trajectory], t.Parent.Token)
	}
	for k := range f.attach {
		sort.Ints(f.attach[k])
	}
	for _, t := range b.Trajectories {
		if !t.Probe {
			if _, err := f.walk(t); err != nil {
				return nil, err
			}
		}
	}
	return f, nil
}

// walk fills gen and level of t.
func (f *forest) walk(t *rollout.Trajectory) (int, error) {
	if g, ok := f.gen[t.ID]; ok {
		return g, nil
	}
	if f.visited[t.ID] {
		return 0, fmt.Errorf("probe: traj_uid %q: parent links form a cycle", t.ID)
	}
	f.visited[t.ID] = true
	if t.Parent == nil {
		f.gen[t.ID], f.level[t.ID] = 0, 0
		return 0, nil
	}
	p := f.byID[t.Parent.Trajectory]
	g, err := f.walk(p)
	if err != nil {
		return 0, err
	}
	// children attached at the same cut count once: they share the node
	n := countDistinct(f.attach[p.ID], t.Parent.Token)
	f.gen[t.ID], f.level[t.ID] = g+1, f.level[p.ID]+n
	return g + 1, nil
}

func countDistinct(cuts []int, upTo int) int {
	n, last := 0, -1
	for _, c := range cuts {
		if c <= upTo && c != last {
			n++
			last = c
		}
	}
	return n
}

func start(t *rollout.Trajectory) int {
	if t.Parent == nil {
		return 0
	}
	return t.Parent.Token
}

// planSPOTree grows every record's tail segment: a record whose tail
// starts at depth d < len(Branch) and is longer than Segment gets
// Branch[d] − 1 siblings at its cut (the record itself continues as one of
// the Branch[d] children of the node).
func planSPOTree(b *rollout.Batch, o PlanOptions) ([]Task, error) {
	f, err := newForest(b)
	if err != nil {
		return nil, err
	}
	var tasks []Task
	for _, t := range b.Trajectories {
		if t.Probe {
			continue
		}
		cuts := f.attach[t.ID]
		d := f.level[t.ID] + countDistinct(cuts, t.Len())
		last := start(t)
		if len(cuts) > 0 {
			last = cuts[len(cuts)-1]
		}
		c := last + o.Segment
		if d >= len(o.Branch) || c >= t.LastValid()+1 || o.Branch[d] < 2 {
			continue
		}
		tasks = append(tasks, Task{ID: fmt.Sprintf("%s@%d", t.ID, c), Method: "spo.tree", Group: t.Group, Parent: t.ID, Token: c,
			N: o.Branch[d] - 1, Fold: FoldTree})
	}
	return tasks, nil
}

// planTreeRL forks, per group, the Top highest-entropy tokens of the
// newest generation's own segments (ties: earlier record, earlier token)
// into Fork continuations each, resampling from the token on (the child
// shares the tokens before it), until the group has Iters generations
// beyond its roots. Entropies come from token_scores.entropy; without them
// −old_log_probs (the sampled token's surprisal) is used.
func planTreeRL(b *rollout.Batch, o PlanOptions) ([]Task, error) {
	f, err := newForest(b)
	if err != nil {
		return nil, err
	}
	type cand struct {
		row, pos int
		h        float64
	}
	groups := map[string][]int{}
	var order []string
	for i, t := range b.Trajectories {
		if t.Probe {
			continue
		}
		if _, ok := groups[t.Group]; !ok {
			order = append(order, t.Group)
		}
		groups[t.Group] = append(groups[t.Group], i)
	}
	var tasks []Task
	for _, g := range order {
		newest := 0
		for _, i := range groups[g] {
			newest = max(newest, f.gen[b.Trajectories[i].ID])
		}
		if newest >= o.Iters {
			continue
		}
		var cs []cand
		for _, i := range groups[g] {
			t := b.Trajectories[i]
			if f.gen[t.ID] != newest {
				continue
			}
			h := t.Scores[EntropyScore]
			if h == nil {
				if t.OldLogProbs == nil {
					return nil, fmt.Errorf("probe: treerl: traj_uid %q has neither token_scores.%s nor old_log_probs to choose forks by", t.ID, EntropyScore)
				}
				h = make([]float64, t.Len())
				for k, lp := range t.OldLogProbs {
					h[k] = -lp
				}
			}
			if len(h) != t.Len() {
				return nil, fmt.Errorf("probe: treerl: traj_uid %q: token_scores.%s has %d values for %d tokens", t.ID, EntropyScore, len(h), t.Len())
			}
			for k := start(t) + 1; k <= t.LastValid(); k++ {
				if t.MaskAt(k) != 0 {
					cs = append(cs, cand{i, k, h[k]})
				}
			}
		}
		sort.SliceStable(cs, func(a, c int) bool { return cs[a].h > cs[c].h })
		for _, c := range cs[:min(o.Top, len(cs))] {
			t := b.Trajectories[c.row]
			tasks = append(tasks, Task{ID: fmt.Sprintf("%s@%d", t.ID, c.pos), Method: "treerl.group_trie", Group: g, Parent: t.ID,
				Token: c.pos, N: o.Fork, Fold: FoldTree})
		}
	}
	return tasks, nil
}

// planOmega runs OmegaPRM's binary search for the first error of every
// solution over the step values known so far and asks for the MC value
// the search needs next (the prefix through step mid, Samples
// continuations). A solution's value after its last step is its outcome
// (written here, no sampling). Once every search is done, the steps the
// search did not visit are planned too, because omegaprm.labels reads a
// value at every step (the labels themselves depend only on the visited
// values in binary mode).
func planOmega(b *rollout.Batch, o PlanOptions) ([]Task, error) {
	if o.Samples == 0 {
		o.Samples = 8
	}
	var tasks, fill []Task
	for i, t := range b.Trajectories {
		if t.Probe {
			continue
		}
		top := t.TopSteps()
		if len(top) == 0 {
			return nil, fmt.Errorf("probe: omegaprm: trajectory %d (traj_uid %q) has no steps", i, t.ID)
		}
		last := top[len(top)-1]
		need := -1
		if t.Steps[last].Values[o.ValueKey] <= o.Threshold {
			_, err := process.FirstError(len(top), func(k int) (float64, error) {
				v, ok := t.Steps[top[k-1]].Values[o.ValueKey]
				if !ok {
					need = top[k-1]
					return 0, errNeed
				}
				return v, nil
			}, o.Threshold)
			if err != nil && !errors.Is(err, errNeed) {
				return nil, fmt.Errorf("probe: omegaprm: traj_uid %q: %w", t.ID, err)
			}
		}
		if need >= 0 {
			tasks = append(tasks, mcTask(t, need, o, "omegaprm.labels"))
			continue
		}
		for _, s := range top {
			if _, ok := t.Steps[s].Values[o.ValueKey]; !ok {
				fill = append(fill, mcTask(t, s, o, "omegaprm.labels"))
			}
		}
	}
	if len(tasks) > 0 {
		return tasks, nil
	}
	return fill, nil
}

// Prepare writes what a method's plan knows without sampling: for
// OmegaPRM, and for VSRM with a forced answer, a solution's value after
// its last step is its own outcome (rewards.<reward>: the answer it gave
// is the one a suffix would force); for BRPO, the budget steps. Plan calls
// it; a run of a saved plan calls it too.
func Prepare(b *rollout.Batch, method string, o PlanOptions) error {
	o = o.withDefaults()
	if method == "brpo" {
		return prepareBRPO(b, o)
	}
	if method != "omegaprm" && method != "omegaprm.labels" && (method != "vsrm" || o.Force == "") {
		return nil
	}
	for i, t := range b.Trajectories {
		top := t.TopSteps()
		if t.Probe || len(top) == 0 {
			continue
		}
		last := top[len(top)-1]
		if _, ok := t.Steps[last].Values[o.ValueKey]; !ok {
			r, ok := t.Rewards[o.Reward]
			if !ok {
				return fmt.Errorf("probe: %s: trajectory %d (traj_uid %q) has no rewards.%s", method, i, t.ID, o.Reward)
			}
			setStepValue(t, last, o.ValueKey, r)
		}
	}
	return nil
}

var errNeed = errors.New("value needed")

func mcTask(t *rollout.Trajectory, step int, o PlanOptions, method string) Task {
	end := t.Steps[step].End
	return Task{ID: fmt.Sprintf("%s#s%d", t.ID, step), Method: method, Group: t.Group, Parent: t.ID, Token: end, N: o.Samples,
		Fold: FoldMC, Step: step, ValueKey: o.ValueKey}
}

func setStepValue(t *rollout.Trajectory, step int, key string, v float64) {
	steps := append([]rollout.Step(nil), t.Steps...)
	vals := map[string]float64{}
	for k, x := range steps[step].Values {
		vals[k] = x
	}
	vals[key] = v
	steps[step].Values = vals
	t.Steps = steps
}

// planVSRM asks for the MC accuracy after every step without a value
// (VSRM, arXiv:2508.10293: the accuracy of answers forced after each
// step). With Force the samples are the answers forced by the suffix
// after the step; without it they are free continuations from the step
// boundary (credo's simplification).
//
// GroundedPRM's MC values are planned the same way (one estimate per step).
func planVSRM(b *rollout.Batch, o PlanOptions, method string) ([]Task, error) {
	if o.Samples == 0 {
		o.Samples = 8
	}
	var tasks []Task
	for i, t := range b.Trajectories {
		if t.Probe {
			continue
		}
		top := t.TopSteps()
		if len(top) == 0 {
			return nil, fmt.Errorf("probe: %s: trajectory %d (traj_uid %q) has no steps", method, i, t.ID)
		}
		for _, s := range top {
			if _, ok := t.Steps[s].Values[o.ValueKey]; !ok {
				tk := mcTask(t, s, o, method)
				if method == "vsrm" {
					tk.Force, tk.ForceIDs = o.Force, o.ForceIDs
				}
				tasks = append(tasks, tk)
			}
		}
	}
	return tasks, nil
}

// Expand plans and runs until the plan is empty (at most maxRounds rounds,
// default 64), and returns the number of rounds and samples.
func Expand(ctx context.Context, b *rollout.Batch, method string, po PlanOptions, ro RunOptions, maxRounds int) (rounds, samples int, err error) {
	if maxRounds <= 0 {
		maxRounds = 64
	}
	if ro.Reward == "" {
		ro.Reward = po.withDefaults().Reward
	}
	for rounds = 0; rounds < maxRounds; rounds++ {
		tasks, err := Plan(b, method, po)
		if err != nil {
			return rounds, samples, err
		}
		if len(tasks) == 0 {
			return rounds, samples, nil
		}
		n, err := Run(ctx, b, tasks, ro)
		samples += n
		if err != nil {
			return rounds, samples, err
		}
	}
	return rounds, samples, fmt.Errorf("probe: %s: still planning after %d rounds", method, maxRounds)
}

// planMALT grows MALT's generator → verifier → refiner tree: every
// generator output (a record without parent) without children gets
// MALTBranch verifier turns, every verifier turn MALTBranch refiner turns.
// A turn's prompt is its parent's prompt and response followed by the
// role's suffix; the verifier's and refiner's turns are child records
// linked by parent.traj_uid (MALT ignores parent.token). Leaves (refiner
// outputs) are scored by the verifier against ground_truth.
func planMALT(b *rollout.Batch, o PlanOptions) ([]Task, error) {
	f, err := newForest(b)
	if err != nil {
		return nil, err
	}
	var tasks []Task
	for _, t := range b.Trajectories {
		if t.Probe || len(f.attach[t.ID]) > 0 {
			continue
		}
		switch f.gen[t.ID] {
		case 0:
			tasks = append(tasks, Task{ID: t.ID + "/v", Method: "malt", Group: t.Group, Parent: t.ID, N: o.MALTBranch, Fold: FoldRole, Suffix: o.VerifierSuffix, Role: "verifier"})
		case 1:
			tasks = append(tasks, Task{ID: t.ID + "/r", Method: "malt", Group: t.Group, Parent: t.ID, N: o.MALTBranch, Fold: FoldRole, Suffix: o.RefinerSuffix, Role: "refiner"})
		}
	}
	return tasks, nil
}

func setStepReward(t *rollout.Trajectory, step int, key string, v float64) {
	steps := append([]rollout.Step(nil), t.Steps...)
	r := map[string]float64{}
	for k, x := range steps[step].Rewards {
		r[k] = x
	}
	r[key] = v
	steps[step].Rewards = r
	t.Steps = steps
}

// prepareBRPO gives every trace without budget steps one step of kind
// BudgetKind per budget: [b_{j−1}, b_j) clipped to the response (empty
// past its end). A budget at or past the trace's end scores the trace's
// own outcome: truncating there leaves the whole trace (credo's shortcut:
// the reference samples a summary anyway).
func prepareBRPO(b *rollout.Batch, o PlanOptions) error {
	for i, bj := range o.Budgets {
		if bj < 1 || (i > 0 && bj <= o.Budgets[i-1]) {
			return fmt.Errorf("probe: brpo: budgets %v: want increasing positive token counts", o.Budgets)
		}
	}
	for i, t := range b.Trajectories {
		if t.Probe {
			continue
		}
		has := false
		for _, s := range t.Steps {
			has = has || s.Kind == o.BudgetKind
		}
		if has {
			continue
		}
		n := t.LastValid() + 1
		prev := 0
		for _, bj := range o.Budgets {
			s := rollout.Step{Start: min(prev, n), End: min(bj, n), Kind: o.BudgetKind}
			if bj >= n {
				r, ok := t.Rewards[o.Reward]
				if !ok {
					return fmt.Errorf("probe: brpo: trajectory %d (traj_uid %q) has no rewards.%s", i, t.ID, o.Reward)
				}
				s.Rewards = map[string]float64{o.Score: r}
			}
			t.Steps = append(t.Steps, s)
			prev = bj
		}
	}
	return nil
}

// planBRPO asks, for every budget step without a score, for Samples
// continuations of the trace truncated at the budget (BRPO,
// arXiv:2505.13438: answers after truncated thinking; with Force the
// samples are the answers forced by the end-of-thinking suffix put at the
// cut, without it free continuations from the cut, credo's
// simplification) and writes their mean verifier score to the step's
// rewards.<Score>.
func planBRPO(b *rollout.Batch, o PlanOptions) ([]Task, error) {
	if o.Samples == 0 {
		o.Samples = 4
	}
	var tasks []Task
	for _, t := range b.Trajectories {
		if t.Probe {
			continue
		}
		for k, s := range t.Steps {
			if s.Kind != o.BudgetKind {
				continue
			}
			if _, ok := s.Rewards[o.Score]; ok {
				continue
			}
			tasks = append(tasks, Task{ID: fmt.Sprintf("%s#b%d", t.ID, s.End), Method: "brpo", Group: t.Group, Parent: t.ID, Token: s.End,
				N: o.Samples, Fold: FoldMC, Step: k, ValueKey: o.Score, Rewards: true, Force: o.Force, ForceIDs: o.ForceIDs})
		}
	}
	return tasks, nil
}
