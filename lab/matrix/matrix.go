package matrix

import (
	"context"
	"fmt"
	"math"
	"sort"
	"strings"

	"github.com/credo-rl/credo/credit"
	"github.com/credo-rl/credo/lab/env"
	"github.com/credo-rl/credo/lab/policy"
	"github.com/credo-rl/credo/lab/result"
	"github.com/credo-rl/credo/lab/run"
	"github.com/credo-rl/credo/lab/score"
	"github.com/credo-rl/credo/lab/train"
)

// matrixEnvs are the environments of the matrix (every registered one).
func matrixEnvs() []string {
	names := env.Names()
	if len(names) == 0 {
		return []string{"toy_corridor", "toy_nim"}
	}
	return names
}

// Run scores every registered method on every environment: the
// credit-accuracy matrix (the "matrix" experiment of lab/exp, without
// its findings).
func Run(ctx context.Context, x *run.Ctx) (*result.Result, error) {
	envs := matrixEnvs()
	rows := matrixRows(credit.All())
	sz := Size{P: 4, N: 8, R: x.Pick(4, 8), Warm: x.Pick(4, 16)}
	S := len(x.Seeds)
	x.Total(S * len(envs))
	// scores[seed][env][method]
	scores := make([][][]CellScore, S)
	for si := range scores {
		scores[si] = make([][]CellScore, len(envs))
	}
	envErr := make([]string, len(envs))
	jobs := S * len(envs)
	err := x.Parallel(ctx, jobs, func(j int) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		si, ei := j/len(envs), j%len(envs)
		w, err := newWorld(x, envs[ei], x.Seeds[si], sz)
		row := make([]CellScore, len(rows))
		if err != nil {
			for i := range row {
				row[i] = CellScore{Status: "error", Reason: "environment: " + err.Error()}
			}
			envErr[ei] = err.Error()
		} else {
			for i, r := range rows {
				row[i] = w.scoreRow(r)
			}
		}
		scores[si][ei] = row
		x.Tick(1)
		return nil
	})
	if err != nil {
		return nil, err
	}
	mx := &result.Matrix{Envs: envs}
	for _, r := range rows {
		mx.Methods = append(mx.Methods, r.name)
	}
	res := &result.Result{Config: map[string]any{
		"policy":            "tabular softmax over observation keys, logits ~ N(0, 1) per (state, action), seeded",
		"prompts_per_batch": sz.P, "group_size": sz.N, "batches": sz.R, "warmup_batches": sz.Warm,
		"critic": "tables V(role, state, t) and Q(role, state, t, a) fitted to Monte Carlo returns of the warm-up batches (0 for a key the warm-up never saw: " +
			"critic_coverage per cell); rows \"[oracle critic]\": the exact V^π and Q^π; rows \"[linear critic]\": V linear in the state features and t/H, " +
			"300 Adam steps of the engine's value loss on the warm-up returns (Q, for ArCHer, stays the table)",
		"reference":      "uniform policy over legal actions (ref_log_prob)",
		"gamma":          "1 for every method with a gamma parameter (A^π is undiscounted)",
		"trees":          fmt.Sprintf("tree methods: %d roots per prompt, each forking once at a uniform interior step", max(sz.N/2, 1)),
		"envs":           envs,
		"derived_inputs": "inputs the lab derives from the environments for particular methods: matrix.inputs",
	}}
	for ei, en := range envs {
		for mi, r := range rows {
			cell := result.Cell{Method: r.name, Env: en, Status: "ok"}
			per := map[string][]float64{}
			for si := 0; si < S; si++ {
				c := scores[si][ei][mi]
				if c.Status != "ok" {
					cell.Status, cell.Reason = c.Status, c.Reason
					break
				}
				for k, v := range c.Metrics {
					per[k] = append(per[k], v)
				}
			}
			if cell.Status == "ok" {
				cell.Metrics = map[string]result.Interval{}
				keys := make([]string, 0, len(per))
				for k := range per {
					keys = append(keys, k)
				}
				sort.Strings(keys)
				for _, k := range keys {
					lo, hi := result.MetricRange(k)
					cell.Metrics[k] = score.CI95In(per[k], lo, hi)
					res.Rows = append(res.Rows, result.Row{Env: en, Method: r.name, Metric: k, Value: cell.Metrics[k], Seeds: per[k]})
				}
			}
			mx.Cells = append(mx.Cells, cell)
		}
	}
	if !x.Quick {
		if err := scoreStages(ctx, x, mx, rows, envs, sz); err != nil {
			return nil, err
		}
	}
	mx.Inputs = derivedInputDocs()
	GroupEquivalents(mx)
	res.Matrix = mx
	for ei, e := range envErr {
		if e != "" {
			res.Notes = append(res.Notes, fmt.Sprintf("environment %s could not be built: %s", envs[ei], e))
		}
	}
	return res, nil
}

// matrixStages are the points of training (iterations of GRPO from the
// matrix's random initial policy) and group sizes the full-mode matrix is
// also scored at; the headline matrix is the initial policy with N = 8.
var matrixStages = []struct {
	name  string
	iters int
	n     int
}{{"initial", 0, 4}, {"middle", 25, 8}, {"middle", 25, 4}, {"late", 100, 8}, {"late", 100, 4}}

// scoreStages scores every row at the trained policies of matrixStages:
// the policy is the initial one trained by verl.grpo (PPO, Adam 0.1,
// 4 prompts × 8) for the stage's iterations on the same environment and
// seed; the world (warm-up critic, batches) is rebuilt at that policy.
// Each stage's Pearson goes into Matrix.Stages.
func scoreStages(ctx context.Context, x *run.Ctx, mx *result.Matrix, rows []matrixRow, envs []string, sz Size) error {
	S := len(x.Seeds)
	type job struct{ st, ei, si int }
	var jobs []job
	for st := range matrixStages {
		for ei := range envs {
			for si := 0; si < S; si++ {
				jobs = append(jobs, job{st, ei, si})
			}
		}
	}
	scores := make([][]CellScore, len(jobs))
	errs := make([]string, len(jobs))
	err := x.Parallel(ctx, len(jobs), func(j int) error {
		jb := jobs[j]
		stg := matrixStages[jb.st]
		seed := x.Seeds[jb.si]
		var pol *policy.Tabular
		if stg.iters > 0 {
			out, err := train.Run(ctx, x, seed, train.Spec{Env: envs[jb.ei], Method: "verl.grpo", InitScale: 1, Iters: stg.iters,
				P: 4, N: 8, LR: 0.1, Update: train.DefaultUpdate(), EvalEvery: stg.iters, Cycle: true})
			if err != nil {
				if ctx.Err() != nil {
					return err
				}
				errs[j] = err.Error()
				return nil
			}
			pol, _ = out.Pol.(*policy.Tabular)
		}
		ssz := sz
		ssz.N = stg.n
		w, err := newWorldPol(x, envs[jb.ei], seed, ssz, pol)
		if err != nil {
			errs[j] = err.Error()
			return nil
		}
		row := make([]CellScore, len(rows))
		for i, r := range rows {
			row[i] = w.scoreRow(r)
		}
		scores[j] = row
		return nil
	})
	if err != nil {
		return err
	}
	for st, stg := range matrixStages {
		sm := result.StageMatrix{Stage: stg.name, Iterations: stg.iters, GroupSize: stg.n}
		for ei, en := range envs {
			for ri, r := range rows {
				cell := result.Cell{Method: r.name, Env: en, Status: "ok"}
				var per []float64
				for j, jb := range jobs {
					if jb.st != st || jb.ei != ei {
						continue
					}
					if scores[j] == nil {
						cell.Status, cell.Reason = "error", "training or world: "+errs[j]
						break
					}
					c := scores[j][ri]
					if c.Status != "ok" {
						cell.Status, cell.Reason = c.Status, c.Reason
						break
					}
					per = append(per, c.Metrics["pearson"])
				}
				if cell.Status == "ok" {
					cell.Metrics = map[string]result.Interval{"pearson": score.CI95In(per, -1, 1)}
				}
				sm.Cells = append(sm.Cells, cell)
			}
		}
		mx.Stages = append(mx.Stages, sm)
	}
	return nil
}

// GroupEquivalents finds the rows that are the same function on the
// lab's data (every cell's status and every metric of every seed equal,
// e.g. profiles of GRPO/RLOO that differ only where the lab's data never
// goes): the first stays in Methods with the others in Equivalents, the
// others leave Methods (their cells stay in Cells and results.json).
func GroupEquivalents(m *result.Matrix) {
	sig := func(name string) string {
		var b strings.Builder
		for _, e := range m.Envs {
			c := m.Cell(name, e)
			if c == nil {
				b.WriteString("nil;")
				continue
			}
			b.WriteString(c.Status + ":")
			if c.Status != "ok" {
				b.WriteString(c.Reason + ";")
				continue
			}
			ks := make([]string, 0, len(c.Metrics))
			for k := range c.Metrics {
				ks = append(ks, k)
			}
			sort.Strings(ks)
			for _, k := range ks {
				if k == "critic_coverage" {
					continue
				}
				v := c.Metrics[k]
				fmt.Fprintf(&b, "%s=%x/%x/%x,", k, math.Float64bits(v.Mean), math.Float64bits(v.Lo), math.Float64bits(v.Hi))
			}
			b.WriteString(";")
		}
		return b.String()
	}
	first := map[string]string{}
	var keep []string
	m.Equivalents = map[string][]string{}
	for _, name := range m.Methods {
		s := sig(name)
		allNA := true
		for _, e := range m.Envs {
			if c := m.Cell(name, e); c != nil && c.Status == "ok" {
				allNA = false
			}
		}
		if rep, ok := first[s]; ok && !allNA {
			m.Equivalents[rep] = append(m.Equivalents[rep], name)
			continue
		}
		first[s] = name
		keep = append(keep, name)
	}
	m.Methods = keep
	if len(m.Equivalents) == 0 {
		m.Equivalents = nil
	}
}
