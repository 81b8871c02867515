package groups

import (
	"reflect"
	"testing"
)

func TestIndex(t *testing.T) {
	g, n := Index([]string{"b", "a", "b", "c", "a"})
	if n != 3 || !reflect.DeepEqual(g, []int{0, 1, 0, 2, 1}) {
		t.Fatalf("Index = %v, %d", g, n)
	}
	if s := Sizes(g, n); !reflect.DeepEqual(s, []int{2, 2, 1}) {
		t.Fatalf("Sizes = %v", s)
	}
}
