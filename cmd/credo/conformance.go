package main

import (
	"errors"

	"github.com/spf13/cobra"

	"github.com/credo-rl/credo/golden"
	_ "github.com/credo-rl/credo/golden/all" // every adapter
)

func newConformance() *cobra.Command {
	var verbose bool
	c := &cobra.Command{
		Use:   "conformance DIR",
		Short: "Run golden reference vectors against credo",
		Long: `conformance loads every *.json golden file in DIR (schema: testdata/golden/README.md),
runs each case through credo's implementation of the named estimator and
compares every output with the file's tolerances. It prints one line per file,
the problems of failing cases, and last "N passed, M failed" counting cases.
It exits 1 if any case fails, if a file names an estimator credo does not know,
or if credo accepts an input the reference rejects.`,
		Example: "  credo conformance testdata/golden\n  credo conformance ../shared/golden",
		Args:    exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			s, err := golden.RunDir(args[0], cmd.OutOrStdout(), verbose)
			if err != nil {
				return usageError{err}
			}
			if !s.OK() {
				return errors.New("conformance failed")
			}
			return nil
		},
	}
	c.Flags().BoolVarP(&verbose, "verbose", "v", false, "also list the problems of files whose estimator is unknown")
	return c
}
