package all_test

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/credo-rl/credo/credit"
)

// Every registered parameter says where its default comes from, its
// default fits its kind, range and choices, and its names and aliases are
// unambiguous (issue 8: "A test fails if a parameter lacks its origin").
func TestEveryParamHasOrigin(t *testing.T) {
	kinds := map[credit.OriginKind]bool{credit.OriginPaper: true, credit.OriginReference: true, credit.OriginCredo: true}
	n := 0
	for _, m := range credit.All() {
		names := map[string]bool{}
		for i := range m.Params {
			p := &m.Params[i]
			n++
			if !kinds[p.Origin.Kind] || strings.TrimSpace(p.Origin.Where) == "" {
				t.Errorf("%s: parameter %s has no origin (paper §, reference file::function, or credo + reason): %+v", m.Name, p.Name, p.Origin)
			}
			if p.Origin.Kind == credit.OriginReference && !strings.Contains(p.Origin.Where, "/") {
				t.Errorf("%s: parameter %s: a reference origin names a file: %q", m.Name, p.Name, p.Origin.Where)
			}
			if err := p.CheckDefault(); err != nil {
				t.Errorf("%s: parameter %s: default: %v", m.Name, p.Name, err)
			}
			for _, name := range append([]string{p.Name}, aliasNames(p)...) {
				if names[name] {
					t.Errorf("%s: name %q is used twice (parameter or alias)", m.Name, name)
				}
				names[name] = true
			}
			for _, a := range p.Aliases {
				if a.Note == "" {
					t.Errorf("%s: alias %s of %s has no note", m.Name, a.Name, p.Name)
				}
			}
		}
	}
	if n < 300 {
		t.Errorf("only %d parameters seen; is the catalogue registered?", n)
	}
}

func aliasNames(p *credit.Param) []string {
	var out []string
	for _, a := range p.Aliases {
		out = append(out, a.Name)
	}
	return out
}

// Floats must be finite and inside the declared range when parsed.
func TestParamRangesChecked(t *testing.T) {
	m, err := credit.Lookup("verl.gae")
	if err != nil {
		t.Fatal(err)
	}
	for _, bad := range []string{"gamma=NaN", "gamma=+Inf", "gamma=1.5", "gamma=-0.1", "lam=2"} {
		if _, err := m.Parse([]string{bad}); err == nil {
			t.Errorf("verl.gae accepted %s", bad)
		}
	}
	if _, err := m.Parse([]string{"gamma=1", "lam=0"}); err != nil {
		t.Errorf("bounds are closed: %v", err)
	}
	g, _ := credit.Lookup("verl.grpo")
	if _, err := g.Parse([]string{"epsilon=-1e-6"}); err == nil {
		t.Error("verl.grpo accepted a negative epsilon")
	}
}

// Deprecated aliases still set the parameter and are reported.
func TestDeprecatedAliases(t *testing.T) {
	m, _ := credit.Lookup("calm")
	v, err := m.Parse([]string{"norm_by_std=false"})
	if err != nil {
		t.Fatal(err)
	}
	if v.Bool("norm_adv_by_std_in_grpo") {
		t.Error("norm_by_std=false did not reach norm_adv_by_std_in_grpo")
	}
	if d := m.Deprecations([]string{"norm_by_std=false", "gamma=1"}); len(d) != 1 || !strings.Contains(d[0], "norm_adv_by_std_in_grpo") {
		t.Errorf("deprecations: %q", d)
	}
	o, _ := credit.Lookup("openrlhf.compute_advantages_and_returns")
	v, err = o.Parse([]string{"lambd=0.9", "init_kl_coef=0.01", "no_advantage_std_norm=true", "reward_clip_range=-5,5", "generate_max_len=16"})
	if err != nil {
		t.Fatal(err)
	}
	if v.Float("lam") != 0.9 || v.Float("kl_coef") != 0.01 || v.Bool("norm_adv_by_std_in_grpo") || v.Float("reward_clip") != 5 || v.Float("max_new_tokens") != 16 {
		t.Errorf("OpenRLHF flags: %v", v)
	}
	if _, err := o.Parse([]string{"reward_clip_range=-5,10"}); err == nil {
		t.Error("an asymmetric reward_clip_range was accepted")
	}
	if len(o.Deprecations([]string{"lambd=0.9"})) != 0 {
		t.Error("OpenRLHF's own flag reported as deprecated")
	}
}

// Each *_register.go file binds one method (issue 8: each binding beside
// its estimator), so every parameter it reads by name must be one the
// method declares: a misspelt name would silently read 0.
func TestBindingsReadDeclaredParams(t *testing.T) {
	files, err := filepath.Glob("../*/*_register.go")
	if err != nil || len(files) < 30 {
		t.Fatalf("found %d binding files (%v)", len(files), err)
	}
	nameRE := regexp.MustCompile(`credit\.Register\(&credit\.Method\{\s*Name:\s+("[^"]+"|\w+),`)
	readRE := regexp.MustCompile(`\bv\.(?:Float|Int|Bool|String|Has)\("([^"]+)"\)`)
	consts := map[string]string{"KnapsackMethod": "knapsack.grpo"}
	for _, f := range files {
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		ms := nameRE.FindAllSubmatch(src, -1)
		if len(ms) != 1 {
			t.Errorf("%s: %d Register calls, want 1", f, len(ms))
			continue
		}
		name := strings.Trim(string(ms[0][1]), `"`)
		if c, ok := consts[name]; ok {
			name = c
		}
		m, err := credit.Lookup(name)
		if err != nil {
			t.Errorf("%s: %v", f, err)
			continue
		}
		for _, r := range readRE.FindAllSubmatch(src, -1) {
			if p, alias := m.Param(string(r[1])); p == nil || alias != nil {
				t.Errorf("%s (%s) reads parameter %q, which it does not declare", f, name, r[1])
			}
		}
	}
}
