package credit

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

func TestArraysNames(t *testing.T) {
	a := ReadsMask | ReadsTokenRewards | ReadsTokenTags
	if got, want := a.Names(), []string{"response_mask", "token_level_rewards", "token_tags"}; !reflect.DeepEqual(got, want) {
		t.Errorf("Names = %q, want %q", got, want)
	}
	if got := AllArrays.Names(); len(got) != len(arrayNames) || got[0] != "responses" || got[len(got)-1] != "token_tags" {
		t.Errorf("AllArrays.Names = %q", got)
	}
	if ReadsNothing.Names() != nil {
		t.Errorf("ReadsNothing names %q", ReadsNothing.Names())
	}
}

func TestArraysRead(t *testing.T) {
	for _, c := range []struct {
		m    Method
		want Arrays
	}{
		{Method{}, AllArrays},            // undeclared
		{Method{Reads: ReadsNothing}, 0}, // declared: none
		{Method{Reads: ReadsMask | ReadsValues}, ReadsMask | ReadsValues},
		{Method{Reads: ReadsMask, ReadsOf: func(Values) Arrays { return ReadsOldLogProbs }}, ReadsOldLogProbs},
	} {
		if got := c.m.ArraysRead(nil); got != c.want {
			t.Errorf("%+v: ArraysRead = %v, want %v", c.m.Reads, got, c.want)
		}
	}
}

func TestMethodJSONReads(t *testing.T) {
	for _, c := range []struct {
		m    Method
		want string
	}{
		{Method{Name: "a", Reads: ReadsMask | ReadsTokenRewards}, `"reads":["response_mask","token_level_rewards"]`},
		{Method{Name: "b", Reads: ReadsNothing}, `"reads":[]`},
		{Method{Name: "c", GoAPI: "pkg.F"}, ``},
	} {
		b, err := json.Marshal(&c.m)
		if err != nil {
			t.Fatal(err)
		}
		if got := string(b); (c.want == "") != !strings.Contains(got, `"reads"`) || !strings.Contains(got, c.want) || !strings.Contains(got, `"name":"`+c.m.Name+`"`) {
			t.Errorf("%s: %s, want %s", c.m.Name, got, c.want)
		}
	}
}
