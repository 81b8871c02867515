package progress

import (
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"

	"golang.org/x/term"
)

// Enabled reports whether to draw a bar on f: only when f is a terminal
// and quiet is not set.
func Enabled(f *os.File, quiet bool) bool {
	return !quiet && term.IsTerminal(int(f.Fd()))
}

// Interval is the least time between two redraws.
const Interval = 100 * time.Millisecond

// width of the bar itself, in cells.
const width = 24

// Bar is a progress bar on one terminal line.
type Bar struct {
	mu      sync.Mutex
	w       io.Writer
	label   string
	total   int64
	now     func() time.Time
	start   time.Time
	drawn   time.Time
	bytes   int64
	records int
	shown   bool
}

// New starts a bar labelled label for total bytes (total < 0: unknown, as
// for standard input; then it shows no percentage and no time left).
func New(w io.Writer, label string, total int64) *Bar {
	return newAt(w, label, total, time.Now)
}

func newAt(w io.Writer, label string, total int64, now func() time.Time) *Bar {
	return &Bar{w: w, label: label, total: total, now: now, start: now()}
}

// Update records progress and redraws if the last redraw is Interval old.
func (b *Bar) Update(bytes int64, records int) {
	if b == nil {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	b.bytes, b.records = bytes, records
	if t := b.now(); !b.shown || t.Sub(b.drawn) >= Interval {
		b.drawn = t
		b.shown = true
		fmt.Fprint(b.w, "\r"+b.line(t)+"\x1b[K")
	}
}

// Func is Update as a function value, nil for a nil bar (as wanted by
// format.Options.Progress).
func (b *Bar) Func() func(int64, int) {
	if b == nil {
		return nil
	}
	return b.Update
}

// Finish erases the bar, leaving the line to what follows (a summary or an
// error).
func (b *Bar) Finish() {
	if b == nil {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.shown {
		fmt.Fprint(b.w, "\r\x1b[K")
		b.shown = false
	}
}

// line renders the bar at time t, e.g.
//
//	assign  45% [##########·············] 1.20 GB/2.67 GB  123456 records  210 MB/s  ETA 7s
func (b *Bar) line(t time.Time) string {
	var s strings.Builder
	s.WriteString(b.label)
	el := t.Sub(b.start).Seconds()
	if b.total > 0 {
		f := float64(b.bytes) / float64(b.total)
		f = min(max(f, 0), 1)
		n := int(f * width)
		fmt.Fprintf(&s, " %3d%% [%s%s] %s/%s", int(f*100), strings.Repeat("#", n), strings.Repeat("·", width-n), Bytes(b.bytes), Bytes(b.total))
	} else {
		fmt.Fprintf(&s, " %s", Bytes(b.bytes))
	}
	if b.records == 1 {
		s.WriteString("  1 record")
	} else {
		fmt.Fprintf(&s, "  %d records", b.records)
	}
	if el > 0 && b.bytes > 0 {
		rate := float64(b.bytes) / el
		fmt.Fprintf(&s, "  %s/s", Bytes(int64(rate)))
		if b.total > 0 && b.bytes < b.total {
			left := time.Duration(float64(b.total-b.bytes) / rate * float64(time.Second))
			fmt.Fprintf(&s, "  ETA %s", Duration(left))
		}
	}
	return s.String()
}

// Bytes formats n in SI units with three significant digits: 999 B, 1.20 kB,
// 45.6 MB, 123 GB.
func Bytes(n int64) string {
	if n < 1000 {
		return fmt.Sprintf("%d B", n)
	}
	x := float64(n)
	for _, u := range []string{"kB", "MB", "GB", "TB"} {
		x /= 1000
		if x < 999.5 || u == "TB" {
			switch {
			case x < 9.995:
				return fmt.Sprintf("%.2f %s", x, u)
			case x < 99.95:
				return fmt.Sprintf("%.1f %s", x, u)
			default:
				return fmt.Sprintf("%.0f %s", x, u)
			}
		}
	}
	panic("unreachable")
}

// Duration formats a time left: 7s, 3m05s, 2h04m.
func Duration(d time.Duration) string {
	s := int64(d.Round(time.Second) / time.Second)
	switch {
	case s < 60:
		return fmt.Sprintf("%ds", s)
	case s < 3600:
		return fmt.Sprintf("%dm%02ds", s/60, s%60)
	default:
		return fmt.Sprintf("%dh%02dm", s/3600, s/60%60)
	}
}
