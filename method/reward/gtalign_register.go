package reward

// The registry binding of gtalign, beside its estimator.

import (
	"fmt"

	"github.com/credo-rl/credo/credit"
	"github.com/credo-rl/credo/rollout"
)

// Parameters of gtalign.
var (
	pGtalignUser       = credit.StringParam{Param: credit.Param{Name: "user", Kind: credit.String, Default: "user_payoff", Doc: "reward channel of the user's payoff", Origin: credit.Channel}}
	pGtalignModel      = credit.StringParam{Param: credit.Param{Name: "model", Kind: credit.String, Default: "model_payoff", Doc: "reward channel of the model's payoff", Origin: credit.Channel}}
	pGtalignWelfare    = credit.StringParam{Param: credit.Param{Name: "welfare", Kind: credit.String, Default: "cobb_douglas", Choices: []string{"cobb_douglas", "utilitarian", "rawlsian"}, Doc: "welfare function", Origin: credit.FromPaper("mutual welfare as the geometric (Cobb-Douglas) combination of the two payoffs (recalled, not verified)")}}
	pGtalignUserWeight = credit.FloatParam{Param: credit.Param{Name: "user_weight", Kind: credit.Float, Default: 0.5, Doc: "weight w of the user's payoff (Cobb-Douglas exponent / utilitarian weight)", Origin: credit.FromPaper("equal weights: W = √(u·m) (recalled, not verified)"), Range: credit.Unit}}
	pGtalignExtra      = credit.StringParam{Param: credit.Param{Name: "extra", Kind: credit.String, Default: "", Doc: "comma-separated reward channels added to the welfare (e.g. a format reward)", Origin: credit.ByCredo("empty: the welfare alone")}}
)

func init() {
	credit.Register(&credit.Method{
		Name:    "gtalign",
		Summary: "GTAlign: mutual welfare of the user's and the model's payoffs (two reward channels; Cobb-Douglas by default) as the reward, then the base method",
		Params: credit.Params(
			pBase.From(credit.FromPaper("the paper trains with GRPO-style RL (methods.md §1 row 23, recalled)")),
			pGtalignUser,
			pGtalignModel,
			pGtalignWelfare,
			pGtalignUserWeight,
			pGtalignExtra,
			pBaseParams,
		),
		Inputs: []credit.Input{credit.InGroup, credit.ChannelInput(pGtalignUser, "the user's payoff"), credit.ChannelInput(pGtalignModel, "the model's payoff"),
			credit.ChannelInput(pGtalignExtra, "channels added to the welfare"), inBase},
		ReadsOf: credit.StageReads(credit.ReadsMask),
		Outputs: stageOutputs,
		Scope:   credit.ScopeGroup,
		ScopeOf: credit.StageScope,
		Inferred: []credit.Inferred{
			{What: "W = u^w·m^(1−w) with w = 0.5 (Cobb-Douglas)", Origin: credit.ByCredo("the paper's welfare function is recalled as Cobb-Douglas, not verified; utilitarian and rawlsian are offered")},
		},
		Provenance: credit.Provenance{Paper: "GTAlign: game-theoretic alignment of LLM assistants for mutual welfare (title as recalled; methods.md §1 row 23)", SpecRow: 23},
		Notes:      "stage: r = W(rewards.<user>, rewards.<model>) + Σ rewards.<extra>; the payoff matrix the paper's model reasons over is the model's business, credo takes the two realised payoffs; advantages and returns are the base method's",
		Run: func(b *rollout.Batch, v credit.Values) error {
			u, err := credit.ChannelValues(b, pGtalignUser.Get(v))
			if err != nil {
				return err
			}
			m, err := credit.ChannelValues(b, pGtalignModel.Get(v))
			if err != nil {
				return err
			}
			r := make([]float64, len(u))
			for i := range r {
				if r[i], err = Welfare(u[i], m[i], pGtalignUserWeight.Get(v), pGtalignWelfare.Get(v)); err != nil {
					t := b.Trajectories[i]
					return fmt.Errorf("trajectory %d (traj_uid %q): rewards.%s and rewards.%s: %w", i, t.ID, pGtalignUser.Get(v), pGtalignModel.Get(v), err)
				}
			}
			for _, name := range credit.SplitList(pGtalignExtra.Get(v)) {
				x, err := credit.ChannelValues(b, name)
				if err != nil {
					return err
				}
				for i := range r {
					r[i] += x[i]
				}
			}
			return credit.RunBase("gtalign", b, v, r)
		},
	})
}
