package layers

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
)

const module = "github.com/credo-rl/credo"

// pkg is the part of `go list -json` the tests read.
type pkg struct {
	ImportPath   string
	Dir          string
	Doc          string
	Name         string
	Imports      []string
	TestImports  []string
	XTestImports []string
}

// listModule runs `go list -json` over the module and returns its packages
// by import path relative to the module ("credit", "method/tree", ...) and
// the module's root directory.
func listModule(t *testing.T) (map[string]pkg, string) {
	t.Helper()
	goCmd, err := exec.LookPath("go")
	if err != nil {
		t.Skip("go command not found:", err)
	}
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(goCmd, "list", "-json", "./...")
	cmd.Dir = root
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, stderr.String())
	}
	pkgs := map[string]pkg{}
	dec := json.NewDecoder(bytes.NewReader(out))
	for {
		var p pkg
		if err := dec.Decode(&p); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			t.Fatalf("decoding go list output: %v", err)
		}
		pkgs[rel(p.ImportPath)] = p
	}
	if len(pkgs) == 0 {
		t.Fatal("go list found no packages")
	}
	return pkgs, root
}

// rel strips the module path: "github.com/credo-rl/credo/credit" → "credit".
// Packages outside the module come back unchanged.
func rel(path string) string {
	if path == module {
		return "."
	}
	if r, ok := strings.CutPrefix(path, module+"/"); ok {
		return r
	}
	return path
}

func inModule(path string) bool { return path == module || strings.HasPrefix(path, module+"/") }

// under reports whether the relative path p is one of the roots or below one.
func under(p string, roots ...string) bool {
	for _, r := range roots {
		if p == r || strings.HasPrefix(p, r+"/") {
			return true
		}
	}
	return false
}

// Core packages: the data model, the formats, the registry, the reference
// estimators, the methods, the losses and the shared internals.
var core = []string{"rollout", "format", "credit", "anchor", "method", "loss", "internal"}

// Packages the core must never import: the lab, the commands, the C ABI, the
// harnesses built on top of the engine (golden vectors, benchmarks), the
// tools that talk to model servers to prepare rollouts (model, judge,
// probe) and the services.
var aboveCore = []string{"lab", "cmd", "capi", "golden", "bench", "model", "judge", "probe", "serve", "service", "inspect", "python"}

// rule is one "X must not import Y" constraint.
type rule struct {
	name      string
	from      func(string) bool
	forbidden func(string) bool
	tests     bool // also check the imports of the package's tests
}

var rules = []rule{
	{
		name:      "the core imports no lab, command, C ABI, harness, model-server tool or service",
		from:      func(p string) bool { return under(p, core...) },
		forbidden: func(p string) bool { return under(p, aboveCore...) },
	},
	{
		name:      "no test of the core imports the lab, a command, the C ABI or a service",
		from:      func(p string) bool { return under(p, core...) },
		forbidden: func(p string) bool { return under(p, "lab", "cmd", "capi", "serve", "service", "inspect") },
		tests:     true,
	},
	{
		name:      "the lab imports no command, C ABI or service",
		from:      func(p string) bool { return under(p, "lab") },
		forbidden: func(p string) bool { return under(p, "cmd", "capi", "serve", "service", "inspect") },
	},
	{
		name:      "the data model imports no other package of the module",
		from:      func(p string) bool { return p == "rollout" },
		forbidden: func(p string) bool { return true },
	},
	{
		name:      "the formats import only the data model and the internals",
		from:      func(p string) bool { return under(p, "format") },
		forbidden: func(p string) bool { return !under(p, "rollout", "format", "internal") },
	},
	{
		name:      "the registry imports no reference estimator and no method: the bindings live in method/...",
		from:      func(p string) bool { return under(p, "credit") },
		forbidden: func(p string) bool { return under(p, "anchor", "method") },
	},
	{
		name:      "only method/all imports the reference bindings (method/ref); the families do not",
		from:      func(p string) bool { return under(p, "method") && !under(p, "method/ref", "method/all") },
		forbidden: func(p string) bool { return under(p, "method/ref") },
	},
	{
		name:      "the reference estimators import no registry, method or format",
		from:      func(p string) bool { return under(p, "anchor") },
		forbidden: func(p string) bool { return under(p, "credit", "method", "format") },
	},
	labPart("lab/exp", "lab", "lab/report"),
	labPart("lab/matrix", "lab", "lab/exp", "lab/report"),
	labPart("lab/train", "lab", "lab/exp", "lab/matrix", "lab/report"),
	{
		name:      "the lab's report reads only the lab's result types",
		from:      func(p string) bool { return p == "lab/report" },
		forbidden: func(p string) bool { return under(p, "lab") && p != "lab/result" && p != "lab/score" },
	},
	{
		name:      "the lab's result types and run context import no other part of the lab",
		from:      func(p string) bool { return p == "lab/result" || p == "lab/run" },
		forbidden: func(p string) bool { return under(p, "lab") && !under(p, "lab/score", "lab/env", "lab/internal") },
	},
}

// labPart is the rule that the lab's part from imports none of the parts
// above it (package lab, docs/architecture.md: lab → lab/exp → lab/matrix →
// lab/train → lab/run, lab/result).
func labPart(from string, above ...string) rule {
	return rule{
		name:      from + " imports none of the lab's parts above it (" + strings.Join(above, ", ") + ")",
		from:      func(p string) bool { return p == from },
		forbidden: func(p string) bool { return slices.Contains(above, p) },
	}
}

// TestLayers checks every rule over the transitive imports of every package
// and names the chain of imports that breaks it.
func TestLayers(t *testing.T) {
	pkgs, _ := listModule(t)
	names := sortedKeys(pkgs)
	for _, r := range rules {
		for _, from := range names {
			if !r.from(from) {
				continue
			}
			start := moduleImports(pkgs[from].Imports)
			if r.tests {
				start = moduleImports(append(append([]string(nil), pkgs[from].TestImports...), pkgs[from].XTestImports...))
			}
			if chain := findForbidden(pkgs, from, start, r.forbidden); chain != nil {
				t.Errorf("%s: %s", r.name, strings.Join(chain, " → "))
			}
		}
	}
}

func moduleImports(imports []string) []string {
	var out []string
	for _, i := range imports {
		if inModule(i) {
			out = append(out, rel(i))
		}
	}
	return out
}

// findForbidden walks the module imports from start (breadth first, in a
// fixed order) and returns the shortest chain from `from` to a forbidden
// package, or nil.
func findForbidden(pkgs map[string]pkg, from string, start []string, forbidden func(string) bool) []string {
	prev := map[string]string{}
	var queue []string
	for _, s := range start {
		if s == from {
			continue // an external test package importing its own package
		}
		if _, seen := prev[s]; !seen {
			prev[s] = from
			queue = append(queue, s)
		}
	}
	sort.Strings(queue)
	for len(queue) > 0 {
		p := queue[0]
		queue = queue[1:]
		if forbidden(p) {
			chain := []string{p}
			for q := prev[p]; q != from; q = prev[q] {
				chain = append([]string{q}, chain...)
			}
			return append([]string{from}, chain...)
		}
		next := moduleImports(pkgs[p].Imports)
		sort.Strings(next)
		for _, n := range next {
			if _, seen := prev[n]; !seen && n != from {
				prev[n] = p
				queue = append(queue, n)
			}
		}
	}
	return nil
}

func sortedKeys(m map[string]pkg) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

var update = flag.Bool("update", false, "regenerate the package table of docs/architecture.md")

const (
	beginMark = "<!-- packages:begin (generated: go test ./internal/layers -run TestArchitecturePackages -update) -->"
	endMark   = "<!-- packages:end -->"
)

// TestArchitecturePackages checks that the package table of
// docs/architecture.md lists exactly the packages of the module; with
// -update it rewrites the table from `go list` (each package's synopsis,
// the first sentence of its doc comment).
func TestArchitecturePackages(t *testing.T) {
	pkgs, root := listModule(t)
	path := filepath.Join(root, "docs", "architecture.md")
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	text := string(data)
	i := strings.Index(text, beginMark)
	j := strings.Index(text, endMark)
	if i < 0 || j < i {
		t.Fatalf("%s: no package table between %q and %q", path, beginMark, endMark)
	}
	if *update {
		table := packageTable(pkgs)
		text = text[:i+len(beginMark)] + "\n" + table + text[j:]
		if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	listed := map[string]bool{}
	for _, line := range strings.Split(text[i+len(beginMark):j], "\n") {
		if !strings.HasPrefix(line, "| `") {
			continue
		}
		name, _, ok := strings.Cut(strings.TrimPrefix(line, "| `"), "`")
		if ok {
			listed[name] = true
		}
	}
	for _, name := range sortedKeys(pkgs) {
		if !listed[name] {
			t.Errorf("docs/architecture.md does not list package %s (run go test ./internal/layers -run TestArchitecturePackages -update)", name)
		}
		delete(listed, name)
	}
	for name := range listed {
		t.Errorf("docs/architecture.md lists %s, which is no package of the module", name)
	}
}

// packageTable renders the markdown table of packages, one row each:
// path, kind (package or command) and synopsis.
func packageTable(pkgs map[string]pkg) string {
	var b strings.Builder
	b.WriteString("| package | what it holds |\n|---|---|\n")
	for _, name := range sortedKeys(pkgs) {
		p := pkgs[name]
		doc := strings.ReplaceAll(p.Doc, "|", `\|`)
		doc = strings.Join(strings.Fields(doc), " ")
		switch {
		case doc == "":
			doc = "(no doc comment)"
		case !strings.HasSuffix(doc, "."):
			doc += " …" // the synopsis stops before a code block or a list
		}
		fmt.Fprintf(&b, "| `%s` | %s |\n", name, doc)
	}
	return b.String()
}
