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

// The derived-input hooks put every channel where the methods read it:
// one value per token for log_probs.<name>, on the step of the token for
// step rewards, labels and values (next to the default ones), and on the
// trajectory for reward channels; and every step records its successor.
func TestBuildDerivedInputs(t *testing.T) {
	e := toyenv.NewCorridor()
	sm := &Sampler{Env: e, Pi: uniform(e), Rng: rand.New(rand.NewPCG(7, 8))}
	eps := sm.Groups(Starts(e, sm.Rng, 2), Uniform(2, 4))
	half := func(s env.State, t int) []float64 { return []float64{0.5, 0.25, 0.25} }
	b, err := Build(e, eps, BuildOptions{
		TokenRewards: true,
		V:            func(s env.State, t, role int) float64 { return float64(t) },
		LogProbs:     map[string]Act{"phi": half},
		StepRewards:  func(st Step, role int) map[string]float64 { return map[string]float64{"twice": 2 * st.Reward[role]} },
		StepLabels:   func(st Step, role int) map[string]float64 { return map[string]float64{"right": float64(st.A)} },
		StepValues:   func(st Step, role int) map[string]float64 { return map[string]float64{"t": float64(st.T)} },
		Rewards: func(ep Episode, role int) map[string]float64 {
			return map[string]float64{"len": float64(len(ep.Steps)), "prompt": float64(ep.Prompt)}
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	for i, tr := range b.Batch.Trajectories {
		ep := eps[b.Ep[i]]
		if lp := tr.LogProbs["phi"]; len(lp) != tr.Len() {
			t.Fatalf("trajectory %d: %d log_probs.phi for %d tokens", i, len(lp), tr.Len())
		}
		if tr.Rewards["len"] != float64(len(ep.Steps)) || tr.Rewards["prompt"] != float64(ep.Prompt) || tr.Rewards["outcome"] != ep.Return[0] {
			t.Fatalf("trajectory %d rewards %v", i, tr.Rewards)
		}
		for j, st := range ep.Steps {
			s := tr.Steps[j]
			want := math.Log([]float64{0.5, 0.25, 0.25}[st.A])
			if math.Abs(tr.LogProbs["phi"][j]-want) > 1e-12 {
				t.Fatalf("log_probs.phi %v, want %v", tr.LogProbs["phi"][j], want)
			}
			if s.Rewards["twice"] != 2*st.Reward[0] || s.Rewards["reward"] != st.Reward[0] {
				t.Fatalf("step rewards %v for reward %v", s.Rewards, st.Reward[0])
			}
			if s.Labels["right"] != float64(st.A) || s.Values["t"] != float64(st.T) || s.Values["v"] != float64(st.T) {
				t.Fatalf("step %d labels %v values %v", j, s.Labels, s.Values)
			}
			if st.Next == nil || (j+1 < len(ep.Steps) && st.Next.Key() != ep.Steps[j+1].S.Key()) {
				t.Fatalf("step %d: Next %v, next step starts in %v", j, st.Next, ep.Steps[min(j+1, len(ep.Steps)-1)].S)
			}
		}
	}
}
