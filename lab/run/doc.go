// Package run holds what every experiment of the lab runs inside: Ctx, with
// the seeds, the quick/full size mode (Pick), random streams named after
// (seed, experiment, labels) so that every method of a seed sees the same
// draws where it should (Rng), a bounded worker pool whose result does not
// depend on scheduling (Parallel), and the progress bar; and NewEnv, which
// builds an environment by name.
package run
