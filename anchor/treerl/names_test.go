package treerl

import "testing"

func TestParseNames(t *testing.T) {
	if m, err := ParseMode("ancestor"); err != nil || m != ModeAncestor {
		t.Fatalf("ParseMode(ancestor) = %v, %v", m, err)
	}
	if n, err := ParseNormStyle("step"); err != nil || n != NormStep {
		t.Fatalf("ParseNormStyle(step) = %v, %v", n, err)
	}
	if w, err := ParseWeightStyle("sqrt"); err != nil || w != WeightSqrt {
		t.Fatalf("ParseWeightStyle(sqrt) = %v, %v", w, err)
	}
	for _, f := range []func(string) error{
		func(s string) error { _, err := ParseMode(s); return err },
		func(s string) error { _, err := ParseNormStyle(s); return err },
		func(s string) error { _, err := ParseWeightStyle(s); return err },
	} {
		if f("bogus") == nil {
			t.Fatal("unknown name accepted")
		}
	}
}
