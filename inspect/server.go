package inspect

import (
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"math"
	"net/http"
	"sort"
	"strconv"
	"strings"

	"github.com/credo-rl/credo/rollout"
)

//go:embed assets
var assets embed.FS

// MaxLimit bounds the groups of one /api/groups page.
const MaxLimit = 1000

// Handler serves the page (/, /app.js, /style.css) and the JSON API:
//
//	GET /api/meta                 files, sides, counts, colour scale
//	GET /api/groups?offset=&limit=&sort=&filter=&min_reward=&max_reward=&min_credit=
//	GET /api/group/{id}           one group, every trajectory token by token
//
// sort is index (file order, the default), id, reward (highest mean reward
// first), -reward (lowest first), credit (largest |credit| first) or diff
// (largest |right − left| first); filter keeps groups whose id contains the
// text; min_reward and max_reward bound the group's mean reward; min_credit
// keeps groups whose largest |credit| reaches it. The handler holds no
// per-client state and may be mounted under a prefix with http.StripPrefix.
func (in *Inspector) Handler() http.Handler {
	mux := http.NewServeMux()
	sub, _ := fs.Sub(assets, "assets")
	mux.Handle("GET /", http.FileServerFS(sub))
	mux.HandleFunc("GET /api/meta", in.serveMeta)
	mux.HandleFunc("GET /api/groups", in.serveGroups)
	mux.HandleFunc("GET /api/group/{id...}", in.serveGroup)
	return mux
}

func writeJSON(w http.ResponseWriter, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.Write(b)
}

func badRequest(w http.ResponseWriter, format string, a ...any) {
	http.Error(w, fmt.Sprintf(format, a...), http.StatusBadRequest)
}

// Meta describes what is being inspected.
type Meta struct {
	Files        []string `json:"files"`
	Sides        []string `json:"sides"`
	Groups       int      `json:"groups"`
	Trajectories int      `json:"trajectories"`
	Scale        float64  `json:"scale"`
	Reward       string   `json:"reward"`
	Truth        string   `json:"truth,omitempty"` // token_scores key, when some record has it
	Tokenizer    bool     `json:"tokenizer"`
}

// Meta returns the description served at /api/meta.
func (in *Inspector) Meta() Meta {
	m := Meta{Files: []string{in.opt.File}, Sides: in.labels[:in.sides], Groups: len(in.groups),
		Trajectories: len(in.trajs), Scale: in.scale, Reward: in.opt.Reward, Tokenizer: in.opt.Tokenizer != nil}
	if in.opt.File2 != "" {
		m.Files = append(m.Files, in.opt.File2)
	}
	if in.truth {
		m.Truth = in.opt.Truth
	}
	return m
}

func (in *Inspector) serveMeta(w http.ResponseWriter, r *http.Request) { writeJSON(w, in.Meta()) }

// GroupRow is one line of the group list.
type GroupRow struct {
	Index        int     `json:"index"`
	ID           string  `json:"id"`
	Size         int     `json:"size"`
	MeanReward   float64 `json:"mean_reward"`
	MinReward    float64 `json:"min_reward"`
	MaxReward    float64 `json:"max_reward"`
	Rewarded     int     `json:"rewarded"` // trajectories with the reward channel
	MaxAbsCredit float64 `json:"max_abs_credit"`
	MaxAbsDiff   float64 `json:"max_abs_diff"`
}

// GroupPage is a page of the group list.
type GroupPage struct {
	Total  int        `json:"total"` // groups passing the filter
	Offset int        `json:"offset"`
	Limit  int        `json:"limit"`
	Groups []GroupRow `json:"groups"`
}

// Query selects and orders groups.
type Query struct {
	Offset, Limit        int
	Sort                 string
	Filter               string   // group ids containing this text
	MinReward, MaxReward *float64 // bounds on the group's mean reward, nil = none
	MinCredit            float64  // least largest |credit|
}

// ParseQuery reads the query parameters of /api/groups.
func ParseQuery(v map[string][]string) (Query, error) {
	get := func(k string) string {
		if x := v[k]; len(x) > 0 {
			return x[0]
		}
		return ""
	}
	q := Query{Limit: 50, Sort: get("sort"), Filter: get("filter")}
	num := func(k string) (float64, bool, error) {
		s := get(k)
		if s == "" {
			return 0, false, nil
		}
		f, err := strconv.ParseFloat(s, 64)
		if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
			return 0, false, fmt.Errorf("%s: want a finite number, got %q", k, s)
		}
		return f, true, nil
	}
	for _, p := range []struct {
		k   string
		dst *int
		max int
	}{{"offset", &q.Offset, math.MaxInt32}, {"limit", &q.Limit, MaxLimit}} {
		if s := get(p.k); s != "" {
			n, err := strconv.Atoi(s)
			if err != nil || n < 0 || n > p.max {
				return q, fmt.Errorf("%s: want an integer from 0 to %d, got %q", p.k, p.max, s)
			}
			*p.dst = n
		}
	}
	for _, b := range []struct {
		k   string
		dst **float64
	}{{"min_reward", &q.MinReward}, {"max_reward", &q.MaxReward}} {
		f, ok, err := num(b.k)
		if err != nil {
			return q, err
		}
		if ok {
			*b.dst = &f
		}
	}
	var err error
	if q.MinCredit, _, err = num("min_credit"); err != nil {
		return q, err
	}
	switch q.Sort {
	case "", "index", "id", "reward", "-reward", "credit", "diff":
	default:
		return q, fmt.Errorf("sort: want index, id, reward, -reward, credit or diff, got %q", q.Sort)
	}
	return q, nil
}

// Page answers a query over the groups.
func (in *Inspector) Page(q Query) GroupPage {
	var sel []int
	for g := range in.groups {
		gs := &in.groups[g]
		if q.Filter != "" && !strings.Contains(gs.ID, q.Filter) {
			continue
		}
		if (q.MinReward != nil || q.MaxReward != nil) && gs.Rewards == 0 {
			continue
		}
		if q.MinReward != nil && gs.Mean < *q.MinReward || q.MaxReward != nil && gs.Mean > *q.MaxReward {
			continue
		}
		if gs.MaxAbs < q.MinCredit {
			continue
		}
		sel = append(sel, g)
	}
	key := func(g int) float64 { return 0 }
	desc := true
	switch q.Sort {
	case "id":
		sort.SliceStable(sel, func(i, j int) bool { return in.groups[sel[i]].ID < in.groups[sel[j]].ID })
	case "reward", "-reward":
		key = func(g int) float64 { return in.groups[g].Mean }
		desc = q.Sort == "reward"
	case "credit":
		key = func(g int) float64 { return in.groups[g].MaxAbs }
	case "diff":
		key = func(g int) float64 { return in.groups[g].MaxDiff }
	}
	if q.Sort == "reward" || q.Sort == "-reward" || q.Sort == "credit" || q.Sort == "diff" {
		sort.SliceStable(sel, func(i, j int) bool {
			if q.Sort == "reward" || q.Sort == "-reward" {
				// groups without the reward channel go last
				ri, rj := in.groups[sel[i]].Rewards > 0, in.groups[sel[j]].Rewards > 0
				if ri != rj {
					return ri
				}
			}
			a, b := key(sel[i]), key(sel[j])
			if desc {
				return a > b
			}
			return a < b
		})
	}
	p := GroupPage{Total: len(sel), Offset: q.Offset, Limit: q.Limit, Groups: []GroupRow{}}
	for i := q.Offset; i < len(sel) && i < q.Offset+q.Limit; i++ {
		gs := &in.groups[sel[i]]
		p.Groups = append(p.Groups, GroupRow{Index: gs.Index, ID: gs.ID, Size: len(gs.Trajs), MeanReward: gs.Mean,
			MinReward: gs.Min, MaxReward: gs.Max, Rewarded: gs.Rewards, MaxAbsCredit: gs.MaxAbs, MaxAbsDiff: gs.MaxDiff})
	}
	return p
}

func (in *Inspector) serveGroups(w http.ResponseWriter, r *http.Request) {
	q, err := ParseQuery(r.URL.Query())
	if err != nil {
		badRequest(w, "%v", err)
		return
	}
	writeJSON(w, in.Page(q))
}

// Traj is one trajectory of a group, token by token. Per-token arrays are
// absent (null) where the record has none. Credit and Returns have one
// entry per side; Diff is right − left.
type Traj struct {
	Index        int                `json:"index"` // record number in the first file, from 0
	Pos          string             `json:"pos"`
	ID           string             `json:"id"`
	Parent       *rollout.Branch    `json:"parent,omitempty"`
	Probe        bool               `json:"probe,omitempty"`
	Rewards      map[string]float64 `json:"rewards,omitempty"`
	Features     map[string]any     `json:"features,omitempty"`
	GroundTruth  string             `json:"ground_truth,omitempty"`
	Steps        []Step             `json:"steps"`
	Tokens       []int64            `json:"tokens"`
	Text         []string           `json:"text"`
	TextFrom     string             `json:"text_from"` // token_text, tokenizer or ids
	Mask         []float64          `json:"mask,omitempty"`
	OldLogProbs  []float64          `json:"old_log_probs,omitempty"`
	RefLogProbs  []float64          `json:"ref_log_prob,omitempty"`
	Values       []float64          `json:"values,omitempty"`
	TokenRewards []float64          `json:"token_level_rewards,omitempty"`
	LossWeights  []float64          `json:"loss_weights,omitempty"`
	Credit       [][]float64        `json:"credit"`
	Returns      [][]float64        `json:"returns"`
	Diff         []float64          `json:"diff,omitempty"`
	Truth        []float64          `json:"truth,omitempty"`
}

// Step is a step of a trajectory with its anchor group in the group (-1 =
// no anchor_obs) and how many steps of the group share that anchor.
type Step struct {
	rollout.Step
	Anchor      int `json:"anchor"`
	AnchorCount int `json:"anchor_count"`
}

// Group is one group with its trajectories.
type Group struct {
	Index   int      `json:"index"`
	ID      string   `json:"id"`
	Sides   []string `json:"sides"`
	Scale   float64  `json:"scale"`
	Anchors []string `json:"anchors"` // distinct anchor_obs keys in order of appearance
	Trajs   []Traj   `json:"trajectories"`
}

// Group reads group g (its number in file order).
func (in *Inspector) Group(g int) (*Group, error) {
	gs := &in.groups[g]
	out := &Group{Index: g, ID: gs.ID, Sides: in.labels[:in.sides], Scale: in.scale, Anchors: []string{}}
	anchor := map[rollout.StateKey]int{}
	count := map[int]int{}
	for _, k := range gs.Trajs {
		t, err := in.a.get(k)
		if err != nil {
			return nil, err
		}
		tr := Traj{Index: k, Pos: in.a.pos(k), ID: t.ID, Parent: t.Parent, Probe: t.Probe, Rewards: t.Rewards,
			Features: t.Features, GroundTruth: t.GroundTruth, Tokens: t.Tokens, Mask: t.Mask, OldLogProbs: t.OldLogProbs,
			RefLogProbs: t.RefLogProbs, Values: t.Values, TokenRewards: t.TokenRewards, LossWeights: t.LossWeights,
			Steps: []Step{}, Credit: make([][]float64, in.sides), Returns: make([][]float64, in.sides)}
		if tr.Tokens == nil {
			tr.Tokens = []int64{}
		}
		if tr.Text, err = tokenText(t); err != nil {
			return nil, &rollout.RecordError{File: in.a.path, Record: tr.Pos, Err: err}
		}
		tr.TextFrom = TokenTextField
		if tr.Text == nil {
			tr.Text = make([]string, len(t.Tokens))
			tr.TextFrom = "tokenizer"
			for i, id := range t.Tokens {
				if in.opt.Tokenizer != nil {
					tr.Text[i] = in.opt.Tokenizer.Text(id)
				} else {
					tr.Text[i] = strconv.FormatInt(id, 10)
				}
			}
			if in.opt.Tokenizer == nil {
				tr.TextFrom = "ids"
			}
		}
		for s := 0; s < in.sides; s++ {
			if tr.Credit[s], tr.Returns[s], err = in.sideValues(s, k, t); err != nil {
				return nil, err
			}
		}
		if in.sides == 2 && tr.Credit[0] != nil && tr.Credit[1] != nil {
			tr.Diff = make([]float64, len(t.Tokens))
			for i := range tr.Diff {
				tr.Diff[i] = tr.Credit[1][i] - tr.Credit[0][i]
			}
		}
		tr.Truth = t.Scores[in.opt.Truth]
		for _, st := range t.Steps {
			a := -1
			if st.State != "" {
				var ok bool
				if a, ok = anchor[st.State]; !ok {
					a = len(out.Anchors)
					anchor[st.State] = a
					out.Anchors = append(out.Anchors, string(st.State))
				}
				count[a]++
			}
			tr.Steps = append(tr.Steps, Step{Step: st, Anchor: a})
		}
		out.Trajs = append(out.Trajs, tr)
	}
	for i := range out.Trajs {
		for j := range out.Trajs[i].Steps {
			if a := out.Trajs[i].Steps[j].Anchor; a >= 0 {
				out.Trajs[i].Steps[j].AnchorCount = count[a]
			}
		}
	}
	return out, nil
}

// GroupByID finds a group by its uid.
func (in *Inspector) GroupByID(id string) (int, bool) {
	g, ok := in.gByID[id]
	return g, ok
}

func (in *Inspector) serveGroup(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	g, ok := in.gByID[id]
	if !ok {
		http.Error(w, fmt.Sprintf("no group with uid %q", id), http.StatusNotFound)
		return
	}
	out, err := in.Group(g)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	writeJSON(w, out)
}
