package judge

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/credo-rl/credo/rollout"
)

func init() {
	add(&Recipe{Name: "capo", Method: "capo", Votes: 4,
		Writes:     "steps[k].labels.wrong_vote_<j> (1 when critique j names step k, else 0) for j < votes",
		Provenance: "CAPO: m generative critiques per response name the wrong steps, voted by the method (paper); the prompt wording and m = 4 are credo's",
		Grammar:    capoGrammar,
		parse: func(a string, n int) (any, error) {
			rest, ok := lastLine(a, "WRONG STEPS:")
			if !ok {
				return nil, fmt.Errorf("no line \"WRONG STEPS: ...\"")
			}
			wrong := make([]bool, n)
			if strings.EqualFold(strings.TrimSuffix(strings.TrimSpace(rest), "."), "none") {
				return wrong, nil
			}
			for _, f := range strings.Split(rest, ",") {
				f = strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(f), "."))
				k, err := strconv.Atoi(f)
				if err != nil {
					return nil, fmt.Errorf("%q is not a step number", f)
				}
				if k < 1 || k > n {
					return nil, fmt.Errorf("step %d does not exist (the solution has %d)", k, n)
				}
				wrong[k-1] = true
			}
			return wrong, nil
		},
		write: func(t *rollout.Trajectory, _ int, vals []any) error {
			for j, v := range vals {
				w := v.([]bool)
				for k := range w {
					if err := setStep(t, k, func(s *rollout.Step) { s.Labels[fmt.Sprintf("wrong_vote_%d", j)] = b01(w[k]) }); err != nil {
						return err
					}
				}
			}
			return nil
		}})
	add(&Recipe{Name: "calm", Method: "calm", PerStep: true, Votes: 1,
		Writes:     "steps[k].labels.subgoal (1 = the judge says the turn achieves a subgoal; the mean over votes)",
		Provenance: "CALM: an LLM judge labels turns that achieve subgoals (paper); the prompt wording is credo's",
		Grammar:    fixed(`ANSWER: (YES|NO)`),
		parse:      yesNo("ANSWER:", "YES", "NO"),
		write:      meanLabel("subgoal")})
	add(&Recipe{Name: "tp_grpo", Method: "tp_grpo", PerStep: true, Votes: 1,
		Writes:     "steps[k].labels.correct (1 = correct; the mean over votes)",
		Provenance: "TP-GRPO: step correctness from a judge (paper); the prompt wording is credo's",
		Grammar:    fixed(`VERDICT: (CORRECT|INCORRECT)`),
		parse:      yesNo("VERDICT:", "CORRECT", "INCORRECT"),
		write:      meanLabel("correct")})
	add(&Recipe{Name: "sotopia_rl", Method: "sotopia_rl", PerStep: true, Votes: 1,
		Writes:     "steps[k].rewards.goal, .relationship, .knowledge (0-10 scores scaled to [0, 1]; mean over votes)",
		Provenance: "Sotopia-RL: LLM attribution of the episode outcome to utterances along goal, relationship and knowledge (paper); the 0-10 scale is Sotopia's, the wording and the scaling are credo's",
		Grammar:    fixed(`GOAL: (10|[0-9])\nRELATIONSHIP: (10|[0-9])\nKNOWLEDGE: (10|[0-9])`),
		parse: func(a string, _ int) (any, error) {
			out := make([]float64, 3)
			for i, k := range []string{"GOAL:", "RELATIONSHIP:", "KNOWLEDGE:"} {
				rest, ok := lastLine(a, k)
				if !ok {
					return nil, fmt.Errorf("no line %q", k+" <number>")
				}
				x, err := number(rest, 0, 10)
				if err != nil {
					return nil, fmt.Errorf("%s %w", k, err)
				}
				out[i] = x / 10
			}
			return out, nil
		},
		write: func(t *rollout.Trajectory, step int, vals []any) error {
			return setStep(t, step, func(s *rollout.Step) {
				for i, k := range []string{"goal", "relationship", "knowledge"} {
					sum := 0.0
					for _, v := range vals {
						sum += v.([]float64)[i]
					}
					s.Rewards[k] = sum / float64(len(vals))
				}
			})
		}})
	add(&Recipe{Name: "posterior_grpo", Method: "posterior_grpo", Votes: 1, StepFree: true,
		Writes:     "rewards.thinking (judge score in [0, 1], mean over votes) and rewards.format (1 when the response has one <think>...</think> block before the answer, else 0)",
		Provenance: "Posterior-GRPO: a thinking-quality reward from a judge and a format reward (paper); the prompt, the 0-1 scale and the format rule are credo's",
		Grammar:    fixed(`SCORE: ` + unit),
		parse: func(a string, _ int) (any, error) {
			rest, ok := lastLine(a, "SCORE:")
			if !ok {
				return nil, fmt.Errorf("no line \"SCORE: <number>\"")
			}
			return number(rest, 0, 1)
		},
		write: func(t *rollout.Trajectory, _ int, vals []any) error {
			_, resp, _, err := Texts(t)
			if err != nil {
				return err
			}
			sum := 0.0
			for _, v := range vals {
				sum += v.(float64)
			}
			r := cloneMap(t.Rewards)
			r["thinking"] = sum / float64(len(vals))
			r["format"] = b01(thinkFormat.MatchString(resp))
			t.Rewards = r
			return nil
		}})
	add(&Recipe{Name: "lare", Method: "lare", PerStep: true, Votes: 1,
		Writes:     "steps[k].values.z0, z1, z2 (the encoder's latent factors, mean over votes) for lare's decoder=ridge",
		Provenance: "LaRe: an LLM encoder maps each turn to latent reward factors that a decoder turns into a reward (paper); the factor list and wording are credo's (edit lare.tmpl for your task; the answer line may carry any number of factors, the same for every turn)",
		Grammar:    fixed(`FACTORS: ` + unit + `, ` + unit + `, ` + unit),
		parse: func(a string, _ int) (any, error) {
			rest, ok := lastLine(a, "FACTORS:")
			if !ok {
				return nil, fmt.Errorf("no line \"FACTORS: a, b, ...\"")
			}
			var out []float64
			for _, f := range strings.Split(rest, ",") {
				x, err := number(f, -1e6, 1e6)
				if err != nil {
					return nil, err
				}
				out = append(out, x)
			}
			return out, nil
		},
		write: func(t *rollout.Trajectory, step int, vals []any) error {
			n := len(vals[0].([]float64))
			for _, v := range vals {
				if len(v.([]float64)) != n {
					return fmt.Errorf("step %d: votes give %d and %d factors", step, n, len(v.([]float64)))
				}
			}
			return setStep(t, step, func(s *rollout.Step) {
				for i := range n {
					sum := 0.0
					for _, v := range vals {
						sum += v.([]float64)[i]
					}
					s.Values[fmt.Sprintf("z%d", i)] = sum / float64(len(vals))
				}
			})
		}})
}

// unit is a number in [0, 1] with at most two decimals.
const unit = `(0(\.[0-9][0-9]?)?|1(\.00?)?)`

func fixed(re string) func(int) string { return func(int) string { return re } }

// capoGrammar: "none" or step numbers of the n steps, increasing, without
// repeats (each subset has one spelling).
func capoGrammar(n int) string {
	alts := []string{"none"}
	for i := 1; i <= n; i++ {
		var sb strings.Builder
		sb.WriteString(strconv.Itoa(i))
		for j := i + 1; j <= n; j++ {
			fmt.Fprintf(&sb, "(, %d)?", j)
		}
		alts = append(alts, sb.String())
	}
	return "WRONG STEPS: (" + strings.Join(alts, "|") + ")"
}

var thinkFormat = regexp.MustCompile(`(?s)^\s*<think>.*?</think>\s*\S`)

func b01(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

func yesNo(key, yes, no string) func(string, int) (any, error) {
	return func(a string, _ int) (any, error) {
		rest, ok := lastLine(a, key)
		if !ok {
			return nil, fmt.Errorf("no line %q", key+" "+yes+"|"+no)
		}
		w := strings.ToUpper(strings.TrimSuffix(strings.TrimSpace(rest), "."))
		switch w {
		case yes:
			return 1.0, nil
		case no:
			return 0.0, nil
		}
		return nil, fmt.Errorf("%q is neither %s nor %s", rest, yes, no)
	}
}

func meanLabel(key string) func(*rollout.Trajectory, int, []any) error {
	return func(t *rollout.Trajectory, step int, vals []any) error {
		sum := 0.0
		for _, v := range vals {
			sum += v.(float64)
		}
		return setStep(t, step, func(s *rollout.Step) { s.Labels[key] = sum / float64(len(vals)) })
	}
}
