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

func describe(w interface{ Write([]byte) (int, error) }, m *credit.Method) {
	fmt.Fprintf(w, "%s — %s\n", m.Name, m.Summary)
	p := m.Provenance
	fmt.Fprintf(w, "  paper:     %s", p.Paper)
	if p.ArXiv != "" {
		fmt.Fprintf(w, " (arXiv:%s)", p.ArXiv)
	}
	fmt.Fprintln(w)
	if p.Reference != "" {
		fmt.Fprintf(w, "  reference: %s\n", p.Reference)
	}
	if p.SpecRow > 0 {
		fmt.Fprintf(w, "  spec row:  #%d\n", p.SpecRow)
	}
	if m.GoAPI != "" {
		fmt.Fprintf(w, "  go api:    %s (assigns no credit)\n", m.GoAPI)
	}
	fmt.Fprintf(w, "  scope:     %s; outputs: %s\n", scopeCol(m), strings.Join(m.Outputs, ", "))
	fmt.Fprintln(w, "  inputs:")
	for _, in := range m.Inputs {
		fmt.Fprintf(w, "    %-28s %s\n", in.Name, in.Doc)
	}
	if len(m.Params) > 0 {
		fmt.Fprintln(w, "  parameters:")
		for _, q := range m.Params {
			ch := ""
			if len(q.Choices) > 0 {
				ch = " {" + strings.Join(q.Choices, "|") + "}"
			}
			fmt.Fprintf(w, "    %-28s %-6s default %v%s  %s\n", q.Name, q.Kind, q.Default, ch, q.Doc)
		}
	}
	if m.Notes != "" {
		fmt.Fprintf(w, "  notes:     %s\n", m.Notes)
	}
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
