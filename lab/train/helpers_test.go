package train

import "github.com/credo-rl/credo/lab/critic"

func newTestTable() *critic.Table { return critic.NewTable(true, 0.1) }
