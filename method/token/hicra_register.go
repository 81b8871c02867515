package token

// The registry binding of hicra, beside its estimator.

import (
	"encoding/json"
	"fmt"

	"github.com/credo-rl/credo/credit"
	"github.com/credo-rl/credo/rollout"
)

// Parameters of hicra.
var (
	pHicraAlpha          = credit.FloatParam{Param: credit.Param{Name: "alpha", Kind: credit.Float, Default: DefaultHICRAAlpha, Doc: "amplification α (0 = the base advantages)", Origin: credit.FromReference("huggingface/trl examples/scripts/hicra_training.py (--hicra_alpha 0.2; third-party)"), Range: credit.NonNeg}}
	pHicraTag            = credit.StringParam{Param: credit.Param{Name: "tag", Kind: credit.String, Default: "planning", Doc: "token tag marking planning tokens", Origin: credit.Channel}}
	pHicraStrategicGrams = credit.StringParam{Param: credit.Param{Name: "strategic_grams", Kind: credit.String, Default: "", Doc: "JSON list of token-id n-grams, e.g. [[12,7,9],[4,4,31]]; when set, planning tokens are tagged from it instead of token_tags.<tag>", Origin: credit.ByCredo("empty: planning tokens come tagged with the data (the paper's curated Strategic Grams are not public)")}}
)

func init() {
	credit.Register(&credit.Method{
		Name:    "hicra",
		Summary: "HICRA: A + α·|A| on planning tokens (strategic n-grams), over a base method's advantages",
		Params: credit.Params(pBase, pBaseParams,
			pHicraAlpha,
			pHicraTag,
			pHicraStrategicGrams,
			credit.Reward),
		Inputs: []credit.Input{{Name: "token_tags.<tag> (unless strategic_grams)", Doc: "0/1 planning-token tags", Has: func(t *rollout.Trajectory, v credit.Values) bool {
			if pHicraStrategicGrams.Get(v) != "" {
				return true
			}
			_, ok := t.Tags[pHicraTag.Get(v)]
			return ok
		}}, {Name: "inputs of the base method", Doc: "checked when the base runs"}},
		ReadsOf:    hicraReads,
		Outputs:    stageOutputs,
		Scope:      credit.ScopeGroup,
		ScopeOf:    credit.StageScope,
		Provenance: paperHICRA,
		Notes:      "stage: runs base (default verl.grpo, with base_params) and rescales its advantages in place; reads token_tags.<tag> or tags responses from strategic_grams; returns are left as the base wrote them; the scope is the base's (group for verl.grpo); a stateful base starts from fresh state",
		Run:        runHICRA,
	})
}

func runHICRA(b *rollout.Batch, v credit.Values) error {
	var tagger *PlanningTagger
	if s := pHicraStrategicGrams.Get(v); s != "" {
		var grams [][]int64
		if err := json.Unmarshal([]byte(s), &grams); err != nil {
			return fmt.Errorf("strategic_grams: want a JSON list of token-id lists, e.g. [[12,7,9]]: %v", err)
		}
		tagger = NewPlanningTagger(grams)
	}
	if err := runBase("hicra", b, v); err != nil {
		return err
	}
	tags := make([][]int8, len(b.Trajectories))
	for i, t := range b.Trajectories {
		if tagger != nil {
			tags[i] = tagger.Tag(t.Tokens)
			continue
		}
		tags[i] = t.Tags[pHicraTag.Get(v)]
		if len(tags[i]) != t.Len() {
			return fmt.Errorf("trajectory %d (traj_uid %q): token_tags.%s has %d values, want %d", i, t.ID, pHicraTag.Get(v), len(tags[i]), t.Len())
		}
	}
	adv, err := HICRA(advantagesOf(b), tags, pHicraAlpha.Get(v))
	if err != nil {
		return err
	}
	storeAdvantages(b, adv)
	return nil
}

// hicraReads: the mask and the tags, or the token ids when strategic_grams
// tags the tokens, and what the base reads.
func hicraReads(v credit.Values) credit.Arrays {
	own := credit.ReadsMask | credit.ReadsTokenTags
	if pHicraStrategicGrams.Get(v) != "" {
		own |= credit.ReadsTokenIDs
	}
	return credit.StageReads(own)(v)
}
