package matrix

import (
	"github.com/credo-rl/credo/credit"
	"github.com/credo-rl/credo/lab/env"
	"github.com/credo-rl/credo/lab/sample"
	"github.com/credo-rl/credo/lab/train"
)

// Derived inputs for the process-reward stages VSRM and TP-GRPO, fed from
// what the lab already has: the forced-answer score (BRPO's budgets) and
// ArithChain-PRM's PRM judge.

func init() {
	derivedInputs["vsrm"] = inputSource{
		doc: "`vsrm`: on ArithChain and ArithChain-PRM (a single forced-answer action) steps[].values.mc is the forced-answer " +
			"accuracy after each step, the expected true reward of answering in the state the step reached (the episode's own " +
			"outcome on its final step), and features.mc_init the same score at the start state (VSRM's accuracy of intermediate " +
			"states, computed exactly instead of by sampling answers). Elsewhere n/a: there is no answer to force.",
		plan: func(w *world, m *credit.Method) (inputPlan, error) {
			if !hasAction(w.e, "answer") {
				return inputPlan{}, train.NotApplicable("no forced-answer action: the accuracy of an intermediate state cannot be scored (the lab forces ArithChain's answer line)")
			}
			return inputPlan{
				opts: func(_ int, _ []sample.Episode, o *sample.BuildOptions) error {
					o.StepValues = func(st sample.Step, role int) map[string]float64 {
						return map[string]float64{"mc": forcedAfter(w.e, st, role)}
					}
					return nil
				},
				edit: func(b *sample.Built, eps []sample.Episode) error {
					for i, t := range b.Batch.Trajectories {
						ep := eps[b.Ep[i]]
						t.Features["mc_init"] = forcedAt(w.e, ep.Start, 0, b.Role[i])
					}
					return nil
				},
			}, nil
		},
	}
	derivedInputs["tp_grpo"] = inputSource{
		doc: "`tp_grpo`: on ArithChain-PRM steps[].labels.correct is the PRM judge's verdict on the step (1 when its PRM score is " +
			"≥ 0.5: the judge the lab already uses for critique votes, with the PRM's padding flaw: fillers count as correct). " +
			"Elsewhere n/a: no step judge.",
		plan: func(w *world, m *credit.Method) (inputPlan, error) {
			if !hasPRM(w.e) {
				return inputPlan{}, train.NotApplicable("no step judge (the lab's only process judge is arithchain-prm's PRM)")
			}
			return inputPlan{opts: func(_ int, _ []sample.Episode, o *sample.BuildOptions) error {
				o.StepLabels = func(st sample.Step, _ int) map[string]float64 {
					return map[string]float64{"correct": b2f(st.Signals["prm"] >= 0.5)}
				}
				return nil
			}}, nil
		},
	}
}

// forcedAt is the expected reward of role taking the environment's
// "answer" action in s at time t (0 when it is not legal there).
func forcedAt(e env.Env, s env.State, t, role int) float64 {
	answer := -1
	for a, name := range e.Actions() {
		if name == "answer" {
			answer = a
		}
	}
	if answer < 0 || s == nil {
		return 0
	}
	if l := e.Legal(s); l != nil && !l[answer] {
		return 0
	}
	v := 0.0
	for _, tr := range e.Step(s, t, answer) {
		v += tr.P * tr.Reward[role]
	}
	return v
}

// forcedAfter is the forced-answer score after step st: its own reward
// when the step ended the episode, else forcedAt in the state it reached.
func forcedAfter(e env.Env, st sample.Step, role int) float64 {
	if st.Done || st.Next == nil {
		return st.Reward[role]
	}
	return forcedAt(e, st.Next, st.T+1, role)
}
