package main

import (
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/spf13/cobra"
)

// taskBar shows "credo: LABEL done/total" on one terminal line while model
// requests run (only when stderr is a terminal and not --quiet).
type taskBar struct {
	mu    sync.Mutex
	w     io.Writer
	label string
	drawn time.Time
	shown bool
}

func newTaskBar(cmd *cobra.Command, quiet bool, label string) *taskBar {
	if !progressOn(cmd, quiet) {
		return nil
	}
	return &taskBar{w: cmd.ErrOrStderr(), label: label}
}

// update is a probe.RunOptions.Progress / judge.Options.Progress callback
// (nil for a nil bar).
func (b *taskBar) update() func(done, total int) {
	if b == nil {
		return nil
	}
	return func(done, total int) {
		b.mu.Lock()
		defer b.mu.Unlock()
		if now := time.Now(); done == total || now.Sub(b.drawn) >= 100*time.Millisecond {
			fmt.Fprintf(b.w, "\r\033[Kcredo: %s %d/%d", b.label, done, total)
			b.drawn, b.shown = now, true
		}
	}
}

// finish erases the line.
func (b *taskBar) finish() {
	if b != nil && b.shown {
		fmt.Fprint(b.w, "\r\033[K")
	}
}
