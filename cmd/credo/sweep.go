package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/credo-rl/credo/internal/atomicfile"
	"github.com/credo-rl/credo/lab"
	"github.com/credo-rl/credo/sweep"
	"github.com/credo-rl/credo/sweep/labsweep"
)

// newLabSweep is `credo lab sweep`: the coordinator of a lab run spread
// over worker processes through NATS JetStream (package sweep).
func newLabSweep() *cobra.Command {
	var (
		seeds, workers, procs  int
		seed                   uint64
		quick, quiet           bool
		out, docs              string
		natsURL, listen, store string
		name                   string
		ackWait                time.Duration
	)
	c := &cobra.Command{
		Use:   "sweep NAME... [--procs N] [--nats URL] [--out DIR]",
		Short: "Run lab experiments as a work queue on NATS JetStream, across processes and machines",
		Long: `sweep runs the named experiments ("all" for every one) as cells of a work queue
on NATS JetStream, one cell per experiment, and writes the same report as
"credo lab run" (results.json, results.csv, plots, report.html, lab.md) into
--out: the numbers are identical, whichever workers ran which experiment.

Without --nats it starts an embedded NATS server with JetStream (nothing to
install), listening on --listen, and --procs local worker processes. Workers
on other machines join with "credo lab worker --nats nats://HOST:PORT" (give
--listen 0.0.0.0:4222 for that). With --nats URL it uses that server or
cluster instead and starts --procs local workers (default 0 then).

Delivery is at least once: a worker that dies mid-experiment stops
reporting progress, and the experiment goes to another worker after
--ack-wait; a result is kept once per experiment. See docs/serve.md.`,
		Example: `  credo lab sweep all --quick --procs 3
  credo lab sweep all --listen 0.0.0.0:4222 --procs 1     # then on other machines:
  credo lab worker --nats nats://coordinator:4222
  credo lab sweep gigpo_sokoban rae_selfplay --nats nats://nats.internal:4222`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				return usageError{fmt.Errorf("lab sweep needs experiment names or \"all\" (see credo lab list)")}
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			if workers < 0 {
				return usageError{fmt.Errorf("--workers must be ≥ 0 (0: one per core), got %d", workers)}
			}
			if !cmd.Flags().Changed("procs") {
				procs = 2
				if natsURL != "" {
					procs = 0
				}
			}
			if procs < 0 {
				return usageError{fmt.Errorf("--procs must be ≥ 0, got %d", procs)}
			}
			opt := lab.Options{Seeds: seeds, Seed: seed, Quick: quick, Workers: workers}
			cells, err := labsweep.Cells(args, opt)
			if err != nil {
				return usageError{err}
			}
			stderr := cmd.ErrOrStderr()
			ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			url := natsURL
			if url == "" {
				dir := store
				if dir == "" {
					if dir, err = os.MkdirTemp("", "credo-sweep-"); err != nil {
						return err
					}
					defer os.RemoveAll(dir)
				}
				srv, err := sweep.StartServer(listen, dir)
				if err != nil {
					return err
				}
				// The workers learn that the sweep is over from the server:
				// it stays up until they have left (at most 10 s).
				defer srv.CloseAfterClients(10 * time.Second)
				url = srv.URL()
				fmt.Fprintf(stderr, "lab sweep: embedded NATS JetStream at %s; more workers join with: credo lab worker --nats %s --name %s\n", url, url, name)
			}
			if procs == 0 {
				fmt.Fprintf(stderr, "lab sweep: no local workers; waiting for workers (credo lab worker --nats %s --name %s)\n", url, name)
			}
			stopWorkers, err := startWorkers(url, name, procs, stderr)
			if err != nil {
				return err
			}
			defer stopWorkers()
			cfg := sweep.Config{URL: url, Name: name, AckWait: ackWait}
			if !quiet {
				cfg.Logf = func(format string, a ...any) { fmt.Fprintf(stderr, format+"\n", a...) }
			}
			t0 := time.Now()
			m := labsweep.NewMerger(opt)
			st, err := sweep.Run(ctx, cfg, cells, m.Merge)
			if err != nil {
				return err
			}
			rep := m.Report()
			if err := lab.Write(rep, out); err != nil {
				return err
			}
			if docs != "" {
				if err := atomicfile.WriteFile(docs, []byte(lab.Markdown(rep)), 0o644); err != nil {
					return err
				}
			}
			fmt.Fprintf(cmd.OutOrStdout(), "lab sweep: %d experiment(s) in %.0f s over %d worker(s) (%d redelivered, %d duplicate results dropped); report: %s\n",
				len(rep.Results), time.Since(t0).Seconds(), len(st.Workers), st.Redelivered, st.Duplicates, filepath.Join(out, "report.html"))
			return nil
		},
	}
	f := c.Flags()
	f.IntVar(&seeds, "seeds", 0, "number of seeds (0: 3 with --quick, 10 otherwise)")
	f.Uint64Var(&seed, "seed", 1, "first seed")
	f.BoolVar(&quick, "quick", false, "small budgets")
	f.StringVar(&out, "out", "lab-out", "output directory")
	f.StringVar(&docs, "docs", "", "also write the generated Markdown page here")
	f.BoolVarP(&quiet, "quiet", "q", false, "no progress lines")
	f.IntVar(&workers, "workers", 0, "parallel training runs inside each experiment (0: one per core); results do not depend on it")
	f.IntVar(&procs, "procs", 2, "local worker processes to start (default 2; 0 with --nats)")
	f.StringVar(&natsURL, "nats", "", "NATS server or cluster URL (nats://HOST:PORT[,...]); none: an embedded server")
	f.StringVar(&listen, "listen", "127.0.0.1:0", "address of the embedded NATS server (port 0: a free one)")
	f.StringVar(&store, "store-dir", "", "JetStream storage of the embedded server (default: a temporary directory)")
	f.StringVar(&name, "name", "lab", "sweep name: several sweeps can share a NATS server under different names")
	f.DurationVar(&ackWait, "ack-wait", 30*time.Second, "silence of a worker after which its experiment goes to another worker")
	return c
}

// startWorkers starts n `credo lab worker` processes of this binary; stop
// ends them once the sweep is over: a worker that joined the sweep has
// ended with it, one that had not yet looked when it ended would wait for
// the next, so each gets SIGTERM, and SIGKILL after 30 s.
func startWorkers(url, name string, n int, stderr io.Writer) (stop func(), err error) {
	if n == 0 {
		return func() {}, nil
	}
	exe, err := os.Executable()
	if err != nil {
		return nil, err
	}
	var cmds []*exec.Cmd
	for i := 0; i < n; i++ {
		cmd := exec.Command(exe, "lab", "worker", "--nats", url, "--name", name, "--id", fmt.Sprintf("local-%d", i+1))
		cmd.Stdout, cmd.Stderr = stderr, stderr
		if err := cmd.Start(); err != nil {
			for _, c := range cmds {
				c.Process.Kill()
				c.Wait()
			}
			return nil, fmt.Errorf("starting worker %d: %w", i+1, err)
		}
		cmds = append(cmds, cmd)
	}
	return func() {
		for _, c := range cmds {
			c.Process.Signal(syscall.SIGTERM)
		}
		done := make(chan struct{})
		go func() {
			for _, c := range cmds {
				c.Wait()
			}
			close(done)
		}()
		select {
		case <-done:
		case <-time.After(30 * time.Second):
			for _, c := range cmds {
				c.Process.Kill()
			}
			<-done
		}
	}, nil
}

// newLabWorker is `credo lab worker`: it runs lab experiments of a sweep.
func newLabWorker() *cobra.Command {
	var (
		natsURL, name, id string
		quiet             bool
	)
	c := &cobra.Command{
		Use:   "worker --nats URL [--name NAME] [--id ID]",
		Short: "Run experiments of a lab sweep pulled from NATS JetStream",
		Long: `worker pulls experiments of the lab sweep NAME from the NATS server at --nats,
one at a time, runs them and stores their results. It waits for the sweep
to start if it has not yet, and exits 0 when the sweep is over. A worker
killed mid-experiment loses nothing: the experiment goes to another worker.`,
		Example: "  credo lab worker --nats nats://coordinator:4222",
		Args:    exactArgs(0),
		RunE: func(cmd *cobra.Command, args []string) error {
			if natsURL == "" {
				return usageError{fmt.Errorf("lab worker needs --nats URL (the coordinator prints it)")}
			}
			ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			stderr := cmd.ErrOrStderr()
			if id == "" {
				host, _ := os.Hostname()
				id = fmt.Sprintf("%s-%d", host, os.Getpid())
			}
			work := func(ctx context.Context, key string, spec []byte) ([]byte, error) {
				t0 := time.Now()
				if !quiet {
					fmt.Fprintf(stderr, "lab worker %s: running %s\n", id, key)
				}
				b, err := labsweep.Work(ctx, key, spec)
				if !quiet && err == nil {
					fmt.Fprintf(stderr, "lab worker %s: %s done in %.1f s\n", id, key, time.Since(t0).Seconds())
				}
				return b, err
			}
			st, err := sweep.Work(ctx, sweep.Config{URL: natsURL, Name: name}, id, work)
			if err != nil && ctx.Err() != nil {
				// Stopped by a signal (the coordinator stops its local
				// workers so): a cell it was running goes to another.
				if !quiet {
					fmt.Fprintf(stderr, "lab worker %s: stopped; %d experiment(s) run\n", id, st.Cells)
				}
				return nil
			}
			if err != nil {
				return err
			}
			if !quiet {
				fmt.Fprintf(stderr, "lab worker %s: sweep over; %d experiment(s) run\n", id, st.Cells)
			}
			return nil
		},
	}
	f := c.Flags()
	f.StringVar(&natsURL, "nats", "", "NATS server or cluster URL")
	f.StringVar(&name, "name", "lab", "sweep name (as given to lab sweep)")
	f.StringVar(&id, "id", "", "worker name in progress lines and statistics (default HOST-PID)")
	f.BoolVarP(&quiet, "quiet", "q", false, "no progress lines")
	return c
}
