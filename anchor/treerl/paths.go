package treerl

import (
	"fmt"
	"math"
	"slices"
)

// NormStyle selects the re-centring of accumulated step values
// (the reference's overall_norm_style).
type NormStyle int

const (
	// NormToken ("token", the reference default) subtracts the token-weighted
	// mean mu = sum_s acc_s*|s| / sum_s n_s*|s|.
	NormToken NormStyle = iota
	// NormStep ("step") subtracts mu = sum_s acc_s / sum_s n_s.
	NormStep
	// NormNone (any other style in the reference, e.g. "none") leaves the
	// accumulated values unchanged.
	NormNone
)

// WeightStyle selects the re-weighting of Options.UseWeightedValue
// (the reference's weighted_value_style).
type WeightStyle int

const (
	// WeightUniform ("uniform", the reference default) divides a step's
	// accumulated value by its number of selected leaves.
	WeightUniform WeightStyle = iota
	// WeightSqrt ("sqrt", the paper's setting) divides by the square root of
	// that number.
	WeightSqrt
	// WeightOriginal ("original") leaves the values unchanged.
	WeightOriginal
)

// Mode selects the per-step value returned along each path (the flags of the
// reference's gather_paths; when several are set there, the first of
// advantage_mix_allancestor, use_chain_reward, use_orm_reward,
// use_state_value_reward, use_value_only wins).
type Mode int

const (
	// ModeAdvantage (no flag): value = V(s) - V(parent(s)), the local
	// advantage, with fill-in.
	ModeAdvantage Mode = iota
	// ModeStateValue (use_state_value_reward): value = (V(s) - V(parent)) +
	// V(s), the paper's global plus local advantage, with fill-in before
	// the sum.
	ModeStateValue
	// ModeValueOnly (use_value_only): value = V(s).
	ModeValueOnly
	// ModeORM (use_orm_reward): value = (V(s) - V(parent)) + the path's
	// leave-one-out-centred leaf value, fill-in before the sum.
	ModeORM
	// ModeChain (use_chain_reward): value = the path's leave-one-out-centred
	// leaf value on every step.
	ModeChain
	// ModeAncestor (advantage_mix_allancestor): value = the mean over all
	// ancestors a of s, the virtual root included, of V(s) - V(a); no
	// fill-in.
	ModeAncestor
)

// Options are the hyper-parameters of TreePaths. The zero value is the
// reference's defaults (build_into_tree_format and gather_paths keyword
// defaults, with all leaves selected).
type Options struct {
	// AverageOneGeneration replaces, before re-centring, every step's
	// accumulated value by the mean of its children's (recursively, over
	// children with leaves) and then uses accumulated values directly as
	// V(s) instead of acc/n.
	AverageOneGeneration bool
	// InnerRepetitionPenalty sets a leaf's normalised reward to -1 when its
	// generation's FinishReason is not "stop".
	InnerRepetitionPenalty bool
	// NormStyle is the re-centring (default NormToken).
	NormStyle NormStyle
	// UseWeightedValue divides accumulated values by a function (WeightStyle)
	// of the number of selected leaves below each step.
	UseWeightedValue bool
	// WeightStyle is that function (default WeightUniform).
	WeightStyle WeightStyle
	// Mode is the returned per-step value (default ModeAdvantage).
	Mode Mode
	// Selected lists the leaves (indices into Result.Leaves, construction
	// order) that get a path and count for UseWeightedValue, in path order.
	// nil selects every leaf in construction order (the reference's
	// use_all_terminals); the reference's random selection otherwise is left
	// to the caller.
	Selected []int
}

// Leaf identifies a leaf of the step tree: the generation whose tail it is.
type Leaf struct {
	Tree, Node int
}

// Step is one step of a root-to-leaf path: tokens [Start, End) of generation
// Node of tree Tree, with its credit.
type Step struct {
	Tree, Node int
	Start, End int
	// Value is the credit of the step under Options.Mode.
	Value float64
	// StateValue is V(s): acc/n (or acc with AverageOneGeneration).
	StateValue float64
	// PassRatio is the fraction of the step's leaves with BinaryScore 1.
	PassRatio float64
}

// Result is the output of TreePaths.
type Result struct {
	// RewardRaw is the mean raw Score over all leaves.
	RewardRaw float64
	// Leaves lists every leaf in construction order.
	Leaves []Leaf
	// Paths holds one root-to-leaf path per selected leaf (the virtual root
	// above the trees is not a step).
	Paths [][]Step
}

// LeaveOneOut centres each value on the mean of the others:
// out_i = v_i - (sum_j v_j - v_i)/(n-1), with the sum taken left to right as
// the reference does. With fewer than two values it returns a copy of v
// (the reference's normalize_selected_terminals; its leaf_normalize instead
// rejects a single leaf, see TreePaths).
//
// Reference: THUDM/TreeRL@f0edbea6f2f6392c46d297f83fb4929a9524266e
// openrlhf/trainer/ppo_utils/tree_node.py::leaf_normalize and
// openrlhf/trainer/ppo_utils/parallel_mcts.py::normalize_selected_terminals
func LeaveOneOut(v []float64) []float64 {
	out := slices.Clone(v)
	if len(v) < 2 {
		return out
	}
	sum := 0.0
	for _, x := range v {
		sum += x
	}
	num := float64(len(v) - 1)
	for i, x := range v {
		out[i] = x - (sum-x)/num
	}
	return out
}

// TreePaths computes TreeRL's per-step credit of an EPTree forest and returns
// one root-to-leaf path per selected leaf. Pipeline (reference order):
//
//  1. Steps: every generation is cut at its children's fork points (see
//     TreeNode); a generation's last step is a leaf with R = Score and
//     correct = (BinaryScore == 1). Leaves are numbered in construction
//     order (depth first; a generation's tail comes after the subtrees of
//     its earlier fork groups and before those of its last one).
//  2. Leaf normalisation over ALL leaves of the forest:
//     R_i <- R_i - (sum_j R_j - R_i)/(N-1); with InnerRepetitionPenalty,
//     R_i <- -1 when FinishReason != "stop". RewardRaw = mean raw R.
//  3. Accumulation: acc(s) = sum of R over the leaves below s (a leaf's acc
//     is its R), n(s) = number of those leaves, correct(s) = number of
//     correct ones; summed leaf by leaf in leaf order.
//     AverageOneGeneration then sets acc(s) = mean of acc over the children
//     with leaves, bottom up.
//  4. Re-centring over all steps with leaves, the virtual root included, in
//     breadth-first order: NormToken mu = sum acc*|s| / sum n*|s|, NormStep
//     mu = sum acc / sum n; acc <- acc - mu*n (mu = 0 if the denominator is
//     0).
//  5. UseWeightedValue: acc(s) <- acc(s)/sqrt(k(s)) (WeightSqrt) or
//     acc(s)/k(s) (WeightUniform), k(s) = selected leaves below s.
//  6. Paths: V(s) = acc(s)/n(s) (acc(s) with AverageOneGeneration);
//     StateValue = V(s), Value = V(s) - V(parent(s)), PassRatio =
//     correct/n; then, except in ModeAncestor, fill-in: a Value with
//     |Value| < 1e-8 at step index >= 1 takes the previous step's Value;
//     then the Mode is applied.
//
// Note: in the chain and ORM modes the reference finds a path's leaf value
// with paths.index(path), a lookup by content equality on paths it is
// updating in place. A path can only equal another one if their leaves have
// the same state value, hence the same leaf value, so the lookup always
// yields the path's own leaf value, which is what this function uses.
//
// Errors: a forest with fewer than two leaves (the reference asserts),
// malformed trees (node 0 not the root, parent out of range or cyclic,
// SplitIdx outside the parent's tokens), non-finite scores, unknown option
// values, a Selected index out of range.
//
// Paper: Hou et al., "TreeRL: LLM Reinforcement Learning with On-Policy Tree
// Search", arXiv:2506.11902 (EPTree, process supervision from the tree).
// Reference: THUDM/TreeRL@f0edbea6f2f6392c46d297f83fb4929a9524266e
// openrlhf/trainer/ppo_utils/tree_node.py::build_into_tree_format +
// openrlhf/trainer/ppo_utils/parallel_mcts.py::gather_paths
func TreePaths(trees [][]TreeNode, opts Options) (*Result, error) {
	const fn = "treerl.tree_paths"
	if opts.NormStyle < NormToken || opts.NormStyle > NormNone {
		return nil, fmt.Errorf("%s: unknown norm style %d", fn, opts.NormStyle)
	}
	if opts.WeightStyle < WeightUniform || opts.WeightStyle > WeightOriginal {
		return nil, fmt.Errorf("%s: unknown weight style %d", fn, opts.WeightStyle)
	}
	if opts.Mode < ModeAdvantage || opts.Mode > ModeAncestor {
		return nil, fmt.Errorf("%s: unknown mode %d", fn, opts.Mode)
	}
	kids, err := validateForest(fn, trees)
	if err != nil {
		return nil, err
	}
	st := buildSteps(trees, kids)
	segs := st.segs
	nLeaves := len(st.leaves)
	if nLeaves < 2 {
		return nil, fmt.Errorf("%s: the forest has %d leaves, leave-one-out normalisation needs at least 2", fn, nLeaves)
	}
	res := &Result{Leaves: make([]Leaf, nLeaves)}
	for i, s := range st.leaves {
		res.Leaves[i] = Leaf{Tree: segs[s].tree, Node: segs[s].node}
	}
	for _, k := range opts.Selected {
		if k < 0 || k >= nLeaves {
			return nil, fmt.Errorf("%s: selected leaf %d is out of range [0, %d)", fn, k, nLeaves)
		}
	}

	// 2-3. Leaf normalisation and accumulation.
	sum := 0.0
	for _, s := range st.leaves {
		sum += trees[segs[s].tree][segs[s].node].Score
	}
	num := float64(nLeaves - 1)
	res.RewardRaw = sum / float64(nLeaves)
	for _, s := range st.leaves {
		nd := &trees[segs[s].tree][segs[s].node]
		r := nd.Score - (sum-nd.Score)/num
		if opts.InnerRepetitionPenalty && nd.FinishReason != "stop" {
			r = -1
		}
		main := segs[s].main
		segs[s].acc = r
		for p := s; p >= 0; p = segs[p].parent {
			segs[p].n++
			if main {
				segs[p].correct++
			}
			if p != s {
				segs[p].acc += r
			}
		}
	}
	if opts.AverageOneGeneration {
		averageChildren(segs, 0)
	}

	// 4. Re-centring, breadth first from the virtual root.
	if opts.NormStyle != NormNone {
		order := make([]int, 0, len(segs))
		queue := make([]int, 1, len(segs))
		for h := 0; h < len(queue); h++ {
			i := queue[h]
			if segs[i].n != 0 || segs[i].terminal {
				order = append(order, i)
			}
			for c := segs[i].firstChild; c >= 0; c = segs[c].next {
				queue = append(queue, c)
			}
		}
		stepSum, stepNum := 0.0, 0
		for _, i := range order {
			if opts.NormStyle == NormStep {
				stepSum += segs[i].acc
				stepNum += segs[i].n
			} else {
				l := segs[i].end - segs[i].start
				stepSum += segs[i].acc * float64(l)
				stepNum += segs[i].n * l
			}
		}
		mu := 0.0
		if stepNum != 0 {
			mu = stepSum / float64(stepNum)
		}
		for _, i := range order {
			segs[i].acc -= mu * float64(segs[i].n)
		}
	}

	// 5. Re-weighting by the number of selected leaves.
	selected := opts.Selected
	if selected == nil {
		selected = make([]int, nLeaves)
		for i := range selected {
			selected[i] = i
		}
	}
	if opts.UseWeightedValue {
		for _, k := range selected {
			for p := st.leaves[k]; p >= 0; p = segs[p].parent {
				segs[p].selected++
			}
		}
		for i := range segs {
			if k := segs[i].selected; k > 0 {
				switch opts.WeightStyle {
				case WeightSqrt:
					segs[i].acc /= math.Sqrt(float64(k))
				case WeightUniform:
					segs[i].acc /= float64(k)
				}
			}
		}
	}

	// 6. Paths.
	value := func(i int) float64 {
		if opts.AverageOneGeneration {
			return segs[i].acc
		}
		return segs[i].acc / float64(segs[i].n)
	}
	res.Paths = make([][]Step, len(selected))
	for k, leaf := range selected {
		depth := 0
		for s := st.leaves[leaf]; segs[s].parent >= 0; s = segs[s].parent {
			depth++
		}
		path := make([]Step, depth)
		for s, m := st.leaves[leaf], depth-1; segs[s].parent >= 0; s, m = segs[s].parent, m-1 {
			sg := &segs[s]
			cv := value(s)
			path[m] = Step{Tree: sg.tree, Node: sg.node, Start: sg.start, End: sg.end,
				Value: cv - value(sg.parent), StateValue: cv,
				PassRatio: float64(sg.correct) / float64(sg.n)}
		}
		res.Paths[k] = path
	}

	if opts.Mode == ModeAncestor {
		rootValue := value(0)
		for _, path := range res.Paths {
			for i := range path {
				sv := path[i].StateValue
				if i == 0 {
					path[i].Value = sv - rootValue
					continue
				}
				acc := 0.0
				for j := 0; j < i; j++ {
					acc += sv - path[j].StateValue
				}
				acc += sv - rootValue
				path[i].Value = acc / float64(i+1)
			}
		}
		return res, nil
	}

	for _, path := range res.Paths {
		for i := 1; i < len(path); i++ {
			if math.Abs(path[i].Value) < 1e-8 {
				path[i].Value = path[i-1].Value
			}
		}
	}
	switch opts.Mode {
	case ModeChain, ModeORM:
		leafAcc := make([]float64, len(selected))
		for k, leaf := range selected {
			leafAcc[k] = segs[st.leaves[leaf]].acc
		}
		tv := LeaveOneOut(leafAcc)
		for k, path := range res.Paths {
			for m := range path {
				if opts.Mode == ModeChain {
					path[m].Value = tv[k]
				} else {
					path[m].Value += tv[k]
				}
			}
		}
	case ModeStateValue:
		for _, path := range res.Paths {
			for m := range path {
				path[m].Value += path[m].StateValue
			}
		}
	case ModeValueOnly:
		for _, path := range res.Paths {
			for m := range path {
				path[m].Value = path[m].StateValue
			}
		}
	}
	return res, nil
}

// averageChildren is the reference's compute_accumulated_value: bottom up,
// a step's accumulated value becomes the mean over its children that have
// leaves (0 when none has); childless steps keep theirs.
func averageChildren(segs []seg, i int) float64 {
	if segs[i].firstChild < 0 {
		return segs[i].acc
	}
	total, count := 0.0, 0
	for c := segs[i].firstChild; c >= 0; c = segs[c].next {
		if segs[c].n > 0 {
			count++
			total += averageChildren(segs, c)
		}
	}
	segs[i].acc = 0
	if count > 0 {
		segs[i].acc = total / float64(count)
	}
	return segs[i].acc
}
