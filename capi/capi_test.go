package main

import (
	"encoding/json"
	"fmt"
	"math"
	"strings"
	"testing"
	"unsafe"

	"github.com/credo-rl/credo/anchor/verl"
	"github.com/credo-rl/credo/anchor/verlagent"
	"github.com/credo-rl/credo/capi/internal/nt"
)

// req builds a credo_call request over Go-allocated arrays (the test plays
// the caller; the library only reads and writes them during the call).
type reqBuilder struct {
	fn     string
	params map[string]any
	arrays map[string]spec
	ptrs   []unsafe.Pointer
}

func newReq(fn string, params map[string]any) *reqBuilder {
	return &reqBuilder{fn: fn, params: params, arrays: map[string]spec{}}
}

func (b *reqBuilder) f32(name string, x []float32, shape ...int) *reqBuilder {
	b.arrays[name] = spec{Slot: len(b.ptrs), DType: "f4", Shape: shape}
	b.ptrs = append(b.ptrs, unsafe.Pointer(unsafe.SliceData(x)))
	return b
}

func (b *reqBuilder) f64(name string, x []float64, shape ...int) *reqBuilder {
	b.arrays[name] = spec{Slot: len(b.ptrs), DType: "f8", Shape: shape}
	b.ptrs = append(b.ptrs, unsafe.Pointer(unsafe.SliceData(x)))
	return b
}

func (b *reqBuilder) i64(name string, x []int64) *reqBuilder {
	b.arrays[name] = spec{Slot: len(b.ptrs), DType: "i8", Shape: []int{len(x)}}
	b.ptrs = append(b.ptrs, unsafe.Pointer(unsafe.SliceData(x)))
	return b
}

func (b *reqBuilder) call() error {
	p := map[string]json.RawMessage{}
	for k, v := range b.params {
		raw, _ := json.Marshal(v)
		p[k] = raw
	}
	req, _ := json.Marshal(map[string]any{"fn": b.fn, "params": p, "arrays": b.arrays})
	return Call(req, b.ptrs)
}

// batch is a small ragged batch: 3 groups (one singleton, one constant).
func batch() (r, m [][]float64, idx []string, ids []int64) {
	r = [][]float64{{0, 0, 1, 0}, {0, 0.5, 0, 0}, {0, 0, 0, 0}, {1, 0, 0, 0}, {0, 0, 0, 1}, {0, 0, 1, 0}}
	m = [][]float64{{1, 1, 1, 0}, {1, 1, 0, 0}, {1, 1, 1, 1}, {1, 0, 0, 0}, {1, 1, 1, 1}, {1, 1, 1, 0}}
	idx = []string{"a", "a", "a", "b", "c", "c"}
	ids = []int64{7, 7, 7, 3, 9, 9}
	return
}

func flat32(x [][]float64) []float32 {
	var out []float32
	for _, r := range x {
		for _, v := range r {
			out = append(out, float32(v))
		}
	}
	return out
}

func flat64(x [][]float64) []float64 {
	var out []float64
	for _, r := range x {
		out = append(out, r...)
	}
	return out
}

func near(t *testing.T, what string, got []float32, want [][]float64, tol float64) {
	t.Helper()
	w := flat64(want)
	if len(got) != len(w) {
		t.Fatalf("%s: %d values, want %d", what, len(got), len(w))
	}
	for i := range w {
		if math.Abs(float64(got[i])-w[i]) > tol*(1+math.Abs(w[i])) {
			t.Fatalf("%s[%d] = %v, want %v", what, i, got[i], w[i])
		}
	}
}

// TestOutcomeDropInsMatchAnchors checks the scalar-per-row fast path (row
// sums, anchor on [B][1], broadcast over the mask) against the anchors run on
// the full [B][T] arrays.
func TestOutcomeDropInsMatchAnchors(t *testing.T) {
	r, m, idx, ids := batch()
	B, T := len(r), len(r[0])
	type full func() ([][]float64, [][]float64, error)
	cases := map[string]full{
		"verl.grpo": func() ([][]float64, [][]float64, error) { return verl.GRPO(r, m, idx, verl.DefaultGRPOOptions()) },
		"verl.grpo_vectorized": func() ([][]float64, [][]float64, error) {
			return verl.GRPOVectorized(r, m, idx, verl.DefaultGRPOVectorizedOptions())
		},
		"verl.rloo": func() ([][]float64, [][]float64, error) { return verl.RLOO(r, m, idx) },
		"verl.rloo_vectorized": func() ([][]float64, [][]float64, error) {
			return verl.RLOOVectorized(r, m, idx, verl.RLOOVectorizedOptions{})
		},
		"verl.gpg": func() ([][]float64, [][]float64, error) { return verl.GPG(r, m, idx, verl.DefaultGPGOptions()) },
		"verl.opo": func() ([][]float64, [][]float64, error) { return verl.OPO(r, m, idx) },
		"verl.reinforce_plus_plus_baseline": func() ([][]float64, [][]float64, error) {
			return verl.ReinforcePlusPlusBaseline(r, m, idx)
		},
	}
	for fn, ref := range cases {
		want, _, err := ref()
		if err != nil {
			t.Fatalf("%s: anchor: %v", fn, err)
		}
		adv := make([]float32, B*T)
		err = newReq(fn, nil).f32("token_level_rewards", flat32(r), B, T).f32("response_mask", flat32(m), B, T).
			i64("index", ids).f32("advantages", adv, B, T).call()
		if err != nil {
			t.Fatalf("%s: %v", fn, err)
		}
		near(t, fn, adv, want, 1e-6)
	}
}

func TestGAEAndReinforceInPlaceFloat32(t *testing.T) {
	r, m, _, _ := batch()
	B, T := len(r), len(r[0])
	v := [][]float64{{0.1, -0.2, 0.3, 0.4}, {1, 2, 3, 4}, {0, 0, 0, 0}, {-1, 0, 1, 0}, {0.5, 0.5, 0.5, 0.5}, {2, 1, 0, -1}}
	wantA, wantR, err := verl.GAE(r, v, m, 0.99, 0.9)
	if err != nil {
		t.Fatal(err)
	}
	adv, ret := make([]float32, B*T), make([]float32, B*T)
	if err := newReq("verl.gae", map[string]any{"gamma": 0.99, "lam": 0.9}).f32("token_level_rewards", flat32(r), B, T).
		f32("values", flat32(v), B, T).f32("response_mask", flat32(m), B, T).
		f32("advantages", adv, B, T).f32("returns", ret, B, T).call(); err != nil {
		t.Fatal(err)
	}
	near(t, "gae advantages", adv, wantA, 1e-5)
	near(t, "gae returns", ret, wantR, 1e-6)

	wantA, wantR, err = verl.ReinforcePlusPlus(r, m, 0.95)
	if err != nil {
		t.Fatal(err)
	}
	if err := newReq("verl.reinforce_plus_plus", map[string]any{"gamma": 0.95}).f32("token_level_rewards", flat32(r), B, T).
		f32("response_mask", flat32(m), B, T).f32("advantages", adv, B, T).f32("returns", ret, B, T).call(); err != nil {
		t.Fatal(err)
	}
	near(t, "rpp advantages", adv, wantA, 1e-5)
	near(t, "rpp returns", ret, wantR, 1e-6)
}

func TestGiGPOExactGroups(t *testing.T) {
	r, m, idx, ids := batch()
	B, T := len(r), len(r[0])
	traj := []string{"t0", "t1", "t2", "t3", "t4", "t5"}
	trajIDs := []int64{0, 1, 2, 3, 4, 5}
	anchor := []string{"s0", "s1", "s0", "s0", "s1", "s1"}
	sg := []int64{0, 1, 0, 2, 3, 3} // (index, anchor) groups by first appearance
	step := []float64{0.5, 1, 0, 1, 0.25, 0.75}
	want, err := verlagent.GiGPO(r, step, m, anchor, idx, traj, verlagent.DefaultGiGPOOptions())
	if err != nil {
		t.Fatal(err)
	}
	adv := make([]float32, B*T)
	if err := newReq("verl_agent.gigpo", nil).f32("token_level_rewards", flat32(r), B, T).f32("response_mask", flat32(m), B, T).
		i64("index", ids).i64("traj_index", trajIDs).f64("step_rewards", step, B).i64("step_group", sg).
		f32("advantages", adv, B, T).call(); err != nil {
		t.Fatal(err)
	}
	near(t, "gigpo", adv, want, 1e-6)
}

func TestBadInputErrors(t *testing.T) {
	r, m, _, ids := batch()
	B, T := len(r), len(r[0])
	adv := make([]float32, B*T)
	rr := flat32(r)
	rr[5] = float32(math.NaN())
	cases := []struct {
		b    *reqBuilder
		want string
	}{
		{newReq("verl.grpo", nil).f32("token_level_rewards", rr, B, T).f32("response_mask", flat32(m), B, T).i64("index", ids).f32("advantages", adv, B, T),
			"token_level_rewards[1][1] is NaN"},
		{newReq("verl.grpo", nil).f32("token_level_rewards", flat32(r), B, T).f32("response_mask", flat32(m)[:T*(B-1)], B-1, T).i64("index", ids).f32("advantages", adv, B, T),
			"response_mask has shape (5, 4), token_level_rewards has (6, 4)"},
		{newReq("verl.grpo", nil).f32("token_level_rewards", flat32(r), B, T).f32("response_mask", flat32(m), B, T).i64("index", ids[:2]).f32("advantages", adv, B, T),
			"index has 2 entries, the batch has 6 rows"},
		{newReq("verl.grpo", map[string]any{"epsilon": "x"}).f32("token_level_rewards", flat32(r), B, T).f32("response_mask", flat32(m), B, T).i64("index", ids).f32("advantages", adv, B, T),
			"parameter epsilon: want a number"},
		{newReq("verl.nope", nil), `unknown function "verl.nope"`},
	}
	for _, c := range cases {
		err := c.b.call()
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: got %v, want an error containing %q", c.b.fn, err, c.want)
		}
	}
}

func TestAssignJSONLAndState(t *testing.T) {
	recs := `{"uid":"a","traj_uid":"x","responses":[1,2],"rewards":{"outcome":1}}
{"uid":"a","traj_uid":"y","responses":[3],"rewards":{"outcome":0}}
`
	out, err := AssignJSONL([]byte(`{"method":"verl.rloo"}`), []byte(recs))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	if len(lines) != 3 || !strings.Contains(lines[0], `"trajectories":2`) {
		t.Fatalf("reply %q", out)
	}
	// RLOO with two members: A = r_i - r_other: +1 and -1.
	if !strings.Contains(lines[1], `"advantages":[1,1]`) || !strings.Contains(lines[2], `"advantages":[-1]`) {
		t.Fatalf("records %q", lines[1:])
	}
	if _, err := AssignJSONL([]byte(`{"method":"verl.rloo"}`), []byte("{not json}\n")); err == nil || !strings.Contains(err.Error(), "line 1") {
		t.Fatalf("malformed record: %v", err)
	}
	if _, err := AssignJSONL([]byte(`{"method":"nope"}`), []byte(recs)); err == nil || !strings.Contains(err.Error(), `unknown method "nope"`) {
		t.Fatalf("unknown method: %v", err)
	}
}

func TestMethodsListsCatalogueAndDropIns(t *testing.T) {
	b, err := Methods()
	if err != nil {
		t.Fatal(err)
	}
	var got struct {
		Methods []struct{ Name string } `json:"methods"`
		DropIns []string                `json:"drop_ins"`
	}
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatal(err)
	}
	if len(got.Methods) < 30 || len(got.DropIns) != len(dropIns) {
		t.Fatalf("%d methods, %d drop-ins", len(got.Methods), len(got.DropIns))
	}
}

func BenchmarkCallOneRow(b *testing.B) {
	r := []float32{0, 0, 1, 0}
	m := []float32{1, 1, 1, 0}
	ids := []int64{0}
	adv := make([]float32, 4)
	req := []byte("fn verl.grpo\np epsilon 1e-06\np norm_adv_by_std_in_grpo true\n" +
		"a token_level_rewards 0 f4 1 4\na response_mask 1 f4 1 4\na index 2 i8 1\na advantages 3 f4 1 4\n")
	ptrs := []unsafe.Pointer{unsafe.Pointer(&r[0]), unsafe.Pointer(&m[0]), unsafe.Pointer(&ids[0]), unsafe.Pointer(&adv[0])}
	b.ReportAllocs()
	cpuLoop(b, func() {
		if err := Call(req, ptrs); err != nil {
			b.Fatal(err)
		}
	})
	if math.Abs(float64(adv[0])-1) > 1e-5 || adv[3] != 0 {
		b.Fatalf("advantages %v", adv)
	}
}

func ExampleCall() {
	// One row of four tokens in a group of its own: GRPO gives a singleton
	// group mean 0 and std 1, so the advantage is the score on the masked tokens.
	r := []float32{0, 0, 2, 0}
	m := []float32{1, 1, 1, 0}
	adv := make([]float32, 4)
	req := `{"fn":"verl.grpo","params":{},"arrays":{
	  "token_level_rewards":{"slot":0,"dtype":"f4","shape":[1,4]},
	  "response_mask":{"slot":1,"dtype":"f4","shape":[1,4]},
	  "index":{"slot":2,"dtype":"i8","shape":[1]},
	  "advantages":{"slot":3,"dtype":"f4","shape":[1,4]}}}`
	ids := []int64{0}
	err := Call([]byte(req), []unsafe.Pointer{unsafe.Pointer(&r[0]), unsafe.Pointer(&m[0]), unsafe.Pointer(&ids[0]), unsafe.Pointer(&adv[0])})
	fmt.Println(adv, err)
	// Output: [1.999998 1.999998 1.999998 0] <nil>
}

func BenchmarkOutcomeLarge(b *testing.B) {
	const B, T = 4096, 2048
	r := make([]float32, B*T)
	m := make([]float32, B*T)
	ids := make([]int64, B)
	for i := 0; i < B; i++ {
		ids[i] = int64(i / 8)
		n := T/2 + i%(T/2)
		for t := 0; t < n; t++ {
			m[i*T+t] = 1
		}
		r[i*T+n-1] = float32(i % 2)
	}
	adv := make([]float32, B*T)
	req := []byte(fmt.Sprintf("fn verl.grpo_vectorized\na token_level_rewards 0 f4 %d %d\na response_mask 1 f4 %d %d\na index 2 i8 %d\na advantages 3 f4 %d %d\n", B, T, B, T, B, B, T))
	ptrs := []unsafe.Pointer{unsafe.Pointer(&r[0]), unsafe.Pointer(&m[0]), unsafe.Pointer(&ids[0]), unsafe.Pointer(&adv[0])}
	b.SetBytes(int64(B * T * 4))
	cpuLoop(b, func() {
		if err := Call(req, ptrs); err != nil {
			b.Fatal(err)
		}
	})
}

// TestFastKernelsEqualElementLoops compares the layout-testing kernels with
// plain element loops (out[t] = F(a·w[t]), sums in order) on prefix masks
// with the boundary inside and at the edge of a chunk, general masks, all
// ones, all zeros, -0 entries and sparse and dense reward rows, for rows
// shorter and longer than a chunk, at every alignment of the row start,
// with ordinary and non-temporal stores, in float32 and float64.
func TestFastKernelsEqualElementLoops(t *testing.T) {
	testKernels[float32](t)
	testKernels[float64](t)
}

func testKernels[F float32 | float64](t *testing.T) {
	l := newRowLayout[F]()
	for _, T := range []int{1, 7, 200, chunk, 3*chunk + 37} {
		var rows [][]F
		for _, L := range []int{0, 1, T / 2, chunk - 1, chunk, chunk + 5, T - 1, T} {
			if L > T {
				continue
			}
			w := make([]F, T)
			for i := 0; i < L; i++ {
				w[i] = 1
			}
			rows = append(rows, w)
		}
		gen, negz, sparse := make([]F, T), make([]F, T), make([]F, T)
		for i := range gen {
			gen[i] = F(i%3) * 0.5
		}
		negz[0] = 1
		if T > 1 {
			negz[T-1] = F(math.Copysign(0, -1)) // -0: not a clean prefix
		}
		sparse[T*2/3] = -2.5
		rows = append(rows, gen, negz, sparse)
		for k, w := range rows {
			var want float64
			for _, x := range w {
				want += float64(x)
			}
			if got := sumSparse(w); got != want {
				t.Errorf("T %d row %d: sumSparse = %v, want %v", T, k, got, want)
			}
			L := prefixLen(l, w)
			wantL := -1
			for n := 0; n <= T; n++ { // is w n ones then +0s?
				ok := true
				for i, x := range w {
					e := F(0)
					if i < n {
						e = 1
					}
					if x != e || signbit(float64(x)) {
						ok = false
						break
					}
				}
				if ok {
					wantL = n
					break
				}
			}
			if L != wantL {
				t.Fatalf("T %d row %d: prefixLen = %d, want %d", T, k, L, wantL)
			}
			for _, a := range []float64{0.75, -1.25, 0, 1.0 / 3} {
				for off := 0; off < 4; off++ {
					for _, stream := range []bool{false, true} {
						buf := make([]F, T+off+1)
						for i := range buf {
							buf[i] = 9
						}
						dst := buf[off : off+T]
						if L >= 0 {
							writePrefix(dst, L, a, stream)
						} else {
							scaleRow(l, dst, w, a, stream)
						}
						nt.Fence()
						for i, x := range w {
							e := F(a * float64(x))
							if dst[i] != e || signbit(float64(dst[i])) != signbit(float64(e)) {
								t.Fatalf("T %d row %d a %v off %d stream %v: dst[%d] = %v, want %v",
									T, k, a, off, stream, i, dst[i], e)
							}
						}
						if buf[off+T] != 9 || (off > 0 && buf[off-1] != 9) {
							t.Fatalf("T %d row %d off %d: wrote outside the row", T, k, off)
						}
					}
				}
			}
		}
	}
	w := make([]F, 3*chunk)
	w[chunk+3] = F(math.NaN())
	for _, stream := range []bool{false, true} {
		if !scaleRow(l, make([]F, len(w)), w, 1, stream) {
			t.Error("a NaN mask value was not reported")
		}
	}
	if prefixLen(l, w) != -1 {
		t.Error("a mask with a NaN was taken for a prefix")
	}
}
