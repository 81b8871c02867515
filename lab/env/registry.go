package env

import (
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
)

// The registry. New("name", seed) builds an environment with its default
// sizes; New("name?key=value&key=value", seed) overrides some of them (the
// keys are listed per environment below and by Describe). The seed fixes
// everything an instance draws at construction (a KB, hidden optimal
// actions, a level or problem pool); per-episode randomness comes from the
// rng given to Start.
//
//	name            default sizes (option keys)
//	sokoban6        6x6, 1 box, 15 steps, reverse-play depth 30, 20 walk steps,
//	                levels solvable within 15 steps, fresh level per Start
//	                (dim, boxes, max_steps, search_depth, gen_steps, max_solution, pool)
//	umbrella        chain length 10, 2 distractor bits, noise ±1 (length, distractors, noise)
//	discounting     100 steps, reward steps 1,3,10,30,100, 1.1 chain = seed mod 5
//	                (length, best, noise)
//	memory          memory length 5 (6 decisions), 1 bit (length, bits, noise)
//	shortcut        5 states, 21 actions, skip 0.1 (size, actions, skip, final)
//	delayed         5 states, 21 actions, noise ±2 (size, actions, noise)
//	kuhn            1 round, chip payoff, player 1 opens (rounds, winloss, first)
//	tictactoe       3x3, player 0 (X) first
//	kbhop           3 countries, 6 cities, 6 people, 4 companies, 2 rivers,
//	                43 questions, ≤4 searches, top-3 retrieval, 8 known-entity slots
//	                (countries, cities, people, companies, rivers, searches, topk, known, distractors)
//	arithchain      2–4 steps, horizon 8, fresh problem per Start (min_steps, max_steps, horizon, pool)
//	arithchain-prm  arithchain + Signals["prm"] (same keys)
//	countdown       4 numbers in [1,100], target in [1,100], fresh instance per Start
//	                (numbers, max_number, max_target, pool)

type entry struct {
	doc  string
	make func(o *opts, seed uint64) (Env, error)
}

var registry = map[string]entry{
	"sokoban6": {"Sokoban 6x6, 1 box, 15 steps (gym-sokoban rules, verl-agent config)", func(o *opts, seed uint64) (Env, error) {
		c := DefaultSokoban6Config()
		c.Dim = o.int("dim", c.Dim)
		c.Boxes = o.int("boxes", c.Boxes)
		c.MaxSteps = o.int("max_steps", c.MaxSteps)
		c.SearchDepth = o.int("search_depth", c.SearchDepth)
		c.GenSteps = o.int("gen_steps", c.GenSteps)
		c.MaxSolution = o.int("max_solution", c.MaxSolution)
		c.Pool = o.int("pool", c.Pool)
		if err := o.done(); err != nil {
			return nil, err
		}
		return NewSokoban6(c, seed)
	}},
	"umbrella": {"bsuite UmbrellaChain", func(o *opts, seed uint64) (Env, error) {
		c := DefaultUmbrellaConfig()
		c.Length = o.int("length", c.Length)
		c.Distractors = o.int("distractors", c.Distractors)
		c.NoiseScale = o.float("noise", c.NoiseScale)
		if err := o.done(); err != nil {
			return nil, err
		}
		return NewUmbrella(c)
	}},
	"discounting": {"bsuite DiscountingChain", func(o *opts, seed uint64) (Env, error) {
		c := DefaultDiscountingConfig()
		c.Length = o.int("length", c.Length)
		c.Best = o.int("best", int(seed%uint64(len(c.RewardSteps))))
		c.NoiseScale = o.float("noise", c.NoiseScale)
		if err := o.done(); err != nil {
			return nil, err
		}
		return NewDiscounting(c)
	}},
	"memory": {"bsuite MemoryChain", func(o *opts, seed uint64) (Env, error) {
		c := DefaultMemoryConfig()
		c.Length = o.int("length", c.Length)
		c.Bits = o.int("bits", c.Bits)
		c.NoiseScale = o.float("noise", c.NoiseScale)
		if err := o.done(); err != nil {
			return nil, err
		}
		return NewMemory(c)
	}},
	"shortcut": {"HCA Shortcut", func(o *opts, seed uint64) (Env, error) {
		c := DefaultShortcutConfig()
		c.Size = o.int("size", c.Size)
		c.NumActions = o.int("actions", c.NumActions)
		c.Skip = o.float("skip", c.Skip)
		c.Final = o.float("final", c.Final)
		if err := o.done(); err != nil {
			return nil, err
		}
		return NewShortcut(c, seed)
	}},
	"delayed": {"HCA Delayed Effect", func(o *opts, seed uint64) (Env, error) {
		c := DefaultDelayedConfig()
		c.Size = o.int("size", c.Size)
		c.NumActions = o.int("actions", c.NumActions)
		c.Noise = o.float("noise", c.Noise)
		if err := o.done(); err != nil {
			return nil, err
		}
		return NewDelayed(c, seed)
	}},
	"kuhn": {"Kuhn poker (TextArena rules), two-player zero-sum", func(o *opts, seed uint64) (Env, error) {
		c := DefaultKuhnConfig()
		c.Rounds = o.int("rounds", c.Rounds)
		c.WinLoss = o.bool("winloss", c.Rounds > 1)
		c.FirstPlayer = o.int("first", c.FirstPlayer)
		if err := o.done(); err != nil {
			return nil, err
		}
		return NewKuhn(c)
	}},
	"tictactoe": {"Tic-tac-toe (SPIRAL rules), two-player zero-sum", func(o *opts, seed uint64) (Env, error) {
		if err := o.done(); err != nil {
			return nil, err
		}
		return NewTicTacToe(), nil
	}},
	"kbhop": {"KBHop: synthetic multi-hop search QA on a generated fictional KB", func(o *opts, seed uint64) (Env, error) {
		c := DefaultKBHopConfig()
		c.Countries = o.int("countries", c.Countries)
		c.CitiesPerCountry = o.int("cities", c.CitiesPerCountry)
		c.People = o.int("people", c.People)
		c.Companies = o.int("companies", c.Companies)
		c.Rivers = o.int("rivers", c.Rivers)
		c.MaxSearches = o.int("searches", c.MaxSearches)
		c.TopK = o.int("topk", c.TopK)
		c.MaxKnown = o.int("known", c.MaxKnown)
		c.Distractors = o.float("distractors", c.Distractors)
		if err := o.done(); err != nil {
			return nil, err
		}
		return NewKBHop(c, seed)
	}},
	"arithchain":     {"ArithChain, step mode", arithMaker(false)},
	"arithchain-prm": {"ArithChain-PRM, step mode with the hackable PRM signal", arithMaker(true)},
	"countdown": {"Countdown, step mode (TinyZero reward)", func(o *opts, seed uint64) (Env, error) {
		c := DefaultCountdownConfig()
		c.Numbers = o.int("numbers", c.Numbers)
		c.MaxNumber = o.int("max_number", c.MaxNumber)
		c.MaxTarget = o.int("max_target", c.MaxTarget)
		c.Pool = o.int("pool", c.Pool)
		if err := o.done(); err != nil {
			return nil, err
		}
		return NewCountdown(c, seed)
	}},
}

func arithMaker(prm bool) func(o *opts, seed uint64) (Env, error) {
	return func(o *opts, seed uint64) (Env, error) {
		c := DefaultArithConfig()
		c.PRM = prm
		c.MinSteps = o.int("min_steps", c.MinSteps)
		c.MaxSteps = o.int("max_steps", c.MaxSteps)
		c.Horizon = o.int("horizon", c.Horizon)
		c.Pool = o.int("pool", c.Pool)
		if err := o.done(); err != nil {
			return nil, err
		}
		return NewArith(c, seed)
	}
}

// Names lists the registered environment names, sorted.
func Names() []string {
	out := make([]string, 0, len(registry))
	for k := range registry {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// Describe returns a one-line description of a registered name.
func Describe(name string) string { return registry[name].doc }

// New builds the environment spec = "name" or "name?key=value&...",
// with instance seed seed.
func New(spec string, seed uint64) (Env, error) {
	name, query, _ := strings.Cut(spec, "?")
	ent, ok := registry[name]
	if !ok {
		return nil, fmt.Errorf("env: unknown environment %q (known: %s)", name, strings.Join(Names(), ", "))
	}
	vals, err := url.ParseQuery(query)
	if err != nil {
		return nil, fmt.Errorf("env: %s: bad options %q: %v", name, query, err)
	}
	o := &opts{name: name, vals: vals, used: map[string]bool{}}
	e, err := ent.make(o, seed)
	if err != nil {
		return nil, err
	}
	return e, nil
}

type opts struct {
	name string
	vals url.Values
	used map[string]bool
	err  error
}

func (o *opts) get(key string) (string, bool) {
	o.used[key] = true
	v, ok := o.vals[key]
	if !ok || len(v) == 0 {
		return "", false
	}
	return v[len(v)-1], true
}

func (o *opts) int(key string, def int) int {
	s, ok := o.get(key)
	if !ok {
		return def
	}
	v, err := strconv.Atoi(s)
	if err != nil && o.err == nil {
		o.err = fmt.Errorf("env: %s: option %s=%q is not an integer", o.name, key, s)
	}
	return v
}

func (o *opts) float(key string, def float64) float64 {
	s, ok := o.get(key)
	if !ok {
		return def
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil && o.err == nil {
		o.err = fmt.Errorf("env: %s: option %s=%q is not a number", o.name, key, s)
	}
	return v
}

func (o *opts) bool(key string, def bool) bool {
	s, ok := o.get(key)
	if !ok {
		return def
	}
	v, err := strconv.ParseBool(s)
	if err != nil && o.err == nil {
		o.err = fmt.Errorf("env: %s: option %s=%q is not a boolean", o.name, key, s)
	}
	return v
}

func (o *opts) done() error {
	if o.err != nil {
		return o.err
	}
	for k := range o.vals {
		if !o.used[k] {
			return fmt.Errorf("env: %s: unknown option %q", o.name, k)
		}
	}
	return nil
}
