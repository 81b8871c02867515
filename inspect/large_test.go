package inspect

import (
	"bufio"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"testing"
)

// writeLarge writes n trajectories of 16 tokens in groups of 8. The credit
// of trajectory k is (k mod 1000)/1000 · sign on every token, so the group
// with the largest |credit| is the one holding k = 999 (group 124).
func writeLarge(tb testing.TB, n int) string {
	p := filepath.Join(tb.TempDir(), "large.jsonl")
	f, err := os.Create(p)
	if err != nil {
		tb.Fatal(err)
	}
	w := bufio.NewWriter(f)
	toks := make([]int, 16)
	adv := make([]float64, 16)
	for k := 0; k < n; k++ {
		for i := range toks {
			toks[i] = (k*16 + i) % 50000
			adv[i] = float64(k%1000) / 1000
			if i%2 == 1 {
				adv[i] = -adv[i]
			}
		}
		tj, _ := json.Marshal(toks)
		aj, _ := json.Marshal(adv)
		fmt.Fprintf(w, `{"uid":"g%d","traj_uid":"t%d","responses":%s,"rewards":{"outcome":%d},"advantages":%s}`+"\n", k/8, k, tj, k%2, aj)
	}
	if err := w.Flush(); err != nil {
		tb.Fatal(err)
	}
	f.Close()
	return p
}

// TestLargeFile indexes a 100,000-trajectory file (largeN) and pages through it: the
// index is a few hundred bytes per trajectory (the records stay on disk) and one page of the group
// list is a few kilobytes.
func TestLargeFile(t *testing.T) {
	if testing.Short() {
		t.Skip("100k trajectories: not in -short")
	}
	p := writeLarge(t, largeN)
	st, _ := os.Stat(p)
	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	in, err := Open(Options{File: p})
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	runtime.GC()
	runtime.ReadMemStats(&after)
	held := int64(after.HeapAlloc) - int64(before.HeapAlloc)
	t.Logf("file %.1f MB, index %.1f MB on the heap", float64(st.Size())/1e6, float64(held)/1e6)
	// the index is per trajectory (offset, group, reward, largest |credit|,
	// id), independent of the number of tokens
	if per := held / largeN; per > 256 {
		t.Errorf("index holds %d bytes per trajectory, want at most 256", per)
	}
	if in.Groups() != largeN/8 || in.Trajectories() != largeN {
		t.Fatalf("%d groups, %d trajectories", in.Groups(), in.Trajectories())
	}
	h := in.Handler()
	body := get(t, h, "/api/groups?sort=credit&limit=50", 200)
	if len(body) > 20000 {
		t.Errorf("one page of 50 groups is %d bytes", len(body))
	}
	var pg GroupPage
	if err := json.Unmarshal(body, &pg); err != nil {
		t.Fatal(err)
	}
	if pg.Total != largeN/8 || len(pg.Groups) != 50 || pg.Groups[0].ID != "g124" || pg.Groups[0].MaxAbsCredit != 0.999 {
		t.Errorf("first page: total %d, %d groups, first %+v", pg.Total, len(pg.Groups), pg.Groups[0])
	}
	last := page(t, h, fmt.Sprintf("offset=%d&limit=50", largeN/8-10))
	if len(last.Groups) != 10 || last.Groups[9].ID != fmt.Sprintf("g%d", largeN/8-1) {
		t.Errorf("last page: %d groups, last %+v", len(last.Groups), last.Groups[len(last.Groups)-1])
	}
	g := group(t, h, fmt.Sprintf("g%d", largeN/8-1))
	if len(g.Trajs) != 8 || g.Trajs[7].ID != fmt.Sprintf("t%d", largeN-1) || math.Abs(g.Trajs[7].Credit[0][1]+0.999) > 1e-15 {
		t.Errorf("last group: %d trajectories, last %s %v", len(g.Trajs), g.Trajs[7].ID, g.Trajs[7].Credit[0])
	}
}

// BenchmarkOpen100k measures indexing a 100,000-trajectory JSONL file
// (16 tokens each, 28 MB).
func BenchmarkOpen100k(b *testing.B) {
	p := writeLarge(b, 100000)
	b.ResetTimer()
	for range b.N {
		in, err := Open(Options{File: p})
		if err != nil {
			b.Fatal(err)
		}
		in.Close()
	}
}

// BenchmarkGroupsPage measures one sorted page of the group list over 12,500 groups.
func BenchmarkGroupsPage(b *testing.B) {
	in, err := Open(Options{File: writeLarge(b, 100000)})
	if err != nil {
		b.Fatal(err)
	}
	defer in.Close()
	b.ResetTimer()
	for range b.N {
		in.Page(Query{Sort: "credit", Limit: 50})
	}
}
