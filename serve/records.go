package serve

import (
	"encoding/json"
	"fmt"
	"math"

	"google.golang.org/protobuf/types/known/structpb"

	"github.com/credo-rl/credo/rollout"
	credov1 "github.com/credo-rl/credo/serve/gen/credo/v1"
)

// toTrajectory converts a protobuf record into a rollout trajectory. Field
// checks (array lengths, finite numbers, spans) are left to the format
// reader, which reads the records back exactly as it reads a file.
func toTrajectory(r *credov1.Record) (*rollout.Trajectory, error) {
	t := &rollout.Trajectory{
		Version:      int(r.CredoVersion),
		ID:           r.TrajUid,
		Group:        r.Uid,
		Probe:        r.Probe,
		Rewards:      nilIfEmpty(r.Rewards),
		GroundTruth:  r.GroundTruth,
		Mask:         r.ResponseMask,
		OldLogProbs:  r.OldLogProbs,
		RefLogProbs:  r.RefLogProb,
		TokenRewards: r.TokenLevelRewards,
		Values:       r.Values,
		Advantages:   r.Advantages,
		Returns:      r.Returns,
		LossWeights:  r.LossWeights,
	}
	t.Tokens = make([]int64, len(r.Responses))
	for i, x := range r.Responses {
		t.Tokens[i] = int64(x)
	}
	var err error
	if t.LogProbs, err = floatsMap("log_probs", r.LogProbs); err != nil {
		return nil, err
	}
	if t.Scores, err = floatsMap("token_scores", r.TokenScores); err != nil {
		return nil, err
	}
	if r.Parent != nil {
		t.Parent = &rollout.Branch{Trajectory: r.Parent.TrajUid, Token: int(r.Parent.Token)}
	}
	if len(r.Features) > 0 {
		t.Features = make(map[string]any, len(r.Features))
		for k, v := range r.Features {
			t.Features[k] = v.AsInterface()
		}
	}
	if len(r.TokenTags) > 0 {
		t.Tags = make(map[string][]int8, len(r.TokenTags))
		for k, v := range r.TokenTags {
			tags := make([]int8, len(v.GetValues()))
			for i, x := range v.GetValues() {
				n, ok := x.Kind.(*structpb.Value_NumberValue)
				if !ok || (n.NumberValue != 0 && n.NumberValue != 1) {
					return nil, fmt.Errorf("token_tags[%q][%d]: want 0 or 1, got %v", k, i, x.AsInterface())
				}
				tags[i] = int8(n.NumberValue)
			}
			t.Tags[k] = tags
		}
	}
	for _, s := range r.Steps {
		st := rollout.Step{
			Start: int(s.Start), End: int(s.End), Kind: s.Kind, Role: s.Role,
			State: rollout.StateKey(s.AnchorObs), Observation: s.Observation,
			Rewards: nilIfEmpty(s.Rewards), Values: nilIfEmpty(s.Values), Labels: nilIfEmpty(s.Labels),
		}
		if s.Parent != nil {
			p := int(*s.Parent)
			st.Parent = &p
		}
		t.Steps = append(t.Steps, st)
	}
	if len(r.Extra) > 0 {
		t.Extra = make(map[string]json.RawMessage, len(r.Extra))
		for k, v := range r.Extra {
			if !json.Valid([]byte(v)) {
				return nil, fmt.Errorf("extra[%q]: want JSON text, got %q", k, v)
			}
			t.Extra[k] = json.RawMessage(v)
		}
	}
	return t, nil
}

// toRecord converts a rollout trajectory into a protobuf record.
func toRecord(t *rollout.Trajectory) (*credov1.Record, error) {
	r := &credov1.Record{
		CredoVersion:      int32(t.Version),
		TrajUid:           t.ID,
		Uid:               t.Group,
		Probe:             t.Probe,
		Rewards:           t.Rewards,
		GroundTruth:       t.GroundTruth,
		ResponseMask:      t.Mask,
		OldLogProbs:       t.OldLogProbs,
		RefLogProb:        t.RefLogProbs,
		TokenLevelRewards: t.TokenRewards,
		Values:            t.Values,
		Advantages:        t.Advantages,
		Returns:           t.Returns,
		LossWeights:       t.LossWeights,
		LogProbs:          floatsMsg(t.LogProbs),
		TokenScores:       floatsMsg(t.Scores),
	}
	r.Responses = make([]int32, len(t.Tokens))
	for i, x := range t.Tokens {
		if x < math.MinInt32 || x > math.MaxInt32 {
			return nil, fmt.Errorf("record %q: responses[%d] = %d does not fit the API's int32 token ids: ask for a body instead of records", t.ID, i, x)
		}
		r.Responses[i] = int32(x)
	}
	if r.Parent != nil {
		r.Parent.Token = int32(t.Parent.Token)
	}
	if t.Parent != nil {
		r.Parent = &credov1.Branch{TrajUid: t.Parent.Trajectory}
	}
	if len(t.Features) > 0 {
		r.Features = make(map[string]*structpb.Value, len(t.Features))
		for k, v := range t.Features {
			pv, err := structpb.NewValue(v)
			if err != nil {
				return nil, fmt.Errorf("record %q: features[%q]: %w", t.ID, k, err)
			}
			r.Features[k] = pv
		}
	}
	if len(t.Tags) > 0 {
		r.TokenTags = make(map[string]*structpb.ListValue, len(t.Tags))
		for k, v := range t.Tags {
			vs := make([]*structpb.Value, len(v))
			for i, x := range v {
				vs[i] = structpb.NewNumberValue(float64(x))
			}
			r.TokenTags[k] = &structpb.ListValue{Values: vs}
		}
	}
	for _, s := range t.Steps {
		ps := &credov1.Step{
			Start: int32(s.Start), End: int32(s.End), Kind: s.Kind, Role: s.Role,
			AnchorObs: string(s.State), Observation: s.Observation,
			Rewards: s.Rewards, Values: s.Values, Labels: s.Labels,
		}
		if s.Parent != nil {
			p := int32(*s.Parent)
			ps.Parent = &p
		}
		r.Steps = append(r.Steps, ps)
	}
	if len(t.Extra) > 0 {
		r.Extra = make(map[string]string, len(t.Extra))
		for k, v := range t.Extra {
			r.Extra[k] = string(v)
		}
	}
	return r, nil
}

func nilIfEmpty(m map[string]float64) map[string]float64 {
	if len(m) == 0 {
		return nil
	}
	return m
}

func floatsMap(field string, m map[string]*structpb.ListValue) (map[string][]float64, error) {
	if len(m) == 0 {
		return nil, nil
	}
	out := make(map[string][]float64, len(m))
	for k, v := range m {
		fs := make([]float64, len(v.GetValues()))
		for i, x := range v.GetValues() {
			n, ok := x.Kind.(*structpb.Value_NumberValue)
			if !ok {
				return nil, fmt.Errorf("%s[%q][%d]: want a number, got %v", field, k, i, x.AsInterface())
			}
			fs[i] = n.NumberValue
		}
		out[k] = fs
	}
	return out, nil
}

func floatsMsg(m map[string][]float64) map[string]*structpb.ListValue {
	if len(m) == 0 {
		return nil
	}
	out := make(map[string]*structpb.ListValue, len(m))
	for k, v := range m {
		vs := make([]*structpb.Value, len(v))
		for i, x := range v {
			vs[i] = structpb.NewNumberValue(x)
		}
		out[k] = &structpb.ListValue{Values: vs}
	}
	return out
}
