package stream

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/credo-rl/credo/credit"
	"github.com/credo-rl/credo/format"
	"github.com/credo-rl/credo/internal/atomicfile"
)

// ErrInput marks errors caused by the user's input (exit code 2).
var ErrInput = errors.New("bad input")

type inputError struct{ err error }

func (e inputError) Error() string       { return e.err.Error() }
func (e inputError) Unwrap() []error     { return []error{e.err, ErrInput} }
func badInput(err error) error           { return inputError{err} }
func badInputf(f string, a ...any) error { return inputError{fmt.Errorf(f, a...)} }

// Stats summarises a run.
type Stats struct {
	Trajectories int
	Groups       int
	Tokens       int
	// Mode says how the input was read: "one pass", "indexed",
	// "two passes" or "whole file".
	Mode string
	// Held is the most records the run held in memory at once (waiting
	// for their group, or the batch), what bounds its memory.
	Held int
}

// Job is one run of a method over a file.
type Job struct {
	Method *credit.Method
	Values credit.Values // nil = the method's defaults
	// State is the state of a stateful method, read and advanced once by
	// the run (nil = fresh). On error it is left as it was for methods with
	// credit.Steps; for others it may have been advanced in memory, but
	// nothing is saved.
	State *credit.State
	// StatePath, when set, is where State is saved. It is written to a
	// temporary file beside it and renamed together with the output, only
	// when both are complete.
	StatePath string
	In, Out   string
	// InFormat and OutFormat name the formats where the paths do not (see
	// format.ParseSpec), as for "-" (standard input or output).
	InFormat, OutFormat string
	// Pass, when set, is called at the start of each read of the input
	// (counted from 1; passes is 0 when the number of reads is not known in
	// advance) and returns the progress callback of that read (nil: none).
	Pass func(pass, passes int) func(bytes int64, records int)
	// Context, when set, stops the run once it is done: Run returns its
	// error (context.Canceled or context.DeadlineExceeded; errors.Is
	// finds it, and it is not an ErrInput), checked before each record and
	// each group read, and leaves no output, as any failed run. A group
	// being assigned is finished first. nil runs to the end.
	Context context.Context
}

// Assign runs method m with values v on the file in and writes the result to
// out. The output appears only when everything succeeded; in is never
// modified. st carries the state of stateful methods (nil = fresh).
func Assign(m *credit.Method, v credit.Values, st *credit.State, in, out string) (Stats, error) {
	return Run(Job{Method: m, Values: v, State: st, In: in, Out: out})
}

// Run runs a job; see the package documentation.
func Run(j Job) (Stats, error) {
	m := j.Method
	if m.GoAPI != "" {
		return Stats{}, badInputf("%s assigns no credit: it is the Go function %s", m.Name, m.GoAPI)
	}
	v := j.Values
	if v == nil {
		v = m.Defaults()
	}
	if err := sameFile(j.In, j.Out); err != nil {
		return Stats{}, err
	}
	spec, err := format.SpecOf(j.Out, j.OutFormat)
	if err != nil {
		return Stats{}, badInput(err)
	}
	// Standard output gets the result only when everything succeeded: it is
	// written to a temporary file first and copied out at the end.
	tmp := j.Out
	if j.Out == format.Stdio {
		tmp = filepath.Join(os.TempDir(), "credo-stdout")
	}
	regular := false
	if j.In != "-" {
		fi, err := os.Stat(j.In)
		if err != nil {
			return Stats{}, badInput(err)
		}
		regular = fi.Mode().IsRegular()
	}
	st := j.State
	if st == nil {
		st = credit.NewState()
	}
	if j.StatePath != "" {
		if fi, err := os.Stat(j.StatePath); err == nil && !fi.Mode().IsRegular() {
			return Stats{}, badInputf("--state %s is not a regular file", j.StatePath)
		}
	}
	if fi, err := os.Stat(j.Out); j.Out != format.Stdio && err == nil && !fi.Mode().IsRegular() {
		return Stats{}, badInputf("--out %s is not a regular file", j.Out)
	}
	// Both temporary files exist before any work, so that an unwritable
	// state directory fails at once and never beside a new output.
	f, err := atomicfile.Create(tmp)
	if err != nil {
		return Stats{}, err
	}
	defer f.Abort()
	var sf *atomicfile.File
	if j.StatePath != "" {
		if sf, err = atomicfile.Create(j.StatePath); err != nil {
			return Stats{}, err
		}
		defer sf.Abort()
	}
	r := &run{m: m, v: v, st: st, in: j.In, out: j.Out, tmp: tmp, spec: spec, inFormat: j.InFormat, pass: j.Pass, regular: regular, f: f, ctx: j.Context}
	if err := r.alive(); err != nil {
		return Stats{}, err
	}
	if err := r.resetOutput(); err != nil {
		return Stats{}, err
	}
	switch {
	case m.Streamable(v):
		err = r.groups()
	case m.PerRecord:
		err = r.records()
	case m.Sums != nil && m.ScopeFor(v) == credit.ScopeBatch && regular:
		err = r.sums()
	default:
		err = r.whole()
	}
	var stats Stats
	if r.x != nil {
		stats = r.x.stats()
	}
	stats.Mode = r.mode
	stats.Held = r.held
	if err != nil {
		return stats, err
	}
	if err := r.w.Close(); err != nil {
		return stats, fmt.Errorf("write output %s: %w", j.Out, err)
	}
	if sf != nil {
		b, err := st.Marshal()
		if err != nil {
			return stats, err
		}
		if _, err := sf.Write(append(b, '\n')); err != nil {
			return stats, fmt.Errorf("write state %s: %w", j.StatePath, err)
		}
		if err := sf.Sync(); err != nil {
			return stats, fmt.Errorf("write state %s: %w", j.StatePath, err)
		}
	}
	if j.Out == format.Stdio {
		if err := copyToStdout(f); err != nil {
			return stats, err
		}
	} else if err := f.Commit(); err != nil {
		return stats, err
	}
	if sf != nil {
		if err := sf.Commit(); err != nil {
			return stats, fmt.Errorf("%w (the output %s was written; the state was not updated)", err, j.Out)
		}
	}
	return stats, nil
}

// CheckNotSame refuses an output path that is the input file.
func CheckNotSame(in, out string) error { return sameFile(in, out) }

func sameFile(in, out string) error {
	if in == "-" || out == "-" {
		return nil
	}
	a, err := os.Stat(in)
	if err != nil {
		return badInput(err)
	}
	if b, err := os.Stat(out); err == nil && os.SameFile(a, b) {
		return badInputf("--out %s is the input file: credo never overwrites its input", out)
	}
	return nil
}

// run is the state of one job.
type run struct {
	m       *credit.Method
	v       credit.Values
	st      *credit.State
	in, out string
	// tmp is the path beside which temporaries are made (out, or a file in
	// the temporary directory for standard output); spec is the output's
	// format and compression.
	tmp       string
	spec      format.Spec
	inFormat  string
	pass      func(pass, passes int) func(bytes int64, records int)
	ctx       context.Context // nil: never stops (Job.Context)
	reads     int
	regular   bool
	f         *atomicfile.File
	w         format.Writer
	x         *index
	mode      string
	raw       *bufio.Writer
	held      int  // most records held at once (Stats.Held)
	perRecord bool // the method runs one record at a time (records)
}

// hold notes that n records are held in memory at once.
func (r *run) hold(n int) { r.held = max(r.held, n) }

// resetOutput empties the temporary output and starts a new writer on it.
func (r *run) resetOutput() error {
	if r.w != nil {
		// Stop the writer first: with GOMAXPROCS > 1 its goroutines may
		// still be writing batches, which would land after the truncation.
		r.w.Close()
		if err := r.f.Truncate(0); err != nil {
			return err
		}
		if _, err := r.f.Seek(0, 0); err != nil {
			return err
		}
	}
	w, err := format.NewSpecWriter(r.f, r.spec)
	if err != nil {
		return err
	}
	r.w = w
	return nil
}

// params renders the parameter values for messages: "epsilon=0,
// norm_adv_by_std_in_grpo=true".
func (r *run) params() string {
	ks := make([]string, 0, len(r.v))
	for k := range r.v {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	var b strings.Builder
	for i, k := range ks {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "%s=%v", k, r.v[k])
	}
	return b.String()
}

// spillFile is a temporary file beside the output for records assigned
// out of order. It is made like the output's own temporary (same
// directory, same name pattern, same clean-up on abort) and is never
// committed: the caller aborts it when done.
func (r *run) spillFile() (*atomicfile.File, error) {
	f, err := atomicfile.Create(r.tmp)
	if err != nil {
		return nil, fmt.Errorf("create temporary file beside %s: %w", r.tmp, err)
	}
	return f, nil
}

// alive is the error of the job's context once it is done, else nil.
func (r *run) alive() error {
	if r.ctx == nil {
		return nil
	}
	return r.ctx.Err()
}

// open starts a read of the input, with its progress callback.
func (r *run) open() (*source, error) { return r.openCopy(nil) }

// openCopy starts a read of the input that also copies the JSONL text read
// to cp (see format.Options.Copy; nil: no copy).
func (r *run) openCopy(cp io.Writer) (*source, error) {
	r.reads++
	o := format.Options{Format: r.inFormat, Copy: cp, Context: r.ctx}
	if r.pass != nil {
		o.Progress = r.pass(r.reads, 0)
	}
	if s := r.openFollowed(o); s != nil { // Parquet to Parquet: parquet_follow.go
		return s, nil
	}
	return openSource(r.in, o)
}

// copyToStdout copies the finished temporary output to standard output.
func copyToStdout(f *atomicfile.File) error {
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return err
	}
	w := bufio.NewWriterSize(os.Stdout, 1<<20)
	if _, err := io.Copy(w, f); err != nil {
		return fmt.Errorf("write standard output: %w", err)
	}
	if err := w.Flush(); err != nil {
		return fmt.Errorf("write standard output: %w", err)
	}
	return nil
}
