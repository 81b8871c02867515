package matrix

import (
	"fmt"
	"math"
	"math/rand/v2"
	"sort"
	"strconv"
	"strings"

	"github.com/credo-rl/credo/credit"
	"github.com/credo-rl/credo/lab/env"
	"github.com/credo-rl/credo/lab/policy"
	"github.com/credo-rl/credo/lab/run"
	"github.com/credo-rl/credo/lab/sample"
	"github.com/credo-rl/credo/lab/train"
	"github.com/credo-rl/credo/method/group"
	"github.com/credo-rl/credo/method/turn"
	"github.com/credo-rl/credo/rollout"
)

// Inputs the lab derives from an environment's own structure for methods
// whose input the default batch (lab/train, Profile) lacks. Each source says
// what it provides and why its meaning is the method's; where no honest
// source exists the method stays n/a with the reason given here. The
// documentation strings are printed under the credit-accuracy matrix.
//
// Everything is deterministic: the derived inputs are functions of the
// sampled episodes, the world's warm-up data and PCG streams named after
// (seed, environment, batch).

// inputPlan is how one method is fed on one world.
type inputPlan struct {
	// set overrides parameters (merged over the profile's).
	set map[string]any
	// opts adds derived channels to the build options of scoring batch k
	// (eps are its episodes).
	opts func(k int, eps []sample.Episode, o *sample.BuildOptions) error
	// edit rewrites the built batch (BRPO's budget steps).
	edit func(b *sample.Built, eps []sample.Episode) error
}

// inputSource derives a method's missing inputs; plan returns a
// train.NotApplicable error when the environment has no honest source.
type inputSource struct {
	doc  string
	plan func(w *world, m *credit.Method) (inputPlan, error)
}

// Environments with the structure some sources need.
func arithOf(e env.Env) (*env.Arith, bool) { a, ok := e.(*env.Arith); return a, ok }

func hasPRM(e env.Env) bool { a, ok := arithOf(e); return ok && a.Config().PRM }

var derivedInputs = map[string]inputSource{
	"brpo": {
		doc: "`brpo`: on ArithChain and ArithChain-PRM (the environments with a single forced-answer action) every trajectory is cut into 4 " +
			"thinking budgets at steps 2, 4, 6, 8 (steps[kind=budget], as in the brpo_variance experiment), each scored by the expected " +
			"true reward of answering right there (rewards.score); credit on tokens is compared with A^π like any method's, although BRPO " +
			"targets the anytime objective. Elsewhere n/a: there is no answer to force at a budget.",
		plan: func(w *world, m *credit.Method) (inputPlan, error) {
			if !hasAction(w.e, "answer") {
				return inputPlan{}, train.NotApplicable("no forced-answer action: a thinking budget cannot be scored (the lab forces ArithChain's answer line)")
			}
			return inputPlan{edit: BudgetSteps(w.e, 4)}, nil
		},
	},
	"calm": {
		doc: "`calm`: steps[].labels.subgoal from a rule-based subgoal detector (the spec's stand-in for CALM's LLM judge) on the " +
			"environments with explicit subgoals: Sokoban6, a box pushed onto a target; ArithChain(-PRM), a correct intermediate line " +
			"(a compute with no earlier slip); KBHop, a search of a not-yet-searched entity of the question's gold evidence chain. " +
			"Elsewhere n/a (no subgoal structure).",
		plan: func(w *world, m *credit.Method) (inputPlan, error) {
			det := subgoalDetector(w.e)
			if det == nil {
				return inputPlan{}, train.NotApplicable("no subgoal events (the lab detects subgoals in sokoban6, arithchain, arithchain-prm and kbhop)")
			}
			return inputPlan{opts: func(_ int, _ []sample.Episode, o *sample.BuildOptions) error {
				o.StepLabels = func(st sample.Step, _ int) map[string]float64 {
					return map[string]float64{"subgoal": b2f(det(st))}
				}
				return nil
			}}, nil
		},
	},
	"hicra": {
		doc: "`hicra`: planning tokens from HICRA's own strategic-gram tagger (parameter strategic_grams), the grams being the " +
			"environment's planning actions: ArithChain(-PRM)'s restate and check lines (re-reading the problem, verifying the last " +
			"line: the paper's \"the problem mentions\" / \"let me check\" grams) and KBHop's searches (choosing the next entity of the " +
			"evidence chain). Elsewhere n/a (no planning actions).",
		plan: func(w *world, m *credit.Method) (inputPlan, error) {
			var grams []string
			switch e := w.e.(type) {
			case *env.Arith:
				grams = []string{fmt.Sprintf("[%d]", env.ArithRestate), fmt.Sprintf("[%d]", env.ArithCheck)}
			case *env.KBHop:
				for k := 0; k < e.Config().MaxKnown; k++ {
					grams = append(grams, fmt.Sprintf("[%d]", k))
				}
			default:
				return inputPlan{}, train.NotApplicable("no planning actions to tag (the lab tags arithchain's restate/check lines and kbhop's searches)")
			}
			return inputPlan{set: map[string]any{"strategic_grams": "[" + strings.Join(grams, ",") + "]"}}, nil
		},
	},
	"lare": {
		doc: "`lare`: steps[].values.latent = f(φ(s, a)), LaRe's decoder over a symbolic encoder: φ is the environment's feature " +
			"encoding (features of s, their change to s', the action one-hot, t/H, end flag, bias) standing in for the LLM-written " +
			"encoder, and f is linear, fitted per role by the lare method's regression (turn.LaReFitDecoder, as its decoder=ridge; λ = 1) of Σ_t f(φ_t) on the episodic return over the " +
			"warm-up episodes (LaRe's return-decomposition objective).",
		plan: func(w *world, m *credit.Method) (inputPlan, error) {
			dec, err := w.lareDecoder()
			if err != nil {
				return inputPlan{}, err
			}
			return inputPlan{opts: func(_ int, _ []sample.Episode, o *sample.BuildOptions) error {
				o.StepValues = func(st sample.Step, role int) map[string]float64 {
					return map[string]float64{"latent": dec.score(st, role)}
				}
				return nil
			}}, nil
		},
	},
	"lsc": {
		doc: "`lsc`: the per-prompt reference reward r_ref(x) is the 0.85-quantile of the reward of 8 independent reference samples " +
			"of the same prompt under the lab policy (the base policy: the paper's base-policy quantile), in rewards.<channel>_ref; " +
			"channels = outcome, plus on ArithChain-PRM the mean PRM score of the response (prm_mean), so that the sum of log σ " +
			"terms is the paper's \"correct AND well-reasoned\".",
		plan: func(w *world, m *credit.Method) (inputPlan, error) {
			chans := []string{"outcome"}
			if hasPRM(w.e) {
				chans = append(chans, "prm_mean")
			}
			return inputPlan{
				set: map[string]any{"channels": strings.Join(chans, ","), "ref": "channel"},
				opts: func(k int, eps []sample.Episode, o *sample.BuildOptions) error {
					refs, err := w.lscRefs(k, eps, 0.85)
					if err != nil {
						return err
					}
					prm := hasPRM(w.e)
					o.Rewards = func(ep sample.Episode, role int) map[string]float64 {
						r := refs[[2]int{ep.Prompt, role}]
						out := map[string]float64{"outcome_ref": r[0]}
						if prm {
							out["prm_mean"] = meanPRM(ep, role)
							out["prm_mean_ref"] = r[1]
						}
						return out
					}
					return nil
				},
			}, nil
		},
	},
	"oprl": {
		doc: "`oprl`: log_probs.prm_phi under an implicit PRM π_φ trained with the paper's objective, the trajectory-level DPO " +
			"loss −log σ(β·(log π_φ/π_old)(τ+) − β·(log π_φ/π_old)(τ−)) over every pair of a group with different outcomes " +
			"(β = the method's beta): per scoring batch, π_φ starts from π_old and takes 25 full-batch gradient steps (learning " +
			"rate 1/β) on that batch's pairs (the paper updates π_φ online across iterations; the lab scores one fixed policy), " +
			"before the step rewards β·log(π_φ/π_old) are read.",
		plan: func(w *world, m *credit.Method) (inputPlan, error) {
			beta := m.Defaults().Float("beta")
			return inputPlan{opts: func(_ int, eps []sample.Episode, o *sample.BuildOptions) error {
				phi, err := implicitPRM(w.e, w.pol, eps, beta, 25)
				if err != nil {
					return err
				}
				o.LogProbs = map[string]sample.Act{"prm_phi": phi.Probs}
				return nil
			}}, nil
		},
	},
	"posterior_grpo": {
		doc: "`posterior_grpo`: on ArithChain-PRM only, rewards.thinking = the mean PRM score of the response's lines (the " +
			"environment's process judge, standing in for the thinking-quality RM) and rewards.format = 1 when the response ends " +
			"with the \"#### x\" answer line (0 when it ran out of steps). Elsewhere n/a (no thinking judge).",
		plan: func(w *world, m *credit.Method) (inputPlan, error) {
			if !hasPRM(w.e) {
				return inputPlan{}, train.NotApplicable(noThinking)
			}
			return inputPlan{opts: func(_ int, _ []sample.Episode, o *sample.BuildOptions) error {
				o.Rewards = func(ep sample.Episode, role int) map[string]float64 {
					return map[string]float64{"thinking": meanPRM(ep, role), "format": b2f(endsWithAnswer(ep))}
				}
				return nil
			}}, nil
		},
	},
	"trust_grpo": {
		doc: "`trust_grpo`: on ArithChain-PRM only, rewards.thinking = the mean PRM score of the response's lines, in [0, 1]. " +
			"Elsewhere n/a (no thinking judge).",
		plan: func(w *world, m *credit.Method) (inputPlan, error) {
			if !hasPRM(w.e) {
				return inputPlan{}, train.NotApplicable(noThinking)
			}
			return inputPlan{opts: func(_ int, _ []sample.Episode, o *sample.BuildOptions) error {
				o.Rewards = func(ep sample.Episode, role int) map[string]float64 {
					return map[string]float64{"thinking": meanPRM(ep, role)}
				}
				return nil
			}}, nil
		},
	},
	"sotopia_rl": {
		doc: "`sotopia_rl`: multi-dimensional utterance rewards where the environment's step reward has documented dimensions: " +
			"Sokoban6's step penalty, box term (±1 when the boxes on targets change) and solved bonus (steps[].rewards.step, box, " +
			"solved, summing to the step reward) and ArithChain-PRM's step reward with its PRM score (reward, prm); equal weights. " +
			"Elsewhere n/a (a one-dimensional reward, and no judge to attribute the outcome to utterances).",
		plan: func(w *world, m *credit.Method) (inputPlan, error) {
			switch {
			case hasPRM(w.e):
				return inputPlan{set: map[string]any{"dims": "reward,prm"}}, nil
			case isSokoban(w.e):
				return inputPlan{set: map[string]any{"dims": "step,box,solved"},
					opts: func(_ int, _ []sample.Episode, o *sample.BuildOptions) error {
						o.StepRewards = func(st sample.Step, _ int) map[string]float64 { return sokobanTerms(st) }
						return nil
					}}, nil
			}
			return inputPlan{}, train.NotApplicable("the step reward has one dimension and no judge attributes the outcome to utterances " +
				"(the lab splits sokoban6's reward into its terms and pairs arithchain-prm's reward with its PRM score)")
		},
	},
	"treg": {
		doc: "`treg`: n/a. Its contrastive log-probs are the policy's own predictions under \"make it better\" / \"make it worse\" " +
			"revision prompts; the lab's tabular policies take no prompt, and a stand-in (e.g. a critic-tilted policy) would score " +
			"the stand-in, not T-REG.",
		plan: func(w *world, m *credit.Method) (inputPlan, error) {
			return inputPlan{}, train.NotApplicable("needs the policy's log-probs under \"make it better\"/\"make it worse\" prompts; the lab's tabular policies take no prompt")
		},
	},
	"preplan_anchor": {
		doc: "`preplan_anchor`: n/a. WAAD and FAI are attention statistics of a transformer policy; the lab's policies have no attention.",
		plan: func(w *world, m *credit.Method) (inputPlan, error) {
			return inputPlan{}, train.NotApplicable("needs attention maps (WAAD, FAI); the lab's tabular policies have no attention")
		},
	},
}

const noThinking = "no thinking-quality judge (the lab's only process judge is arithchain-prm's PRM)"

// labelOnlyDoc explains the label-writing methods (no advantages).
const labelOnlyDoc = "`groundedprm.labels`, `omegaprm.labels`: n/a. They write step labels for training a PRM, not advantages, " +
	"so there is no credit to score against A^π."

// derivedInputDocs lists the documentation of every derived input, sorted by method.
func derivedInputDocs() []string {
	names := make([]string, 0, len(derivedInputs))
	for n := range derivedInputs {
		names = append(names, n)
	}
	sort.Strings(names)
	out := make([]string, 0, len(names)+1)
	for _, n := range names {
		out = append(out, derivedInputs[n].doc)
	}
	return append(out, labelOnlyDoc)
}

// assignsAdvantages reports whether m writes advantages.
func AssignsAdvantages(m *credit.Method) bool {
	for _, o := range m.Outputs {
		if strings.HasPrefix(o, "advantages") {
			return true
		}
	}
	return false
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

func hasAction(e env.Env, name string) bool {
	for _, a := range e.Actions() {
		if a == name {
			return true
		}
	}
	return false
}

func isSokoban(e env.Env) bool { _, ok := e.(*env.Sokoban6); return ok }

// subgoalDetector returns the environment's rule-based subgoal verdict per
// step, or nil when the environment has no subgoal structure.
func subgoalDetector(e env.Env) func(st sample.Step) bool {
	switch e := e.(type) {
	case *env.Sokoban6:
		// A box pushed onto a target (the count of boxes on targets rises).
		return func(st sample.Step) bool {
			return st.Next != nil && boxesOnTarget(st.Next) > boxesOnTarget(st.S)
		}
	case *env.Arith:
		// The next intermediate line computed correctly: a compute with no
		// slip in the lines before it.
		return func(st sample.Step) bool {
			s, ok := st.S.(*env.ArithState)
			return ok && st.A == env.ArithCompute && s.Wrong == 0
		}
	case *env.KBHop:
		// A hop of the gold evidence chain: a search of a chain entity not
		// searched before.
		K := e.Config().MaxKnown
		return func(st sample.Step) bool {
			s, ok := st.S.(*env.KBHopState)
			if !ok || st.A >= K {
				return false
			}
			known := s.Known()
			if st.A >= len(known) {
				return false
			}
			id := known[st.A]
			for _, x := range s.Searched {
				if x == id {
					return false
				}
			}
			for _, x := range e.GoldChain(s) {
				if x == id {
					return true
				}
			}
			return false
		}
	}
	return nil
}

// boxesOnTarget counts the boxes on targets of a Sokoban6 state ("√" in
// its key grid).
func boxesOnTarget(s env.State) int { return strings.Count(s.Key(), "√") }

// sokobanTerms splits Sokoban6's step reward into its documented terms:
// the step penalty −0.1, the box term +1/−1 when the count of boxes on
// targets rises/falls, and the +10 bonus of the solving step. They sum to
// the step's reward.
func sokobanTerms(st sample.Step) map[string]float64 {
	box := 0.0
	if st.Next != nil {
		box = float64(boxesOnTarget(st.Next) - boxesOnTarget(st.S))
	}
	solved := 0.0
	if st.Done {
		solved = 10
	}
	return map[string]float64{"step": -0.1, "box": box, "solved": solved}
}

// meanPRM is the mean "prm" signal over role's steps of ep (0 without steps).
func meanPRM(ep sample.Episode, role int) float64 {
	s, n := 0.0, 0
	for _, st := range ep.Steps {
		if st.Role == role {
			s += st.Signals["prm"]
			n++
		}
	}
	if n == 0 {
		return 0
	}
	return s / float64(n)
}

// endsWithAnswer reports whether ep ended with ArithChain's answer line.
func endsWithAnswer(ep sample.Episode) bool {
	n := len(ep.Steps)
	return n > 0 && !ep.Truncated && ep.Steps[n-1].A == env.ArithAnswer
}

// lscRefSamples is the number of reference samples per prompt for LSC.
const lscRefSamples = 8

// lscRefs samples lscRefSamples reference episodes per prompt of batch k
// from the lab policy (its own PCG stream) and returns, per (prompt,
// role), the q-quantiles of their returns and of their mean PRM scores.
func (w *world) lscRefs(k int, eps []sample.Episode, q float64) (map[[2]int][2]float64, error) {
	starts := map[int]env.State{}
	P := 0
	for _, ep := range eps {
		if _, ok := starts[ep.Prompt]; !ok {
			starts[ep.Prompt] = ep.Start
		}
		P = max(P, ep.Prompt+1)
	}
	rng := rand.New(rand.NewPCG(w.seed, run.StreamID("lsc_ref", w.name, strconv.Itoa(k))))
	sm := &sample.Sampler{Env: w.e, Pi: w.pol.Probs, Rng: rng}
	out := map[[2]int][2]float64{}
	for p := 0; p < P; p++ {
		s, ok := starts[p]
		if !ok {
			continue
		}
		ref := sm.Group(p, s, lscRefSamples)
		for r := 0; r < w.e.Roles(); r++ {
			ret := make([]float64, len(ref))
			prm := make([]float64, len(ref))
			for i, ep := range ref {
				ret[i] = ep.Return[r]
				prm[i] = meanPRM(ep, r)
			}
			a, err := group.Quantile(ret, q)
			if err != nil {
				return nil, err
			}
			b, err := group.Quantile(prm, q)
			if err != nil {
				return nil, err
			}
			out[[2]int{p, r}] = [2]float64{a, b}
		}
	}
	return out, nil
}

// implicitPRM trains OPRL's implicit PRM on a batch: π_φ starts as a copy
// of the tabular policy π_old (which sampled eps) and takes iters
// full-batch gradient steps, learning rate 1/β, on the trajectory-level DPO
// loss of OPRL,
//
//	L(φ) = −mean over pairs log σ(β·[Δ_φ(τ+) − Δ_φ(τ−)]),  Δ_φ(τ) = Σ_t log π_φ(a_t|s_t) − log π_old(a_t|s_t),
//
// over every pair of trajectories of the same group (prompt and role) with
// different returns, τ+ the better one. A role's trajectory is its own
// steps.
func implicitPRM(e env.Env, old *policy.Tabular, eps []sample.Episode, beta float64, iters int) (*policy.Tabular, error) {
	if !(beta > 0) {
		return nil, fmt.Errorf("implicit PRM: beta = %v, want > 0", beta)
	}
	phi, ok := old.Clone().(*policy.Tabular)
	if !ok {
		return nil, fmt.Errorf("implicit PRM: the lab policy is not tabular")
	}
	type traj struct{ steps []sample.Step }
	type pair struct{ hi, lo int }
	var trajs []traj
	var pairs []pair
	byGroup := map[[2]int][]int{}
	var ret []float64
	var order [][2]int
	for _, ep := range eps {
		if ep.Probe {
			continue
		}
		for r := 0; r < e.Roles(); r++ {
			var st []sample.Step
			for _, s := range ep.Steps {
				if s.Role == r {
					st = append(st, s)
				}
			}
			if len(st) == 0 {
				continue
			}
			g := [2]int{ep.Prompt, r}
			if _, ok := byGroup[g]; !ok {
				order = append(order, g)
			}
			byGroup[g] = append(byGroup[g], len(trajs))
			trajs = append(trajs, traj{st})
			ret = append(ret, ep.Return[r])
		}
	}
	for _, g := range order {
		mem := byGroup[g]
		for x := 0; x < len(mem); x++ {
			for y := x + 1; y < len(mem); y++ {
				i, j := mem[x], mem[y]
				switch {
				case ret[i] > ret[j]:
					pairs = append(pairs, pair{i, j})
				case ret[j] > ret[i]:
					pairs = append(pairs, pair{j, i})
				}
			}
		}
	}
	if len(pairs) == 0 {
		return phi, nil
	}
	// Touch every state so that the parameter vector has its final size.
	for _, t := range trajs {
		for _, s := range t.steps {
			phi.Probs(s.S, s.T)
		}
	}
	lr := 1 / beta
	delta := make([]float64, len(trajs))
	for it := 0; it < iters; it++ {
		for i, t := range trajs {
			d := 0.0
			for _, s := range t.steps {
				d += math.Log(math.Max(phi.Probs(s.S, s.T)[s.A], 1e-300)) - s.LogP
			}
			delta[i] = d
		}
		g := make([]float64, phi.Dim())
		for _, p := range pairs {
			// ∂(−log σ(z))/∂z = −(1 − σ(z)) = −σ(−z); ascend log σ(z).
			c := beta * sigmoid(-beta*(delta[p.hi]-delta[p.lo])) / float64(len(pairs))
			for _, s := range trajs[p.hi].steps {
				phi.AddGradLogProb(g, s.S, s.T, s.A, c)
			}
			for _, s := range trajs[p.lo].steps {
				phi.AddGradLogProb(g, s.S, s.T, s.A, -c)
			}
		}
		th := phi.Params()
		for i, x := range g {
			th[i] += lr * x
		}
	}
	return phi, nil
}

func sigmoid(x float64) float64 {
	if x >= 0 {
		return 1 / (1 + math.Exp(-x))
	}
	z := math.Exp(x)
	return z / (1 + z)
}

// lareDec is LaRe's linear decoder per role over lareEncode.
type lareDec struct {
	e env.Env
	w [][]float64 // per role
}

// lareEncode is the symbolic encoder φ(s, a): the features of s, their
// change to the successor, the action one-hot, t/H, the end flag and a bias.
func lareEncode(e env.Env, st sample.Step) []float64 {
	f := e.Features(st.S)
	nA := len(e.Actions())
	z := make([]float64, 0, 2*len(f)+nA+3)
	z = append(z, f...)
	if st.Next != nil {
		g := e.Features(st.Next)
		for i := range f {
			z = append(z, g[i]-f[i])
		}
	} else {
		z = append(z, make([]float64, len(f))...)
	}
	oh := make([]float64, nA)
	oh[st.A] = 1
	z = append(z, oh...)
	return append(z, float64(st.T)/float64(e.Horizon()), b2f(st.Done), 1)
}

func (d *lareDec) score(st sample.Step, role int) float64 {
	w := d.w[role]
	s := 0.0
	for i, x := range lareEncode(d.e, st) {
		if i < len(w) {
			s += w[i] * x
		}
	}
	return s
}

// lareDecoder fits (once per world) the linear decoder of each role with
// the lare method's own regression (turn.LaReFitDecoder): ridge regression
// of the episode's summed encoding on its return over the warm-up
// episodes, min_w Σ_i (w·Σ_t φ_it − R_i)² + λ|w|², λ = 1.
func (w *world) lareDecoder() (*lareDec, error) {
	if w.lare != nil {
		return w.lare, nil
	}
	d := &lareDec{e: w.e, w: make([][]float64, w.e.Roles())}
	for r := range d.w {
		var Z [][][]float64
		var y []float64
		for _, ep := range w.warm {
			var z [][]float64
			for _, st := range ep.Steps {
				if st.Role == r {
					z = append(z, lareEncode(w.e, st))
				}
			}
			if z != nil {
				Z = append(Z, z)
				y = append(y, ep.Return[r])
			}
		}
		if len(Z) == 0 {
			continue
		}
		wr, err := turn.LaReFitDecoder(Z, y, 1)
		if err != nil {
			return nil, fmt.Errorf("lare decoder of role %d: %w", r, err)
		}
		d.w[r] = wr
	}
	w.lare = d
	return d, nil
}

// BudgetSteps replaces a single-agent batch's steps by S budget segments
// ("budget" steps over the tokens [b_{j−1}, b_j), b_j = j·H/S), each scored
// by the answer forced at its end: the expected reward of the environment's
// "answer" action in the state reached after b_j steps (the episode's
// return when it ended earlier, or when the environment has no answer
// action or cannot answer there).
func BudgetSteps(e env.Env, S int) func(b *sample.Built, eps []sample.Episode) error {
	answer := -1
	for a, name := range e.Actions() {
		if name == "answer" {
			answer = a
		}
	}
	H := e.Horizon()
	return func(b *sample.Built, eps []sample.Episode) error {
		for i, t := range b.Batch.Trajectories {
			ep := eps[b.Ep[i]]
			L := t.Len()
			steps := make([]rollout.Step, 0, S)
			prev := 0
			for j := 1; j <= S; j++ {
				end := min(j*H/S, L)
				score := ep.Return[0]
				if end < len(ep.Steps) && answer >= 0 {
					st := ep.Steps[end]
					if l := e.Legal(st.S); l == nil || l[answer] {
						prior := 0.0
						for _, s := range ep.Steps[:end] {
							prior += s.Reward[0]
						}
						forced := 0.0
						for _, tr := range e.Step(st.S, st.T, answer) {
							forced += tr.P * tr.Reward[0]
						}
						score = prior + forced
					}
				}
				steps = append(steps, rollout.Step{Start: prev, End: end, Kind: "budget", Rewards: map[string]float64{"score": score}})
				prev = end
			}
			t.Steps = steps
		}
		return nil
	}
}
