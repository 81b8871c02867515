// Package labsweep runs the lab's experiments as cells of a [sweep]: one
// cell per experiment, run by any number of worker processes through NATS
// JetStream, merged into the report a single `credo lab run` writes.
//
// The lab has no entry point below the experiment (an experiment runs its
// seeds and aggregates them itself), so a cell is one experiment with the
// run's options, and its result is that experiment's [lab.Result] as JSON,
// with the report-wide fields (the seeds, the registered methods) beside it
// so that the coordinator can check that every worker ran the same lab.
// All of it lives in labsweep.go, written against lab's public API (Run,
// Lookup, Experiments, Report, Write) only.
package labsweep
