package lab

import (
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"sort"

	"github.com/credo-rl/credo/lab/result"
)

// Read loads the report a run wrote into its output directory
// (results.json), with its NaN and ±Inf numbers: a report read back renders
// the same pages as the report written.
func Read(path string) (*Report, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var rep Report
	if err := json.Unmarshal(b, &rep); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if err := result.SetNonFinite(rep.Results, rep.NonFinite); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	rep.NonFinite = nil
	return &rep, nil
}

// Merge puts the experiments of several runs into one report, in the lab's
// order, each result marked with the run it comes from (Result.Source:
// labels[i] names runs[i]). An experiment in several runs is taken from
// the last of them. Full and quick runs do not mix. The merged report's
// seeds are the union of the runs' seeds (each section keeps its own), its
// methods the union of the registries, its Seconds the sum of the
// experiments' wall times.
func Merge(runs []*Report, labels []string) (*Report, error) {
	if len(runs) == 0 {
		return nil, fmt.Errorf("lab merge: no run given")
	}
	if len(labels) != len(runs) {
		return nil, fmt.Errorf("lab merge: %d labels for %d runs", len(labels), len(runs))
	}
	out := &Report{Options: Options{Quick: runs[0].Options.Quick}}
	byName := map[string]*Result{}
	var order []string
	seeds := map[uint64]bool{}
	methods := map[string]bool{}
	for i, rep := range runs {
		if rep.Options.Quick != out.Options.Quick {
			return nil, fmt.Errorf("lab merge: %s is a %s run and %s a %s one: merge runs of one mode", labels[0], mode(runs[0]), labels[i], mode(rep))
		}
		for _, s := range rep.Seeds {
			seeds[s] = true
		}
		for _, m := range rep.Methods {
			methods[m] = true
		}
		for _, r := range rep.Results {
			name := r.Experiment.Name
			if _, ok := byName[name]; !ok {
				order = append(order, name)
			}
			c := *r
			c.Source = &result.Source{Label: labels[i], Quick: rep.Options.Quick, Seeds: slices.Clone(rep.Seeds)}
			byName[name] = &c
		}
	}
	rank := map[string]int{}
	for i, e := range Experiments() {
		rank[e.Name] = i
	}
	pos := func(name string) int {
		if r, ok := rank[name]; ok {
			return r
		}
		return len(rank) // experiments this build does not know keep their order, after the known ones
	}
	sort.SliceStable(order, func(i, j int) bool { return pos(order[i]) < pos(order[j]) })
	for _, name := range order {
		out.Results = append(out.Results, byName[name])
		out.Seconds += byName[name].Seconds
	}
	out.Results = Derive(out.Results)
	for s := range seeds {
		out.Seeds = append(out.Seeds, s)
	}
	slices.Sort(out.Seeds)
	for m := range methods {
		out.Methods = append(out.Methods, m)
	}
	sort.Strings(out.Methods)
	out.Options.Seeds = len(out.Seeds)
	if len(out.Seeds) > 0 {
		out.Options.Seed = out.Seeds[0]
	}
	return out, nil
}

func mode(rep *Report) string {
	if rep.Options.Quick {
		return "quick"
	}
	return "full"
}
