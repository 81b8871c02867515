package progress

import (
	"bytes"
	"os"
	"strings"
	"testing"
	"time"
)

// clock is a fake time source advanced by the test.
type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }

func TestBarRendering(t *testing.T) {
	var out bytes.Buffer
	c := &clock{t: time.Unix(1000, 0)}
	b := newAt(&out, "assign", 2_000_000_000, c.now)
	c.t = c.t.Add(2 * time.Second)
	// 500 MB of 2 GB in 2 s: 25%, 6 of 24 cells, 250 MB/s, 1.5 GB left = 6 s.
	b.Update(500_000_000, 1234)
	want := "\rassign  25% [######··················] 500 MB/2.00 GB  1234 records  250 MB/s  ETA 6s\x1b[K"
	if got := out.String(); got != want {
		t.Errorf("got  %q\nwant %q", got, want)
	}
	// Within the interval: no redraw.
	out.Reset()
	c.t = c.t.Add(50 * time.Millisecond)
	b.Update(600_000_000, 1300)
	if out.Len() != 0 {
		t.Errorf("redrawn after 50ms: %q", out.String())
	}
	c.t = c.t.Add(50 * time.Millisecond)
	b.Update(600_000_000, 1300)
	if !strings.Contains(out.String(), "1300 records") {
		t.Errorf("not redrawn after 100ms: %q", out.String())
	}
	out.Reset()
	b.Finish()
	if out.String() != "\r\x1b[K" {
		t.Errorf("Finish wrote %q, want the line erased", out.String())
	}
}

func TestBarUnknownTotal(t *testing.T) {
	var out bytes.Buffer
	c := &clock{t: time.Unix(0, 0)}
	b := newAt(&out, "stdin", -1, c.now)
	c.t = c.t.Add(4 * time.Second)
	b.Update(10_000_000, 7)
	want := "\rstdin 10.0 MB  7 records  2.50 MB/s\x1b[K"
	if out.String() != want {
		t.Errorf("got  %q\nwant %q", out.String(), want)
	}
}

func TestNilBar(t *testing.T) {
	var b *Bar
	b.Update(1, 1)
	b.Finish()
	if b.Func() != nil {
		t.Error("nil bar gives a callback")
	}
}

func TestEnabled(t *testing.T) {
	f, err := os.CreateTemp(t.TempDir(), "x")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if Enabled(f, false) {
		t.Error("enabled on a regular file")
	}
}

func TestUnits(t *testing.T) {
	for n, want := range map[int64]string{0: "0 B", 999: "999 B", 1000: "1.00 kB", 45_600_000: "45.6 MB", 999_600_000: "1.00 GB", 123_000_000_000: "123 GB", 5e12: "5.00 TB"} {
		if got := Bytes(n); got != want {
			t.Errorf("Bytes(%d) = %q, want %q", n, got, want)
		}
	}
	for d, want := range map[time.Duration]string{7 * time.Second: "7s", 185 * time.Second: "3m05s", 7440 * time.Second: "2h04m"} {
		if got := Duration(d); got != want {
			t.Errorf("Duration(%v) = %q, want %q", d, got, want)
		}
	}
}
