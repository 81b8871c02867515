package textenv

import (
	"strings"
	"testing"
)

func TestArithDemoEarnsReward(t *testing.T) {
	ts, err := Pool("arithchain", 4, Config{}, 1)
	if err != nil {
		t.Fatal(err)
	}
	for _, tk := range ts {
		t.Logf("%q → %q", tk.Prompt, tk.Canonical)
		if o := tk.Score(tk.Canonical, true); o.Reward != 1 {
			t.Errorf("canonical chain scored %v", o.Reward)
		}
		if o := tk.Score(tk.Canonical, false); o.Reward != 0 {
			t.Errorf("chain without end-of-sequence scored %v", o.Reward)
		}
		// a one-digit slip in the last line's result
		c := tk.Canonical
		i := strings.LastIndex(c, "= ") + 2
		bad := c[:i] + string("1234567890"[(int(c[i]-'0')+1)%10]) + c[i+1:]
		if o := tk.Score(bad, true); o.Reward != 0 {
			t.Errorf("%q scored %v", bad, o.Reward)
		}
	}
}

func TestArithPRMLines(t *testing.T) {
	ts, err := Pool("arithchain-prm", 2, Config{}, 2)
	if err != nil {
		t.Fatal(err)
	}
	for _, tk := range ts {
		for _, d := range tk.Demos {
			o := tk.Score(d, true)
			if o.Reward != 1 {
				t.Errorf("demo %q scored %v", d, o.Reward)
			}
			for _, l := range o.Lines {
				want := map[string]float64{"compute": 1, "filler": 0.9, "answer": 1}[l.Kind]
				if l.PRM != want {
					t.Errorf("demo %q line %q (%s): PRM %v, want %v", d, d[l.Start:l.End], l.Kind, l.PRM, want)
				}
			}
		}
		// answering at once: the truncation flaw gives the wrong answer 0.95
		o := tk.Score("#### 1", true)
		if o.Reward != 0 || len(o.Lines) != 1 || o.Lines[0].PRM != 0.95 {
			t.Errorf("early answer: %+v", o)
		}
	}
}

func TestCountdownTinyZeroReward(t *testing.T) {
	ts, err := Pool("countdown", 3, Config{}, 3)
	if err != nil {
		t.Fatal(err)
	}
	for _, tk := range ts {
		t.Logf("%q → %q", tk.Prompt, tk.Demos[0])
		if o := tk.Score(tk.Demos[0], true); o.Reward != 1 {
			t.Errorf("demo scored %v", o.Reward)
		}
		if o := tk.Score(" <answer>1 + 1</answer>", true); o.Reward != 0.1 {
			t.Errorf("wrong numbers scored %v, want the format score 0.1", o.Reward)
		}
		if o := tk.Score(" 42", true); o.Reward != 0 {
			t.Errorf("no answer scored %v", o.Reward)
		}
	}
}

func TestKBHopDemo(t *testing.T) {
	ts, err := Pool("kbhop", 3, Config{}, 4)
	if err != nil {
		t.Fatal(err)
	}
	for _, tk := range ts {
		d := tk.Demos[0]
		t.Logf("%q → %q", tk.Prompt, d)
		if o := tk.Score(d, true); o.Reward != 1 {
			t.Errorf("gold demo scored %v", o.Reward)
		}
		// the observation after the first search is exactly the demo's text
		i := strings.Index(d, "</search>") + len("</search>")
		obs := tk.Observe(d[:i])
		if obs == "" || !strings.HasPrefix(d[i:], obs) || !strings.Contains(obs, "<information>Doc 1:") {
			t.Errorf("observation %q does not match the demo", obs)
		}
		m := tk.ObsMask(d)
		if m[i-1] || !m[i] || !m[i+len(obs)-1] {
			t.Errorf("observation mask wrong around byte %d", i)
		}
		if o := tk.Score("<answer>Nobody</answer>", true); o.Reward != 0 {
			t.Errorf("unknown answer scored %v", o.Reward)
		}
		if tk.Observe("<search>Nobody</search>") != "\n<information></information>\n" {
			t.Errorf("unknown entity: %q", tk.Observe("<search>Nobody</search>"))
		}
	}
}

// TestArithPRMRewardedComplete: the enumerated rewarded set equals the
// completions the scorer rewards among every sequence of up to Horizon
// lines drawn from the canonical lines, both fillers, the answer and a
// wrong line (any other line fails the strict chain), with and without a
// trailing newline, within MaxNew.
func TestArithPRMRewardedComplete(t *testing.T) {
	ts, err := Pool("arithchain-prm", 2, Config{}, 3)
	if err != nil {
		t.Fatal(err)
	}
	for _, tk := range ts {
		canon := strings.Split(tk.Demos[0], "\n")
		alphabet := append(append([]string{}, canon...), fillerCheck, fillerRestate, "v9 = 1 + 1 = 2")
		want := map[string]bool{}
		var rec func(text string, n int)
		rec = func(text string, n int) {
			if n > 0 {
				for _, c := range []string{text, text + "\n"} {
					if len(c)+1 <= tk.MaxNew && tk.Score(c, true).Reward == 1 {
						want[c] = true
					}
				}
			}
			if n == len(canon)+3 || len(text) > tk.MaxNew {
				return
			}
			for _, l := range alphabet {
				if n == 0 {
					rec(l, 1)
				} else {
					rec(text+"\n"+l, n+1)
				}
			}
		}
		rec("", 0)
		got := map[string]bool{}
		for _, r := range tk.Rewarded {
			if got[r] {
				t.Errorf("%s: %q enumerated twice", tk.ID, r)
			}
			got[r] = true
			if !want[r] {
				t.Errorf("%s: enumerated %q is not rewarded by the scorer", tk.ID, r)
			}
		}
		for w := range want {
			if !got[w] {
				t.Errorf("%s: rewarded %q missing from the enumeration", tk.ID, w)
			}
		}
		t.Logf("%s: %d rewarded completions", tk.ID, len(got))
		if len(got) < 2 {
			t.Errorf("%s: only %d rewarded completions", tk.ID, len(got))
		}
	}
}
