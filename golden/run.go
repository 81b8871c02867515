package golden

import (
	"fmt"
	"io"
	"path/filepath"
	"sort"
	"strings"
)

// CaseResult is the outcome of one case.
type CaseResult struct {
	Name     string
	Pass     bool
	Problems []string
}

// FileResult is the outcome of one golden file.
type FileResult struct {
	Path      string
	Estimator string
	Known     bool
	Cases     []CaseResult
	Err       error // the file could not be read
}

// Passed counts passing cases.
func (r *FileResult) Passed() int {
	n := 0
	for _, c := range r.Cases {
		if c.Pass {
			n++
		}
	}
	return n
}

// Failed counts failing cases.
func (r *FileResult) Failed() int { return len(r.Cases) - r.Passed() }

// RunCase runs one case with the adapter f and compares every output.
func RunCase(estimator string, f Func, c *Case) (res CaseResult) {
	res.Name = c.Name
	defer func() {
		if p := recover(); p != nil {
			res.Pass = false
			res.Problems = append(res.Problems, fmt.Sprintf("panic: %v", p))
		}
	}()
	got, err := f(c)
	if c.ExpectsError() {
		if err == nil {
			res.Problems = append(res.Problems, "the reference rejects this input but credo accepted it")
			return res
		}
		res.Pass = true
		return res
	}
	if err != nil {
		res.Problems = append(res.Problems, "error: "+err.Error())
		return res
	}
	tol := CaseTol(estimator, c)
	keys := make([]string, 0, len(c.Outputs))
	for k := range c.Outputs {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		g, ok := got[k]
		if !ok {
			res.Problems = append(res.Problems, k+": not produced")
			continue
		}
		for _, m := range Compare(c.Outputs[k], g, tol, 5) {
			res.Problems = append(res.Problems, k+m)
		}
	}
	res.Pass = len(res.Problems) == 0
	return res
}

// RunFile loads and runs one golden file.
func RunFile(path string) FileResult {
	res := FileResult{Path: path}
	f, err := ReadFile(path)
	if err != nil {
		res.Err = err
		return res
	}
	res.Estimator = f.Estimator
	fn, ok := Lookup(f.Estimator)
	res.Known = ok
	for i := range f.Cases {
		c := &f.Cases[i]
		if !ok {
			res.Cases = append(res.Cases, CaseResult{Name: c.Name, Problems: []string{"estimator " + f.Estimator + " is unknown to credo"}})
			continue
		}
		res.Cases = append(res.Cases, RunCase(f.Estimator, fn, c))
	}
	return res
}

// Summary totals a conformance run.
type Summary struct {
	Files          []FileResult
	Passed, Failed int
}

// OK reports whether every file was read, every estimator was known and
// every case passed.
func (s *Summary) OK() bool {
	if s.Failed > 0 {
		return false
	}
	for _, f := range s.Files {
		if f.Err != nil || !f.Known {
			return false
		}
	}
	return true
}

// RunDir runs every *.json file in dir, writing one line per file (and the
// problems of failing cases when verbose) to w, and last the line
// "N passed, M failed" counting cases.
func RunDir(dir string, w io.Writer, verbose bool) (Summary, error) {
	var s Summary
	paths, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil {
		return s, err
	}
	if len(paths) == 0 {
		return s, fmt.Errorf("conformance: no *.json golden files in %s", dir)
	}
	sort.Strings(paths)
	for _, p := range paths {
		r := RunFile(p)
		s.Files = append(s.Files, r)
		name := filepath.Base(p)
		switch {
		case r.Err != nil:
			s.Failed++
			fmt.Fprintf(w, "ERROR %s: %v\n", name, r.Err)
			continue
		case !r.Known:
			fmt.Fprintf(w, "FAIL  %s: estimator %q is unknown to credo (%d cases)\n", name, r.Estimator, len(r.Cases))
		case r.Failed() > 0:
			fmt.Fprintf(w, "FAIL  %s: %d/%d cases passed\n", name, r.Passed(), len(r.Cases))
		default:
			fmt.Fprintf(w, "ok    %s: %d/%d cases passed\n", name, r.Passed(), len(r.Cases))
		}
		s.Passed += r.Passed()
		s.Failed += r.Failed()
		if verbose || r.Known {
			for _, c := range r.Cases {
				if c.Pass {
					continue
				}
				fmt.Fprintf(w, "      case %s:\n", c.Name)
				for _, m := range c.Problems {
					fmt.Fprintf(w, "        %s\n", strings.TrimSpace(m))
				}
			}
		}
	}
	fmt.Fprintf(w, "%d passed, %d failed\n", s.Passed, s.Failed)
	return s, nil
}
