package process

import (
	"fmt"
	"math"
)

// Fusion selects how GroundedPRM-style hybrid labels combine a step's tool
// verdict with its Monte Carlo value.
type Fusion string

// Fusions.
const (
	// FuseWeighted scores w·tool + (1−w)·MC (MC alone without a verdict)
	// and labels the step correct when the score is >= Threshold.
	FuseWeighted Fusion = "weighted"
	// FuseAnd labels a step correct when its verdict (if any) is correct
	// AND its MC value is above MCThreshold.
	FuseAnd Fusion = "and"
	// FuseToolFirst takes the tool's verdict when there is one, otherwise
	// MC > MCThreshold.
	FuseToolFirst Fusion = "tool_first"
)

// HybridOptions configure HybridLabel. The paper's fusion formula was not
// found (spec §7): these modes and defaults are credo's.
type HybridOptions struct {
	Mode Fusion
	// ToolWeight is w of FuseWeighted (default 0.5).
	ToolWeight float64
	// Threshold is the FuseWeighted decision threshold (default 0.5).
	Threshold float64
	// MCThreshold: MC values above it count as correct (default 0, as in
	// OmegaPRM).
	MCThreshold float64
	// Soft returns FuseWeighted's score instead of a 0/1 label.
	Soft bool
}

// DefaultHybridOptions returns weighted fusion, w = 0.5, threshold 0.5,
// MC threshold 0, hard labels.
func DefaultHybridOptions() HybridOptions {
	return HybridOptions{Mode: FuseWeighted, ToolWeight: 0.5, Threshold: 0.5}
}

// HybridLabel fuses a step's tool verdict (tool in [0, 1], 1 = verified
// correct; hasTool false when the step has nothing a tool can check) with
// its Monte Carlo value mc in [0, 1] (the fraction of successful rollouts
// from the step, e.g. an MCTS value) into a step label (see Fusion).
//
// Paper: Zhang et al., "GroundedPRM: Tree-Guided and Fidelity-Aware Process
// Reward Modeling for Step-Level Reasoning", arXiv:2510.14942 (#31). Only
// the abstract was available: MCTS reasoning paths, every step checked by an
// external tool, step verdicts and the outcome aggregated with the MCTS
// feedback ("hybrid reward aggregation"); the aggregation formula is not
// known, the three fusions here are credo's.
func HybridLabel(tool float64, hasTool bool, mc float64, o HybridOptions) (float64, error) {
	if math.IsNaN(mc) || (hasTool && math.IsNaN(tool)) {
		return 0, fmt.Errorf("groundedprm: NaN input (tool %v, mc %v)", tool, mc)
	}
	b := func(x bool) float64 {
		if x {
			return 1
		}
		return 0
	}
	switch o.Mode {
	case FuseWeighted:
		s := mc
		if hasTool {
			s = o.ToolWeight*tool + (1-o.ToolWeight)*mc
		}
		if o.Soft {
			return s, nil
		}
		return b(s >= o.Threshold), nil
	case FuseAnd:
		return b((!hasTool || tool >= 0.5) && mc > o.MCThreshold), nil
	case FuseToolFirst:
		if hasTool {
			return b(tool >= 0.5), nil
		}
		return b(mc > o.MCThreshold), nil
	}
	return 0, fmt.Errorf("groundedprm: unknown fusion %q (want weighted, and or tool_first)", o.Mode)
}
