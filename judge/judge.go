package judge

import (
	"context"
	"embed"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"text/template"

	"github.com/credo-rl/credo/model"
	"github.com/credo-rl/credo/rollout"
)

//go:embed templates/*.tmpl
var embedded embed.FS

// Recipe is a judge recipe: which unit it judges, how the answer is read
// and which field of the record it writes.
type Recipe struct {
	Name   string
	Method string
	// PerStep: one judge call per top-level step; else one per response.
	PerStep bool
	// StepFree recipes judge whole responses and need no steps.
	StepFree bool
	// Votes is the number of samples per call (CAPO: m critiques).
	Votes int
	// Writes names the fields written (for the docs and `credo judge --list`).
	Writes string
	// Provenance says what follows the paper and what is credo's.
	Provenance string
	// Grammar is the regular expression a whole answer matches, for a
	// response of n steps (Go regexp syntax, no anchors); Options.Guided
	// sends it as vLLM's guided_regex so that a constrained server can only
	// answer in the recipe's format.
	Grammar func(n int) string
	parse   func(answer string, nSteps int) (any, error)
	// tool, when set, labels each step without a model call.
	tool  func(step string) (float64, bool, error)
	write func(t *rollout.Trajectory, step int, vals []any) error
}

// Recipes lists the built-in recipes by name.
var Recipes = map[string]*Recipe{}

func add(r *Recipe) { Recipes[r.Name] = r }

// Names returns the recipe names, sorted.
func Names() []string {
	var out []string
	for k := range Recipes {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// Options configure a judge run.
type Options struct {
	Client      *model.Client
	Temperature float64
	MaxTokens   int
	Seed        uint64
	// Votes overrides the recipe's number of samples (CAPO's m).
	Votes int
	// Templates, when set, is a directory whose NAME.tmpl files override
	// the embedded templates.
	Templates string
	// Guided sends each call's answer grammar (Recipe.Grammar, or
	// AnswerRegex when set) as the request field guided_regex (vLLM's
	// guided decoding; `credo lab serve` honours it too).
	Guided      bool
	AnswerRegex string
	// Extra request fields, merged into every call (e.g.
	// truncate_prompt_tokens for a short-context server).
	Extra map[string]any
	// Progress, when set, is called after each judge call.
	Progress func(done, total int)
}

// Failure is a judge answer that could not be parsed.
type Failure struct {
	ID     string `json:"traj_uid"`
	Step   int    `json:"step"` // -1 for a per-response call
	Sample int    `json:"sample"`
	Answer string `json:"answer"`
	Err    string `json:"error"`
}

// ParseError lists every unparsable answer; nothing was written.
type ParseError struct{ Failures []Failure }

func (e *ParseError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "judge: %d answers could not be parsed (no record was written):", len(e.Failures))
	for i, f := range e.Failures {
		if i == 10 {
			fmt.Fprintf(&b, "\n  ... and %d more", len(e.Failures)-10)
			break
		}
		fmt.Fprintf(&b, "\n  traj_uid %q step %d sample %d: %s; answer %q", f.ID, f.Step, f.Sample, f.Err, f.Answer)
	}
	return b.String()
}

// Data is what a template sees.
type Data struct {
	Prompt, Response, GroundTruth string
	Steps                         []string
	Before                        []string
	StepNumber                    int
	StepText                      string
}

// LoadTemplate returns recipe name's template, from dir when it has one.
func LoadTemplate(name, dir string) (*template.Template, error) {
	var src []byte
	var err error
	if dir != "" {
		src, err = os.ReadFile(filepath.Join(dir, name+".tmpl"))
		if os.IsNotExist(err) {
			src, err = embedded.ReadFile("templates/" + name + ".tmpl")
		}
	} else {
		src, err = embedded.ReadFile("templates/" + name + ".tmpl")
	}
	if err != nil {
		return nil, fmt.Errorf("judge: template %s: %w", name, err)
	}
	return template.New(name).Funcs(template.FuncMap{"inc": func(i int) int { return i + 1 }}).Option("missingkey=error").Parse(string(src))
}

// Texts returns a record's prompt text (field "prompt", may be empty), its
// response text and the text of each top-level step, from token_text.
func Texts(t *rollout.Trajectory) (prompt, response string, steps []string, err error) {
	if raw, ok := t.Extra["prompt"]; ok {
		if err := json.Unmarshal(raw, &prompt); err != nil {
			return "", "", nil, fmt.Errorf("traj_uid %q: field prompt: want a string", t.ID)
		}
	}
	raw, ok := t.Extra["token_text"]
	if !ok {
		if raw, ok = t.Extra["response"]; ok {
			if err := json.Unmarshal(raw, &response); err != nil {
				return "", "", nil, fmt.Errorf("traj_uid %q: field response: want a string", t.ID)
			}
		}
		for _, k := range t.TopSteps() {
			steps = append(steps, t.Steps[k].Observation)
		}
		if response == "" {
			return "", "", nil, fmt.Errorf("traj_uid %q: field token_text (or response): missing, the judge needs the response text", t.ID)
		}
		return prompt, response, steps, nil
	}
	var tt []string
	if err := json.Unmarshal(raw, &tt); err != nil || len(tt) != t.Len() {
		return "", "", nil, fmt.Errorf("traj_uid %q: field token_text: want one string per token", t.ID)
	}
	response = strings.Join(tt, "")
	for _, k := range t.TopSteps() {
		s := t.Steps[k]
		if s.Start < 0 || s.End > len(tt) || s.Start > s.End {
			return "", "", nil, fmt.Errorf("traj_uid %q: steps[%d]: span [%d, %d) outside the %d tokens", t.ID, k, s.Start, s.End, len(tt))
		}
		steps = append(steps, strings.TrimSpace(strings.Join(tt[s.Start:s.End], "")))
	}
	return prompt, response, steps, nil
}

type call struct {
	row, step int
	prompt    string
}

// Run judges every non-probe record of b with recipe r and writes the
// recipe's fields. If any answer cannot be parsed it writes nothing and
// returns a *ParseError listing them all.
func Run(ctx context.Context, b *rollout.Batch, r *Recipe, o Options) error {
	if r.tool != nil {
		return runTool(b, r)
	}
	tmpl, err := LoadTemplate(r.Name, o.Templates)
	if err != nil {
		return err
	}
	votes := r.Votes
	if o.Votes > 0 {
		votes = o.Votes
	}
	var calls []call
	nsteps := map[int]int{}
	for i, t := range b.Trajectories {
		if t.Probe {
			continue
		}
		prompt, resp, steps, err := Texts(t)
		if err != nil {
			return err
		}
		nsteps[i] = len(steps)
		if len(steps) == 0 && !r.StepFree {
			return fmt.Errorf("judge %s: trajectory %d (traj_uid %q) has no steps (give steps, or split lines with --line-steps)", r.Name, i, t.ID)
		}
		d := Data{Prompt: prompt, Response: resp, GroundTruth: t.GroundTruth, Steps: steps}
		if r.PerStep {
			for k := range steps {
				d.Before, d.StepNumber, d.StepText = steps[:k], k+1, steps[k]
				var sb strings.Builder
				if err := tmpl.Execute(&sb, d); err != nil {
					return fmt.Errorf("judge %s: template: %w", r.Name, err)
				}
				calls = append(calls, call{i, k, sb.String()})
			}
		} else {
			var sb strings.Builder
			if err := tmpl.Execute(&sb, d); err != nil {
				return fmt.Errorf("judge %s: template: %w", r.Name, err)
			}
			calls = append(calls, call{i, -1, sb.String()})
		}
	}
	answers := make([][]string, len(calls))
	errs := make([]error, len(calls))
	var wg sync.WaitGroup
	var mu sync.Mutex
	done := 0
	tick := func() {
		if o.Progress != nil {
			mu.Lock()
			done++
			o.Progress(done, len(calls))
			mu.Unlock()
		}
	}
	for ci, c := range calls {
		wg.Go(func() {
			defer tick()
			id := fmt.Sprintf("%s/%d", b.Trajectories[c.row].ID, c.step)
			seed := o.Seed ^ fnv(id)
			// servers that ignore n (llama.cpp) answer once: the remaining
			// votes are asked for one by one, each with its own seed
			for k := 0; len(answers[ci]) < votes; k++ {
				want := votes - len(answers[ci])
				if k > 0 {
					want = 1
				}
				resp, err := o.Client.Chat(ctx, model.ChatRequest{Messages: []model.Message{{Role: "user", Content: c.prompt}},
					N: want, Temperature: model.F(o.Temperature), MaxTokens: o.MaxTokens, Seed: model.U(seed + uint64(k)),
					Extra: extraFor(r, o, nsteps[c.row])})
				if err != nil {
					errs[ci] = fmt.Errorf("traj_uid %q step %d: %w", b.Trajectories[c.row].ID, c.step, err)
					return
				}
				if len(resp.Choices) == 0 || len(resp.Choices) > want || k > votes {
					errs[ci] = fmt.Errorf("traj_uid %q step %d: asked for %d answers, got %d", b.Trajectories[c.row].ID, c.step, want, len(resp.Choices))
					return
				}
				for _, ch := range resp.Choices {
					answers[ci] = append(answers[ci], ch.Text)
				}
			}
		})
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	parsed := make([][]any, len(calls))
	var fails []Failure
	for ci, c := range calls {
		for k, a := range answers[ci] {
			v, err := r.parse(a, nsteps[c.row])
			if err != nil {
				fails = append(fails, Failure{ID: b.Trajectories[c.row].ID, Step: c.step, Sample: k, Answer: a, Err: err.Error()})
				continue
			}
			parsed[ci] = append(parsed[ci], v)
		}
	}
	if len(fails) > 0 {
		return &ParseError{Failures: fails}
	}
	for ci, c := range calls {
		if err := r.write(b.Trajectories[c.row], c.step, parsed[ci]); err != nil {
			return fmt.Errorf("traj_uid %q: %w", b.Trajectories[c.row].ID, err)
		}
	}
	return nil
}

// extraFor is a call's extra request fields: o.Extra, and the answer
// grammar when guided.
func extraFor(r *Recipe, o Options, n int) map[string]any {
	if !o.Guided && len(o.Extra) == 0 {
		return nil
	}
	m := make(map[string]any, len(o.Extra)+1)
	for k, v := range o.Extra {
		m[k] = v
	}
	if o.Guided {
		re := o.AnswerRegex
		if re == "" && r.Grammar != nil {
			re = r.Grammar(n)
		}
		if re != "" {
			m["guided_regex"] = re
		}
	}
	return m
}

func runTool(b *rollout.Batch, r *Recipe) error {
	for i, t := range b.Trajectories {
		if t.Probe {
			continue
		}
		_, _, steps, err := Texts(t)
		if err != nil {
			return err
		}
		if len(steps) == 0 {
			return fmt.Errorf("judge %s: trajectory %d (traj_uid %q) has no steps", r.Name, i, t.ID)
		}
		for k, s := range steps {
			v, ok, err := r.tool(s)
			if err != nil {
				return fmt.Errorf("traj_uid %q step %d: %w", t.ID, k, err)
			}
			if ok {
				if err := writeTool(t, k, v); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

func fnv(s string) uint64 {
	h := uint64(14695981039346656037)
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= 1099511628211
	}
	return h >> 1
}

// lastLine returns the last line of a that starts with key (case-insensitive,
// after trimming) and the rest of it.
func lastLine(a, key string) (string, bool) {
	lines := strings.Split(strings.TrimSpace(a), "\n")
	for i := len(lines) - 1; i >= 0; i-- {
		l := strings.TrimSpace(strings.Trim(strings.TrimSpace(lines[i]), "*"))
		if len(l) >= len(key) && strings.EqualFold(l[:len(key)], key) {
			return strings.TrimSpace(l[len(key):]), true
		}
	}
	return "", false
}

var numRE = regexp.MustCompile(`^-?\d+(\.\d+)?$`)

func number(s string, lo, hi float64) (float64, error) {
	s = strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(s), "."))
	if !numRE.MatchString(s) {
		return 0, fmt.Errorf("%q is not a number", s)
	}
	x, err := strconv.ParseFloat(s, 64)
	if err != nil || x < lo || x > hi {
		return 0, fmt.Errorf("%q is outside [%g, %g]", s, lo, hi)
	}
	return x, nil
}

func setStep(t *rollout.Trajectory, step int, f func(s *rollout.Step)) error {
	top := t.TopSteps()
	if step < 0 || step >= len(top) {
		return fmt.Errorf("step %d of %d", step, len(top))
	}
	steps := append([]rollout.Step(nil), t.Steps...)
	s := &steps[top[step]]
	s.Labels = cloneMap(s.Labels)
	s.Rewards = cloneMap(s.Rewards)
	s.Values = cloneMap(s.Values)
	f(s)
	t.Steps = steps
	return nil
}

func cloneMap(m map[string]float64) map[string]float64 {
	out := make(map[string]float64, len(m)+1)
	for k, v := range m {
		out[k] = v
	}
	return out
}
