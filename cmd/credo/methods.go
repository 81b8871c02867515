package main

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/credo-rl/credo/credit"
	_ "github.com/credo-rl/credo/method/all" // the method catalogue
)

func newMethods() *cobra.Command {
	var format string
	var verbose bool
	c := &cobra.Command{
		Use:   "methods [NAME...]",
		Short: "List credit methods with parameters, inputs and provenance",
		Long: `methods lists every credit method credo knows: its name, what it does, its
parameters with defaults, the inputs it needs, and where it comes from (paper,
arXiv id, reference repo@commit path::function, row in the method catalogue).
With names, only those; with --format json, a machine-readable list.`,
		Example: "  credo methods\n  credo methods verl.grpo\n  credo methods --format json",
		RunE: func(cmd *cobra.Command, args []string) error {
			ms := credit.All()
			if len(args) > 0 {
				ms = ms[:0:0]
				for _, a := range args {
					m, err := credit.Lookup(a)
					if err != nil {
						return usageError{err}
					}
					ms = append(ms, m)
				}
				verbose = true
			}
			w := cmd.OutOrStdout()
			switch format {
			case "json":
				enc := json.NewEncoder(w)
				enc.SetIndent("", "  ")
				return enc.Encode(ms)
			case "markdown":
				markdownTable(w, ms)
				return nil
			case "text":
			default:
				return usageError{fmt.Errorf("--format %q: want text, json or markdown", format)}
			}
			if !verbose {
				tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
				fmt.Fprintln(tw, "METHOD\tSCOPE\tSPEC ROW\tSUMMARY")
				for _, m := range ms {
					row := "-"
					if m.Provenance.SpecRow > 0 {
						row = fmt.Sprint("#", m.Provenance.SpecRow)
					}
					fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", m.Name, scopeCol(m), row, m.Summary)
				}
				tw.Flush()
				fmt.Fprintln(w, "\ncredo methods NAME shows parameters, inputs and provenance.")
				return nil
			}
			for i, m := range ms {
				if i > 0 {
					fmt.Fprintln(w)
				}
				describe(w, m)
			}
			return nil
		},
	}
	c.Flags().StringVar(&format, "format", "text", "output format: text, json or markdown (the README's table)")
	c.Flags().BoolVarP(&verbose, "verbose", "v", false, "show every method in full")
	return c
}

func describe(w io.Writer, m *credit.Method) {
	fmt.Fprintf(w, "%s — %s\n", m.Name, m.Summary)
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	p := m.Provenance
	paper := p.Paper
	if p.ArXiv != "" {
		paper += " (arXiv:" + p.ArXiv + ")"
	}
	fmt.Fprintf(tw, "  paper:\t%s\n", paper)
	if p.Reference != "" {
		fmt.Fprintf(tw, "  reference:\t%s\n", p.Reference)
	}
	if p.SpecRow > 0 {
		fmt.Fprintf(tw, "  spec row:\t#%d\n", p.SpecRow)
	}
	if m.GoAPI != "" {
		fmt.Fprintf(tw, "  go api:\t%s (assigns no credit)\n", m.GoAPI)
	}
	fmt.Fprintf(tw, "  scope:\t%s; outputs: %s\n", scopeCol(m), strings.Join(m.Outputs, ", "))
	if m.GoAPI == "" {
		fmt.Fprintf(tw, "  reads:\t%s\n", readsCol(m))
	}
	tw.Flush()
	fmt.Fprintln(w, "  inputs:")
	for _, in := range m.Inputs {
		fmt.Fprintf(tw, "    %s\t%s\n", in.Name, in.Doc)
	}
	tw.Flush()
	if len(m.Params) > 0 {
		fmt.Fprintln(w, "  parameters:")
		fmt.Fprintln(tw, "    NAME\tKIND\tDEFAULT\tVALUES\tDESCRIPTION")
		for _, q := range m.Params {
			fmt.Fprintf(tw, "    %s\t%s\t%s\t%s\t%s\n", q.Name, q.Kind, defaultCol(q), valuesCol(q), q.Doc)
			fmt.Fprintf(tw, "    \t\t\t\torigin: %s\n", q.Origin)
			for _, a := range q.Aliases {
				fmt.Fprintf(tw, "    \t\t\t\talias %s: %s\n", a.Name, a.Note)
			}
		}
		tw.Flush()
	}
	if len(m.Inferred) > 0 {
		fmt.Fprintln(w, "  inferred where the paper is silent:")
		for _, x := range m.Inferred {
			fmt.Fprintf(tw, "    %s\t%s\n", x.What, x.Origin)
		}
		tw.Flush()
	}
	if m.Notes != "" {
		fmt.Fprintf(w, "  notes:     %s\n", m.Notes)
	}
}

// defaultCol is a parameter's default as shown by credo methods.
func defaultCol(q credit.Param) string {
	switch {
	case q.Required:
		return "(required)"
	case q.Optional:
		return "(unset)"
	case q.Kind == credit.String && q.Default == "":
		return `""`
	}
	return fmt.Sprint(q.Default)
}

// valuesCol is a parameter's accepted values: its choices or its range.
func valuesCol(q credit.Param) string {
	switch {
	case len(q.Choices) > 0:
		return "{" + strings.Join(q.Choices, "|") + "}"
	case q.Range != nil:
		return q.Range.String()
	case q.Kind == credit.Float:
		return "finite"
	}
	return "-"
}

// markdownTable writes the README's method table.
func markdownTable(w io.Writer, ms []*credit.Method) {
	fmt.Fprintln(w, "| method | scope | spec row | paper | what it does |")
	fmt.Fprintln(w, "|---|---|---|---|---|")
	for _, m := range ms {
		row := ""
		if m.Provenance.SpecRow > 0 {
			row = fmt.Sprint("#", m.Provenance.SpecRow)
		}
		paper := m.Provenance.Paper
		if m.Provenance.ArXiv != "" {
			paper += " (arXiv:" + m.Provenance.ArXiv + ")"
		}
		fmt.Fprintf(w, "| `%s` | %s | %s | %s | %s |\n", m.Name, scopeCol(m), row, paper, m.Summary)
	}
}

// scopeCol is the scope, or "go api" for entries that assign no credit.
func scopeCol(m *credit.Method) string {
	if m.GoAPI != "" {
		return "go api"
	}
	return string(m.Scope)
}

// readsCol lists the per-token arrays the method reads under its defaults
// (credit.Method.ArraysRead; a stage adds its base method's).
func readsCol(m *credit.Method) string {
	a := m.ArraysRead(nil)
	switch {
	case a == credit.AllArrays:
		return "every per-token array (undeclared)"
	case a == 0:
		return "no per-token array (the number of tokens only)"
	}
	return a.String() + " (per-token arrays; the number of tokens is always read)"
}
