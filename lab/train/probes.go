package train

import (
	"math/rand/v2"

	"github.com/credo-rl/credo/lab/env"
	"github.com/credo-rl/credo/lab/sample"
	"github.com/credo-rl/credo/method/tree"
)

// probeSamples is the number of MC continuations per SPO-chain cutpoint.
const probeSamples = 4

// NotApplicable is an input the lab cannot produce for an environment.
type NotApplicable string

func (n NotApplicable) Error() string { return string(n) }

// ProbeInterval keeps about 5 cutpoints per response at most
// (cutpoint_interval = ⌈horizon/5⌉), bounding the probes' cost.
func ProbeInterval(e env.Env) int { return max(1, (e.Horizon()+4)/5) }

// WithChainProbes plans SPO-chain's Monte Carlo probes for b
// (tree.PlanChainProbes), samples them with pi and rebuilds the batch with
// the probes appended (probe = true, parent link to the prefix).
func WithChainProbes(e env.Env, pi sample.Act, rng *rand.Rand, b *sample.Built, eps []sample.Episode, o sample.BuildOptions, interval int) (*sample.Built, []sample.Episode, error) {
	if e.Roles() != 1 {
		return nil, nil, NotApplicable("the lab samples MC probes (SPO-chain) in single-agent environments only")
	}
	opt := tree.DefaultChainPlanOptions()
	opt.Interval = interval
	opt.Samples = probeSamples
	reqs, err := tree.PlanChainProbes(b.Batch, "mc", opt)
	if err != nil {
		return nil, nil, err
	}
	sm := &sample.Sampler{Env: e, Pi: pi, Rng: rng}
	all := append([]sample.Episode(nil), eps...)
	for _, rq := range reqs {
		pe := b.Ep[rq.Row]
		ep := eps[pe]
		k := rq.Prefix // tokens = steps in single-agent episodes
		for i := 0; i < rq.Samples; i++ {
			var pr sample.Episode
			if k < len(ep.Steps) {
				pr = sm.Probes(ep, pe, k, 1)[0]
			} else {
				pr = ep // the full response: its own outcome
				pr.Probe, pr.Parent, pr.BranchAt = true, pe, k
			}
			all = append(all, pr)
		}
	}
	nb, err := sample.Build(e, all, o)
	if err != nil {
		return nil, nil, err
	}
	return nb, all, nil
}
