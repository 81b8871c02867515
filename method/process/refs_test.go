package process

// The tests run methods whose default base (verl.grpo, ...) or comparison is
// a reference profile, which package method/ref registers.
import _ "github.com/credo-rl/credo/method/ref"
