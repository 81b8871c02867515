package inspect

import (
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	_ "github.com/credo-rl/credo/method/all"
)

// The fixtures testdata/a.jsonl and b.jsonl hold hand-chosen advantages; the
// expected statistics below are worked out by hand from them:
//
//	traj  group  outcome  adv (a)          adv (b)          max|credit|  max|b-a|
//	t1    g1     1        [1,-1,0,0.5]     [1,-1,0.5,0.5]   1            0.5
//	t2    g1     0        [-0.5,0.25]      [-0.5,-0.5]      0.5          0.75
//	t3    g2     0.8      [2,-3]           [2,-1]           3            2
//	t4    g2     0.4      [0,0,0]          [0,0,0]          0            0
//	t5    g3     —        [0.1]            [0.1]            0.1          0
func openAB(t *testing.T, o Options) *Inspector {
	t.Helper()
	if o.File == "" {
		o.File = "testdata/a.jsonl"
	}
	in, err := Open(o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { in.Close() })
	return in
}

func get(t *testing.T, h http.Handler, path string, want int) []byte {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", path, nil))
	if rec.Code != want {
		t.Fatalf("GET %s: status %d, want %d: %s", path, rec.Code, want, rec.Body)
	}
	return rec.Body.Bytes()
}

func page(t *testing.T, h http.Handler, query string) GroupPage {
	t.Helper()
	var p GroupPage
	if err := json.Unmarshal(get(t, h, "/api/groups?"+query, 200), &p); err != nil {
		t.Fatal(err)
	}
	return p
}

func ids(p GroupPage) string {
	var s []string
	for _, g := range p.Groups {
		s = append(s, g.ID)
	}
	return strings.Join(s, ",")
}

func TestGroupsSortFilterPage(t *testing.T) {
	in := openAB(t, Options{File2: "testdata/b.jsonl"})
	h := in.Handler()
	for _, c := range []struct{ q, want string }{
		{"", "g1,g2,g3"},
		{"sort=index", "g1,g2,g3"},
		{"sort=credit", "g2,g1,g3"},
		{"sort=diff", "g2,g1,g3"},
		{"sort=reward", "g2,g1,g3"},
		{"sort=-reward", "g1,g2,g3"},
		{"sort=id", "g1,g2,g3"},
		{"filter=g2", "g2"},
		{"filter=g", "g1,g2,g3"},
		{"min_reward=0.55", "g2"},
		{"max_reward=0.55", "g1"},
		{"min_reward=0", "g1,g2"}, // g3 has no outcome reward
		{"min_credit=0.75", "g1,g2"},
		{"sort=credit&offset=1&limit=1", "g1"},
		{"sort=credit&offset=2&limit=5", "g3"},
		{"offset=3", ""},
	} {
		if got := ids(page(t, h, c.q)); got != c.want {
			t.Errorf("%q: groups %q, want %q", c.q, got, c.want)
		}
	}
	p := page(t, h, "sort=credit&limit=1")
	if p.Total != 3 || len(p.Groups) != 1 {
		t.Fatalf("total %d, %d groups; want 3 and 1", p.Total, len(p.Groups))
	}
	g := p.Groups[0]
	if g.ID != "g2" || g.Size != 2 || g.MaxAbsCredit != 3 || g.MaxAbsDiff != 2 || math.Abs(g.MeanReward-0.6) > 1e-12 || g.MinReward != 0.4 || g.MaxReward != 0.8 {
		t.Errorf("g2 row %+v", g)
	}
	if p := page(t, h, "filter=g1"); p.Total != 1 || p.Groups[0].MaxAbsDiff != 0.75 || p.Groups[0].MaxAbsCredit != 1 || p.Groups[0].MeanReward != 0.5 {
		t.Errorf("g1 row %+v", p)
	}
	// the colour scale: 95th percentile of the non-zero largest |credit| {0.1, 0.5, 1, 3}
	if in.Scale() != 3 {
		t.Errorf("scale %v, want 3", in.Scale())
	}
	for _, q := range []string{"sort=best", "limit=-1", "limit=100000", "offset=x", "min_reward=abc", "min_credit=NaN"} {
		body := get(t, h, "/api/groups?"+q, 400)
		name := strings.SplitN(q, "=", 2)[0]
		if !strings.Contains(string(body), name) {
			t.Errorf("%q: error %q does not name %s", q, body, name)
		}
	}
}

func group(t *testing.T, h http.Handler, id string) Group {
	t.Helper()
	var g Group
	if err := json.Unmarshal(get(t, h, "/api/group/"+url.PathEscape(id), 200), &g); err != nil {
		t.Fatal(err)
	}
	return g
}

func TestGroupDiffAndFields(t *testing.T) {
	in := openAB(t, Options{File2: "testdata/b.jsonl"})
	h := in.Handler()
	g := group(t, h, "g1")
	if len(g.Trajs) != 2 || g.Trajs[0].ID != "t1" || g.Trajs[1].ID != "t2" {
		t.Fatalf("trajectories %+v", g.Trajs)
	}
	t1, t2 := g.Trajs[0], g.Trajs[1]
	eq := func(name string, got, want []float64) {
		t.Helper()
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("%s = %v, want %v", name, got, want)
		}
	}
	eq("t1 left", t1.Credit[0], []float64{1, -1, 0, 0.5})
	eq("t1 right", t1.Credit[1], []float64{1, -1, 0.5, 0.5})
	eq("t1 diff", t1.Diff, []float64{0, 0, 0.5, 0})
	eq("t2 diff", t2.Diff, []float64{0, -0.75})
	eq("t1 truth", t1.Truth, []float64{0.75, -0.5, 0.25, 0})
	eq("t1 mask", t1.Mask, []float64{1, 1, 1, 0})
	eq("t1 values", t1.Values, []float64{0.5, 0.25, 0.125, 0})
	eq("t1 old log-probs", t1.OldLogProbs, []float64{-0.25, -1.5, -0.125, -2})
	if strings.Join(t1.Text, "|") != "Hel|lo| wor|ld\n" || t1.TextFrom != "token_text" {
		t.Errorf("t1 text %q from %s", t1.Text, t1.TextFrom)
	}
	// anchors: s0 in t1 and t2 (2 steps), s1 in t1 only
	if strings.Join(g.Anchors, ",") != "s0,s1" {
		t.Errorf("anchors %q", g.Anchors)
	}
	if s := t1.Steps; len(s) != 2 || s[0].Anchor != 0 || s[0].AnchorCount != 2 || s[1].Anchor != 1 || s[1].AnchorCount != 1 {
		t.Errorf("t1 steps %+v", s)
	}
	if s := t2.Steps; len(s) != 1 || s[0].Anchor != 0 || s[0].AnchorCount != 2 {
		t.Errorf("t2 steps %+v", s)
	}
	g2 := group(t, h, "g2")
	t4 := g2.Trajs[1]
	if t4.Parent == nil || t4.Parent.Trajectory != "t3" || t4.Parent.Token != 1 || t4.Features["calls"] != 1.0 {
		t.Errorf("t4 parent %+v features %v", t4.Parent, t4.Features)
	}
	if strings.Join(t4.Text, ",") != "5,7,8" || t4.TextFrom != "ids" {
		t.Errorf("t4 text %q from %s", t4.Text, t4.TextFrom)
	}
	get(t, h, "/api/group/nope", 404)

	var m Meta
	if err := json.Unmarshal(get(t, h, "/api/meta", 200), &m); err != nil {
		t.Fatal(err)
	}
	if len(m.Sides) != 2 || m.Truth != TruthScore || m.Groups != 3 || m.Trajectories != 5 {
		t.Errorf("meta %+v", m)
	}
}

func TestTokenizerText(t *testing.T) {
	in := openAB(t, Options{File: "testdata/b.jsonl", Tokenizer: mustTok(t, "testdata/tokenizer-bpe.json")})
	g := group(t, in.Handler(), "g1")
	// t2's ids 10 and 20 are not in the 6-piece vocabulary
	if tr := g.Trajs[0]; tr.TextFrom != "tokenizer" || strings.Join(tr.Text, "") != "<10><20>" {
		t.Errorf("text %q from %s", tr.Text, tr.TextFrom)
	}
}

func mustTok(t *testing.T, path string) *Tokenizer {
	t.Helper()
	tok, err := LoadTokenizer(path)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

func TestTokenizers(t *testing.T) {
	for _, c := range []struct {
		file string
		want map[int64]string
	}{
		{"tokenizer-bpe.json", map[int64]string{0: "Hello", 1: " world", 2: "\n", 3: "é", 4: `\xC3`, 5: "<|endoftext|>", 99: "<99>"}},
		{"tokenizer-wordpiece.json", map[int64]string{0: "[CLS]", 1: " hel", 2: "lo"}},
		{"tokenizer-unigram.json", map[int64]string{0: "<unk>", 1: " Hi", 2: "\n"}},
	} {
		tok := mustTok(t, filepath.Join("testdata", c.file))
		for id, want := range c.want {
			if got := tok.Text(id); got != want {
				t.Errorf("%s: token %d = %q, want %q", c.file, id, got, want)
			}
		}
	}
	for _, bad := range []string{`{`, `{"model":{}}`, `{"model":{"vocab":[[1,2]]}}`} {
		if _, err := ParseTokenizer([]byte(bad)); err == nil {
			t.Errorf("%s: no error", bad)
		}
	}
}

func TestMethodSide(t *testing.T) {
	in := openAB(t, Options{File: "testdata/b.jsonl", Right: &MethodSpec{Name: "verl.grpo"}})
	g := group(t, in.Handler(), "g1")
	// GRPO on g1's outcomes {1, 0}: mean 0.5, unbiased std sqrt(0.5), eps 1e-6
	// (verl core_algos.compute_grpo_outcome_advantage) on every token.
	a := 0.5 / (math.Sqrt(0.5) + 1e-6)
	t2, t1 := g.Trajs[0], g.Trajs[1] // b.jsonl lists t2 first
	want1 := []float64{a, a, a, a}
	for i, w := range want1 {
		if math.Abs(t1.Credit[1][i]-w) > 1e-12 {
			t.Errorf("t1 token %d: grpo %v, want %v", i, t1.Credit[1][i], w)
		}
	}
	if math.Abs(t2.Credit[1][0]+a) > 1e-12 {
		t.Errorf("t2 token 0: grpo %v, want %v", t2.Credit[1][0], -a)
	}
	if math.Abs(t1.Diff[0]-(a-1)) > 1e-12 {
		t.Errorf("t1 diff %v, want %v", t1.Diff[0], a-1)
	}
	if g.Sides[1] != "verl.grpo" {
		t.Errorf("sides %q", g.Sides)
	}
	if _, err := Open(Options{File: "testdata/a.jsonl", Right: &MethodSpec{Name: "no.such"}}); err == nil {
		t.Error("unknown method: no error")
	}
	if _, err := Open(Options{File: "testdata/a.jsonl", Right: &MethodSpec{Name: "verl.grpo", Sets: []string{"nope=1"}}}); err == nil {
		t.Error("unknown parameter: no error")
	}
}

func TestBadInput(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o666); err != nil {
			t.Fatal(err)
		}
		return p
	}
	short := write("short.jsonl", `{"uid":"g1","traj_uid":"t1","responses":[10],"advantages":[1]}`+"\n")
	in, err := Open(Options{File: "testdata/a.jsonl", File2: short})
	if err == nil {
		in.Close()
		t.Fatal("token count mismatch: no error")
	} else if !strings.Contains(err.Error(), "line 1") || !strings.Contains(err.Error(), "1 tokens, but 4") {
		t.Errorf("error %q does not name the record and the counts", err)
	}
	tt := write("tt.jsonl", `{"uid":"g","responses":[1,2]}`+"\n\n"+`{"uid":"g","responses":[1,2],"token_text":["a"]}`+"\n")
	if _, err := Open(Options{File: tt}); err == nil || !strings.Contains(err.Error(), "line 3") || !strings.Contains(err.Error(), "token_text") {
		t.Errorf("token_text of the wrong length: error %v", err)
	}
	dup := write("dup.jsonl", `{"uid":"g","traj_uid":"x","responses":[]}`+"\n"+`{"uid":"g","traj_uid":"x","responses":[]}`+"\n")
	if _, err := Open(Options{File: dup}); err == nil || !strings.Contains(err.Error(), "line 2") || !strings.Contains(err.Error(), "duplicate") {
		t.Errorf("duplicate traj_uid: error %v", err)
	}
	if _, err := Open(Options{File: "testdata/a.jsonl", File2: "testdata/b.jsonl", Right: &MethodSpec{Name: "verl.grpo"}}); err == nil {
		t.Error("FILE2 and a method: no error")
	}
}

func TestNonJSONLInMemory(t *testing.T) {
	// a gzip file goes through format.Open and is held in memory; the
	// answers must be those of the plain file.
	in := openAB(t, Options{File: "testdata/a.jsonl.gz", File2: "testdata/b.jsonl"})
	if in.a.mem == nil {
		t.Fatal("gzip file not held in memory")
	}
	if got := ids(in.Page(Query{Limit: 10, Sort: "diff"})); got != "g2,g1,g3" {
		t.Errorf("sort=diff: %s", got)
	}
	g, err := in.Group(0)
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(g.Trajs[0].Diff) != "[0 0 0.5 0]" || g.Trajs[0].Pos != "line 1" {
		t.Errorf("diff %v pos %s", g.Trajs[0].Diff, g.Trajs[0].Pos)
	}
}

func TestAssetsSelfContained(t *testing.T) {
	in := openAB(t, Options{})
	h := in.Handler()
	for _, p := range []string{"/", "/app.js", "/style.css"} {
		body := string(get(t, h, p, 200))
		if strings.Contains(body, "http://") || strings.Contains(body, "https://") || strings.Contains(body, "//cdn") {
			t.Errorf("%s refers to another host", p)
		}
	}
	// mounted under a prefix, as in another server: the page uses relative URLs
	mux := http.NewServeMux()
	mux.Handle("/inspect/", http.StripPrefix("/inspect", h))
	if !strings.Contains(string(get(t, mux, "/inspect/", 200)), `src="app.js"`) {
		t.Error("page under /inspect/ does not load app.js relatively")
	}
	get(t, mux, "/inspect/api/meta", 200)
	if js := string(get(t, mux, "/inspect/app.js", 200)); strings.Contains(js, `fetch("/`) || strings.Contains(js, `getJSON("/`) {
		t.Error("app.js uses absolute URLs")
	}
}

func TestParquetAndOddGroupIDs(t *testing.T) {
	in := openAB(t, Options{File: "../examples/rollouts.parquet"})
	if in.a.mem == nil || in.Groups() == 0 {
		t.Fatalf("parquet: in memory %v, %d groups", in.a.mem != nil, in.Groups())
	}
	g, err := in.Group(0)
	if err != nil || len(g.Trajs) == 0 || !strings.HasPrefix(g.Trajs[0].Pos, "row ") {
		t.Fatalf("parquet group: %v %+v", err, g)
	}
	// group ids with a slash, a space, a question mark and non-ASCII text
	p := filepath.Join(t.TempDir(), "odd.jsonl")
	body := `{"uid":"a/b c?d é","traj_uid":"x","responses":[1],"advantages":[0.5]}` + "\n"
	if err := os.WriteFile(p, []byte(body), 0o666); err != nil {
		t.Fatal(err)
	}
	in = openAB(t, Options{File: p})
	gr := group(t, in.Handler(), "a/b c?d é")
	if gr.ID != "a/b c?d é" || len(gr.Trajs) != 1 {
		t.Errorf("odd id: %+v", gr)
	}
	rec := httptest.NewRecorder()
	in.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/api/group/"+url.PathEscape("a/b c?d é")+"x", nil))
	if rec.Code != 404 {
		t.Errorf("wrong id: status %d", rec.Code)
	}
}
