package main

import (
	"bytes"
	"testing"
)

func TestTaskBar(t *testing.T) {
	var w bytes.Buffer
	b := &taskBar{w: &w, label: "probe: tasks"}
	up := b.update()
	up(1, 3)
	up(2, 3) // within 100 ms of the last draw: skipped
	up(3, 3) // the last one is always drawn
	b.finish()
	want := "\r\033[Kcredo: probe: tasks 1/3\r\033[Kcredo: probe: tasks 3/3\r\033[K"
	if w.String() != want {
		t.Fatalf("%q", w.String())
	}
	var nb *taskBar
	if nb.update() != nil {
		t.Fatal("a nil bar has no callback")
	}
	nb.finish()
}
