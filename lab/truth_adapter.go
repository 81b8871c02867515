package lab

import (
	"github.com/credo-rl/credo/lab/env"
	"github.com/credo-rl/credo/lab/truth"
)

// The lab reaches the exact solver through these names.

type truthPolicy = truth.Policy

type solution = *truth.Solution

func solve(e env.Env, pi truthPolicy, starts []env.Weighted) (solution, error) {
	return truth.Solve(e, pi, starts)
}
