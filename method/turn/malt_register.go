package turn

// The registry binding of malt, beside its estimator.

import (
	"fmt"

	"github.com/credo-rl/credo/credit"
	"github.com/credo-rl/credo/rollout"
)

// Parameters of malt.
var (
	pMaltThreshold = credit.FloatParam{Param: credit.Param{Name: "threshold", Kind: credit.Float, Default: DefaultMALTThreshold, Doc: "node is correct when its value > threshold", Origin: credit.FromPaper("value iteration: a node is correct when its value exceeds 0.5 (recalled)")}}
	pMaltCredit    = credit.StringParam{Param: credit.Param{Name: "credit", Kind: credit.String, Default: "label", Choices: []string{"label", "value", "advantage"}, Doc: "±1 label, node value, or value − sibling mean", Origin: credit.FromPaper("method: nodes are labelled correct or incorrect (±1 here)")}}
)

func init() {
	credit.Register(&credit.Method{
		Name:    "malt",
		Summary: "MALT: value iteration over a generator → verifier → refiner tree (trajectories linked by parent), threshold labels as ±1 credit",
		Params: credit.Params(
			pMaltThreshold,
			pMaltCredit,
			credit.Reward,
		),
		Inputs:  []credit.Input{credit.InGroup, inLeafReward},
		Reads:   credit.ReadsMask | credit.ReadsTokenRewards,
		Outputs: []string{"advantages", "returns"},
		Scope:   credit.ScopeGroup,
		Inferred: []credit.Inferred{
			{What: "a node is correct when its value > 0.5; credit ±1", Origin: credit.ByCredo("threshold recalled by the catalogue; MALT trains with SFT/DPO, the ±1 credit is credo's per-token reading")},
		},
		Provenance: provMALT,
		Notes: "a trajectory is a tree node; parent.traj_uid links it to the output it conditions on (parent.token is ignored); " +
			"leaves (no children) need rewards.<reward>; returns = node value; every valid token gets the node credit",
		Run: runMALT,
	})
}

func runMALT(b *rollout.Batch, v credit.Values) error {
	of, ng := groupIndex(b)
	members := make([][]int, ng)
	for i, g := range of {
		members[g] = append(members[g], i)
	}
	for _, mem := range members {
		local := make(map[string]int, len(mem))
		for k, i := range mem {
			local[b.Trajectories[i].ID] = k
		}
		parent := make([]int, len(mem))
		reward := make([]float64, len(mem))
		hasChild := make([]bool, len(mem))
		for k, i := range mem {
			t := b.Trajectories[i]
			parent[k] = -1
			if t.Parent != nil {
				p, ok := local[t.Parent.Trajectory]
				if !ok {
					return trajErr(i, t, fmt.Errorf("parent %q is not a trajectory of the same group %q", t.Parent.Trajectory, t.Group))
				}
				parent[k] = p
				hasChild[p] = true
			}
		}
		for k, i := range mem {
			if hasChild[k] {
				continue
			}
			t := b.Trajectories[i]
			r, ok := credit.Outcome(t, credit.Reward.Get(v))
			if !ok {
				return &credit.InputError{Method: "malt", Input: inLeafReward, Trajectory: i, ID: t.ID}
			}
			reward[k] = r
		}
		value, correct, err := MALTValues(parent, reward, pMaltThreshold.Get(v))
		if err != nil {
			return fmt.Errorf("group %q: %w", b.Trajectories[mem[0]].Group, err)
		}
		cr, err := MALTNodeCredit(parent, value, correct, MALTCredit(pMaltCredit.Get(v)))
		if err != nil {
			return err
		}
		for k, i := range mem {
			t := b.Trajectories[i]
			t.Advantages = fill(t, cr[k])
			t.Returns = fill(t, value[k])
		}
	}
	return nil
}
