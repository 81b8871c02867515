package env

import "math/rand/v2"

// State is an environment state. Key must identify it exactly (two states
// with the same key are the same state): it is the tabular policy's index,
// the DP's memo key and GiGPO's anchor. The time step is part of the state
// where the dynamics or the horizon make it matter.
type State interface {
	Key() string
}

// Transition is one outcome of taking an action.
type Transition struct {
	P    float64 // probability, > 0; the outcomes of (s, a) sum to 1
	Next State   // successor (ignored when Done)
	// Reward per role (len = Env.Roles()); single-agent envs use Reward[0].
	Reward []float64
	Done   bool
	// Signals are extra per-step quantities some methods consume, such as
	// "prm" (a process-reward model's score of the step, ArithChain-PRM) or
	// "search" (1 when the action was a search call, KBHop). Optional.
	Signals map[string]float64
}

// Env is a finite-horizon environment with enumerable dynamics.
type Env interface {
	// Name is the lab name, e.g. "sokoban6", "umbrella", "kuhn".
	Name() string
	// Roles is 1 for single-agent environments, 2 for two-player games.
	Roles() int
	// Horizon bounds the number of steps of an episode; an episode that
	// reaches it without Done is truncated (no further reward).
	Horizon() int
	// Actions names the discrete actions; their indices are the policy's outputs.
	Actions() []string
	// Start samples a start state (a generated instance) from rng.
	Start(rng *rand.Rand) State
	// StartDist enumerates the start distribution when it is small (nil
	// when it is not: the lab then scores per sampled start state).
	StartDist() []Weighted
	// Role is the acting player in s (0 for single-agent environments).
	Role(s State) int
	// Legal reports which actions are allowed in s (nil = all). Illegal
	// actions are masked out of the policy.
	Legal(s State) []bool
	// Step enumerates the outcomes of action a in s at time t.
	Step(s State, t int, a int) []Transition
	// Features is a fixed-length numeric encoding of s for function-approximation policies.
	Features(s State) []float64
	// Render is the text observation of s (for language-model policies and
	// the inspector); Parse maps a text action back to an action index.
	Render(s State) string
	Parse(text string) (int, bool)
}

// Weighted is a state with its probability.
type Weighted struct {
	S State
	P float64
}
