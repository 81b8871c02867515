package main

import (
	"encoding/json"
	"strings"
	"testing"
)

// credo methods NAME shows each parameter's origin, accepted values and
// aliases; the JSON form carries the same for every parameter.
func TestMethodsShowsOriginsAndAliases(t *testing.T) {
	code, out, stderr := credo(t, "methods", "clip_delta")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	for _, want := range []string{
		"origin: credo: value not given in the paper; chosen because",
		"alias estimator: deprecated: use base",
		"(unset)",
		"{auto|fixed|batch_mean}",
		"inferred where the paper is silent:",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("credo methods clip_delta lacks %q", want)
		}
	}
	code, out, _ = credo(t, "methods", "verl.gae")
	if code != 0 || !strings.Contains(out, "[0, 1]") || !strings.Contains(out, "origin: reference: verl/trainer/config/ppo_trainer.yaml::algorithm.lam") {
		t.Errorf("credo methods verl.gae: range or origin missing:\n%s", out)
	}
	code, out, _ = credo(t, "methods", "--format", "json", "openrlhf.rloo")
	if code != 0 {
		t.Fatalf("exit %d", code)
	}
	var ms []struct {
		Params []struct {
			Name    string
			Default any
			Origin  struct{ Kind, Where string }
			Aliases []struct {
				Name       string
				Deprecated bool
				Note       string
			}
		}
	}
	if err := json.Unmarshal([]byte(out), &ms); err != nil || len(ms) != 1 {
		t.Fatalf("json: %v", err)
	}
	aliases := map[string]bool{}
	for _, p := range ms[0].Params {
		if p.Origin.Kind == "" || p.Origin.Where == "" {
			t.Errorf("parameter %s has no origin in JSON", p.Name)
		}
		if p.Name == "estimator" && p.Default != "rloo" {
			t.Errorf("openrlhf.rloo's estimator default is %v", p.Default)
		}
		for _, a := range p.Aliases {
			aliases[a.Name] = a.Deprecated
		}
	}
	for _, flag := range []string{"lambd", "init_kl_coef", "reward_clip_range", "no_advantage_std_norm", "generate_max_len"} {
		if dep, ok := aliases[flag]; !ok || dep {
			t.Errorf("OpenRLHF flag %s: alias present %v, deprecated %v", flag, ok, dep)
		}
	}
}

// A deprecated alias works in credo assign and is reported on stderr.
func TestAssignWarnsOnDeprecatedAlias(t *testing.T) {
	in := writeFile(t, "in.jsonl", `{"traj_uid":"a","uid":"g","responses":[1,2],"rewards":{"outcome":1}}
{"traj_uid":"b","uid":"g","responses":[1,2],"rewards":{"outcome":0}}
`)
	code, _, stderr := credo(t, "assign", "--method", "verl.grpo", "--in", in, "--out", t.TempDir()+"/o.jsonl")
	if code != 0 || strings.Contains(stderr, "deprecated") {
		t.Fatalf("plain run: exit %d, stderr %q", code, stderr)
	}
	code, _, stderr = credo(t, "assign", "--method", "lsc", "--set", "epsilon=0.001", "--set", "channels=outcome", "--set", "ref=group_quantile", "--in", in, "--out", t.TempDir()+"/o.jsonl")
	if code != 0 || !strings.Contains(stderr, `parameter "epsilon" is deprecated: use base_params=epsilon=VALUE`) {
		t.Fatalf("deprecated alias: exit %d, stderr %q", code, stderr)
	}
}
