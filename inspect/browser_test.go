package inspect

import (
	"context"
	"fmt"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// chromium finds Debian's chromium (apt-get install -y chromium).
func chromium(t *testing.T) string {
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	t.Skip("chromium is not installed (apt-get install -y chromium): the real-browser test of the page is skipped")
	return ""
}

// headless runs chromium on url with extra arguments and returns stdout.
func headless(t *testing.T, bin, url string, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	base := []string{"--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
		"--disable-component-update", "--disable-sync", "--no-first-run", "--user-data-dir=" + t.TempDir(),
		"--virtual-time-budget=5000"}
	cmd := exec.CommandContext(ctx, bin, append(append(base, args...), url)...)
	var out, errb strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		t.Fatalf("chromium: %v\n%s", err, errb.String())
	}
	return out.String()
}

var (
	tagRE  = regexp.MustCompile(`<span ([^>]*)>([^<]*)</span>`)
	attrRE = regexp.MustCompile(`([a-z-]+)="([^"]*)"`)
)

// cell is a token cell of the page as the browser rendered it.
type cell struct {
	attrs map[string]string
	text  string
}

func cells(dom string) []cell {
	var cs []cell
	for _, m := range tagRE.FindAllStringSubmatch(dom, -1) {
		a := map[string]string{}
		for _, kv := range attrRE.FindAllStringSubmatch(m[1], -1) {
			a[kv[1]] = kv[2]
		}
		if strings.Contains(" "+a["class"]+" ", " tok ") {
			cs = append(cs, cell{a, m[2]})
		}
	}
	return cs
}

func find(cs []cell, side, traj, i string) *cell {
	for k := range cs {
		a := cs[k].attrs
		if a["data-side"] == side && a["data-traj"] == traj && a["data-i"] == i {
			return &cs[k]
		}
	}
	return nil
}

// TestBrowser loads the page from a running inspector in headless Chromium
// and checks what a person sees: the token cells with the colours of known
// advantages, the difference column, the exact-advantage column, the anchor
// groups and the legend. The colours are worked out by hand from the scale
// (the page's colour function interpolates linearly in RGB from white to
// RdBu's ends rgb(178,24,43) at +scale and rgb(33,102,172) at -scale, and
// rounds): with scale 1,
//
//	+1   -> rgb(178, 24, 43)
//	-1   -> rgb(33, 102, 172)
//	 0   -> rgb(255, 255, 255)
//	+0.5 -> (255-38.5, 255-115.5, 255-106)  = rgb(217, 140, 149)  (x.5 rounds up)
//	-0.5 -> (255-111, 255-76.5, 255-41.5)   = rgb(144, 179, 214)
//	+0.25 -> (255-19.25, 255-57.75, 255-53) = rgb(236, 197, 202)
//	-0.75 -> (255-166.5, 255-114.75, 255-62.25) = rgb(89, 140, 193)
func TestBrowser(t *testing.T) {
	bin := chromium(t)
	in := openAB(t, Options{File2: "testdata/b.jsonl", Scale: 1})
	srv := httptest.NewServer(in.Handler())
	defer srv.Close()

	dom := headless(t, bin, srv.URL+"/?group=g1", "--dump-dom")
	cs := cells(dom)
	if len(cs) == 0 {
		t.Fatalf("no token cells in the page:\n%s", dom)
	}
	// g1: t1 (4 tokens) and t2 (2 tokens), 4 columns: left, right, diff, A^π
	if len(cs) != 4*(4+2) {
		t.Errorf("%d token cells, want 24", len(cs))
	}
	for _, c := range []struct{ side, traj, i, text, colour string }{
		{"0", "t1", "0", "Hel", "rgb(178, 24, 43)"},
		{"0", "t1", "1", "lo", "rgb(33, 102, 172)"},
		{"0", "t1", "2", " wor", "rgb(255, 255, 255)"},
		{"0", "t1", "3", "ld↵", "rgb(217, 140, 149)"},
		{"1", "t1", "2", " wor", "rgb(217, 140, 149)"},
		{"0", "t2", "0", "Hel", "rgb(144, 179, 214)"},
		{"0", "t2", "1", "p", "rgb(236, 197, 202)"},
		{"1", "t2", "1", "p", "rgb(144, 179, 214)"},
		// the difference right − left: t1 [0 0 0.5 0], t2 [0 -0.75]
		{"diff", "t1", "0", "Hel", "rgb(255, 255, 255)"},
		{"diff", "t1", "2", " wor", "rgb(217, 140, 149)"},
		{"diff", "t2", "1", "p", "rgb(89, 140, 193)"},
		// the exact advantage A^π of t1: [0.75 -0.5 0.25 0]
		{"truth", "t1", "1", "lo", "rgb(144, 179, 214)"},
		{"truth", "t1", "2", " wor", "rgb(236, 197, 202)"},
	} {
		got := find(cs, c.side, c.traj, c.i)
		if got == nil {
			t.Errorf("no cell for side %s, %s token %s", c.side, c.traj, c.i)
			continue
		}
		if got.text != c.text {
			t.Errorf("side %s, %s token %s shows %q, want %q", c.side, c.traj, c.i, got.text, c.text)
		}
		if want := "background-color: " + c.colour; !strings.Contains(got.attrs["style"], want) {
			t.Errorf("side %s, %s token %s: style %q, want %s", c.side, c.traj, c.i, got.attrs["style"], want)
		}
	}
	if c := find(cs, "0", "t1", "3"); c != nil && !strings.Contains(c.attrs["class"], "masked") {
		t.Errorf("masked token not marked: %q", c.attrs["class"])
	}
	// t2 has no A^π: its cells in that column are drawn as "no value"
	if c := find(cs, "truth", "t2", "0"); c == nil || !strings.Contains(c.attrs["class"], "none") || strings.Contains(c.attrs["style"], "background") {
		t.Errorf("t2 exact-advantage cell: %+v", c)
	}
	for _, want := range []string{
		"difference (testdata/b.jsonl (advantages) − testdata/a.jsonl (advantages))",
		"exact A^π (token_scores.true_advantage)",
		"⚓0×2", "⚓1×1", // anchor s0 shared by two steps, s1 alone
		`<span id="legend-lo">−1</span>`, `<span id="legend-hi">+1</span>`,
		"1–3 of 3 groups",
	} {
		if !strings.Contains(dom, want) {
			t.Errorf("page lacks %q", want)
		}
	}

	// the group list sorted by largest |difference|, and the tree of g2
	dom = headless(t, bin, srv.URL+"/?sort=diff&group=g2", "--dump-dom")
	rows := regexp.MustCompile(`<tr class="row[^"]*" data-group="([^"]*)"`).FindAllStringSubmatch(dom, -1)
	var order []string
	for _, r := range rows {
		order = append(order, r[1])
	}
	if strings.Join(order, ",") != "g2,g1,g3" {
		t.Errorf("group rows sorted by diff: %v, want g2,g1,g3", order)
	}
	if !strings.Contains(dom, "↳ t3 @ token 1") || !regexp.MustCompile(`class="traj" data-traj="t4" style="margin-left: 24px;`).MatchString(dom) {
		t.Errorf("t4 not drawn as t3's child")
	}
	if c := find(cells(dom), "0", "t4", "0"); c == nil || !strings.Contains(c.attrs["class"], "prefix") {
		t.Errorf("t4's shared prefix token not marked: %+v", c)
	}

	// strata: g2's trajectories under their features.calls values
	dom = headless(t, bin, srv.URL+"/?group=g2&arrange=f:calls", "--dump-dom")
	s1, s2 := strings.Index(dom, `<div class="stratum">calls = 1</div>`), strings.Index(dom, `<div class="stratum">calls = 2</div>`)
	t3, t4 := strings.Index(dom, `data-traj="t3"`), strings.Index(dom, `data-traj="t4"`)
	if s1 < 0 || s2 < 0 || !(s1 < t4 && t4 < s2 && s2 < t3) {
		t.Errorf("strata: calls = 1 at %d, t4 at %d, calls = 2 at %d, t3 at %d", s1, t4, s2, t3)
	}

	// screenshots, for people (written to $CREDO_INSPECT_SHOTS when set)
	dir := os.Getenv("CREDO_INSPECT_SHOTS")
	if dir == "" {
		dir = t.TempDir()
	}
	shot := filepath.Join(dir, "inspect-test.png")
	headless(t, bin, srv.URL+"/?group=g1", "--screenshot="+shot, "--window-size=1400,900")
	if st, err := os.Stat(shot); err != nil || st.Size() < 10000 {
		t.Errorf("screenshot %s: %v", shot, err)
	}
}

// TestBrowserHover moves the mouse onto a token (through the page's ?hover=
// parameter, which dispatches a real mousemove event) and checks the numbers
// the tooltip shows against the fixture.
func TestBrowserHover(t *testing.T) {
	bin := chromium(t)
	in := openAB(t, Options{File2: "testdata/b.jsonl", Scale: 1})
	srv := httptest.NewServer(in.Handler())
	defer srv.Close()
	dom := headless(t, bin, srv.URL+"/?group=g1&hover=t1:2", "--dump-dom")
	m := regexp.MustCompile(`<div id="tip"[^>]*>([^<]*)</div>`).FindStringSubmatch(dom)
	if m == nil || strings.Contains(m[0], "hidden") {
		t.Fatalf("no visible tooltip: %v", m)
	}
	tip := strings.ReplaceAll(m[1], "&quot;", `"`)
	// token 2 of t1: id 12, " wor", mask 1, old log-prob -0.125, value
	// 0.125, credit 0 (left) and 0.5 (right), difference 0.5, A^π 0.25
	for _, want := range []string{`token 2  id 12  " wor"`, "mask          1", "old log-prob  -0.125", "value         0.125",
		"credit L      0 ", "credit R      0.5 ", "difference    0.5", "exact A^π     0.25", "reward outcome 1"} {
		if !strings.Contains(tip, want) {
			t.Errorf("tooltip lacks %q:\n%s", want, tip)
		}
	}
	if c := find(cells(dom), "1", "t1", "2"); c == nil || !strings.Contains(c.attrs["class"], "hl") {
		t.Errorf("the same token on the right side is not highlighted: %+v", c)
	}
}

// TestBrowserLarge loads the page over a 100,000-trajectory file (largeN):
// the page shows one page of 50 groups out of 12,500 and the chosen group's tokens.
func TestBrowserLarge(t *testing.T) {
	if testing.Short() {
		t.Skip("100k trajectories: not in -short")
	}
	bin := chromium(t)
	in, err := Open(Options{File: writeLarge(t, largeN), Scale: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	srv := httptest.NewServer(in.Handler())
	defer srv.Close()
	dom := headless(t, bin, srv.URL+"/?sort=credit", "--dump-dom")
	if want := fmt.Sprintf("1–50 of %d groups", largeN/8); !strings.Contains(dom, want) {
		t.Errorf("page does not say %s", want)
	}
	rows := regexp.MustCompile(`<tr class="row[^"]*" data-group="([^"]*)"`).FindAllStringSubmatch(dom, -1)
	if len(rows) != 50 || rows[0][1] != "g124" {
		t.Fatalf("%d group rows, first %v; want 50 and g124", len(rows), rows[0])
	}
	cs := cells(dom)
	if len(cs) != 8*16 {
		t.Errorf("%d token cells, want 128 (group g124: 8 trajectories of 16 tokens)", len(cs))
	}
	// t999 has credit +0.999 on even tokens and -0.999 on odd ones; with
	// scale 1: 255 + (178-255)·0.999 = 178.08 -> 178, ... (see TestBrowser)
	for i, want := range map[string]string{"0": "rgb(178, 24, 43)", "1": "rgb(33, 102, 172)"} {
		if c := find(cs, "0", "t999", i); c == nil || !strings.Contains(c.attrs["style"], want) {
			t.Errorf("t999 token %s: %+v, want %s", i, c, want)
		}
	}
}

// TestBrowserLongTrajectory: a 5,000-token trajectory is drawn up to 3,000
// tokens, with its steps cut there and a button to draw the rest.
func TestBrowserLongTrajectory(t *testing.T) {
	bin := chromium(t)
	toks, adv := make([]string, 5000), make([]string, 5000)
	for i := range toks {
		toks[i], adv[i] = fmt.Sprint(i%100), "0.5"
	}
	p := filepath.Join(t.TempDir(), "long.jsonl")
	rec := fmt.Sprintf(`{"uid":"g","traj_uid":"long","responses":[%s],"advantages":[%s],"steps":[{"start":0,"end":2500,"kind":"turn"},{"start":2500,"end":5000,"kind":"turn"}]}`+"\n",
		strings.Join(toks, ","), strings.Join(adv, ","))
	if err := os.WriteFile(p, []byte(rec), 0o666); err != nil {
		t.Fatal(err)
	}
	in, err := Open(Options{File: p, Scale: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	srv := httptest.NewServer(in.Handler())
	defer srv.Close()
	dom := headless(t, bin, srv.URL+"/", "--dump-dom")
	if n := len(cells(dom)); n != 3000 {
		t.Errorf("%d token cells drawn, want 3000", n)
	}
	if !strings.Contains(dom, "show all 5000 tokens (3000 drawn)") {
		t.Error("no button to draw the rest")
	}
	if n := strings.Count(dom, `class="step"`); n != 2 {
		t.Errorf("%d step boxes, want 2", n)
	}
}
