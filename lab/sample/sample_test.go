package sample

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/credo-rl/credo/lab/env"
	"github.com/credo-rl/credo/lab/internal/toyenv"
)

func uniform(e env.Env) Act {
	return func(s env.State, t int) []float64 {
		l := e.Legal(s)
		p := make([]float64, len(e.Actions()))
		n := 0.0
		for a := range p {
			if l == nil || l[a] {
				p[a] = 1
				n++
			}
		}
		for a := range p {
			p[a] /= n
		}
		return p
	}
}

func TestBuildSingleAgent(t *testing.T) {
	e := toyenv.NewCorridor()
	sm := &Sampler{Env: e, Pi: uniform(e), Rng: rand.New(rand.NewPCG(1, 2))}
	starts := Starts(e, sm.Rng, 3)
	eps := sm.Groups(starts, Uniform(3, 4))
	b, err := Build(e, eps, BuildOptions{TokenRewards: true, Ref: uniform(e), Pi: uniform(e)})
	if err != nil {
		t.Fatal(err)
	}
	if len(b.Batch.Trajectories) != 12 {
		t.Fatalf("%d trajectories, want 12", len(b.Batch.Trajectories))
	}
	for i, tr := range b.Batch.Trajectories {
		ep := eps[b.Ep[i]]
		if tr.Len() != len(ep.Steps) || len(tr.Steps) != tr.Len() {
			t.Fatalf("trajectory %d: %d tokens, %d steps, episode %d steps", i, tr.Len(), len(tr.Steps), len(ep.Steps))
		}
		sum := 0.0
		for j, st := range ep.Steps {
			if tr.Tokens[j] != int64(st.A) || tr.Steps[j].State == "" {
				t.Fatalf("token %d does not encode the step", j)
			}
			if math.Abs(tr.OldLogProbs[j]-math.Log(1.0/3)) > 1e-12 {
				t.Fatalf("log-prob %v, want log 1/3", tr.OldLogProbs[j])
			}
			sum += tr.TokenRewards[j]
		}
		if math.Abs(sum-tr.Rewards["outcome"]) > 1e-12 {
			t.Fatalf("token rewards sum to %v, outcome %v", sum, tr.Rewards["outcome"])
		}
		if tr.Group != "p"+itoa(ep.Prompt) {
			t.Fatalf("group %q for prompt %d", tr.Group, ep.Prompt)
		}
	}
}

func itoa(i int) string { return string(rune('0' + i)) }

func TestBuildTwoPlayer(t *testing.T) {
	e := toyenv.NewNim()
	sm := &Sampler{Env: e, Pi: uniform(e), Rng: rand.New(rand.NewPCG(3, 4))}
	eps := sm.Groups(Starts(e, sm.Rng, 2), Uniform(2, 3))
	b, err := Build(e, eps, BuildOptions{TokenRewards: true})
	if err != nil {
		t.Fatal(err)
	}
	for i, tr := range b.Batch.Trajectories {
		role := b.Role[i]
		ep := eps[b.Ep[i]]
		if tr.Rewards["outcome"] != ep.Return[role] {
			t.Fatalf("outcome %v, want role %d's return %v", tr.Rewards["outcome"], role, ep.Return[role])
		}
		if tr.Rewards["0"]+tr.Rewards["1"] != 0 {
			t.Fatalf("Nim is zero-sum, got %v", tr.Rewards)
		}
		for j, s := range tr.Steps {
			if s.Role != itoa(role) || b.Tokens[i][j].Role != role {
				t.Fatalf("step %d of role %d's trajectory has role %q", j, role, s.Role)
			}
		}
		// the terminal reward reaches the role's last token even when the
		// other player made the last move
		last := tr.TokenRewards[tr.Len()-1]
		if last != ep.Return[role] {
			t.Fatalf("last token reward %v, want %v", last, ep.Return[role])
		}
	}
}

func TestTreeSharesPrefix(t *testing.T) {
	e := toyenv.NewCorridor()
	sm := &Sampler{Env: e, Pi: uniform(e), Rng: rand.New(rand.NewPCG(5, 6))}
	eps := sm.Tree(Starts(e, sm.Rng, 1), TreeOptions{Roots: 3, Rounds: 1, Branches: 2})
	b, err := Build(e, eps, BuildOptions{})
	if err != nil {
		t.Fatal(err)
	}
	ids := map[string]int{}
	for i, tr := range b.Batch.Trajectories {
		ids[tr.ID] = i
	}
	children := 0
	for _, tr := range b.Batch.Trajectories {
		if tr.Parent == nil {
			continue
		}
		children++
		p := b.Batch.Trajectories[ids[tr.Parent.Trajectory]]
		for j := 0; j < tr.Parent.Token; j++ {
			if p.Tokens[j] != tr.Tokens[j] {
				t.Fatalf("child %s differs from its parent in the shared prefix", tr.ID)
			}
		}
	}
	if children == 0 {
		t.Fatal("no forks")
	}
}
