package lab

import (
	"github.com/credo-rl/credo/lab/env"
)

// builtinEnv and builtinEnvNames reach lab/env's registry.
func builtinEnv(spec string, seed uint64) (env.Env, error) { return env.New(spec, seed) }

func builtinEnvNames() []string { return env.Names() }
