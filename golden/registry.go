package golden

import (
	"fmt"
	"sort"
	"sync"
)

// Outputs holds what an adapter computed, keyed like the golden outputs.
// Values may be float64, float32, ints, bools, strings, nil, pointers to
// those (nil pointer = null), slices of any of them, []any and map[string]any.
type Outputs map[string]any

// Func runs one golden case with credo's implementation. It returns an error
// when credo rejects the inputs.
type Func func(c *Case) (Outputs, error)

var (
	mu       sync.RWMutex
	adapters = map[string]Func{}
)

// Register makes f the adapter for the estimator name. It panics on a
// duplicate name, which is a programming error.
func Register(name string, f Func) {
	mu.Lock()
	defer mu.Unlock()
	if _, dup := adapters[name]; dup {
		panic(fmt.Sprintf("golden: estimator %q registered twice", name))
	}
	adapters[name] = f
}

// Lookup returns the adapter registered for name.
func Lookup(name string) (Func, bool) {
	mu.RLock()
	defer mu.RUnlock()
	f, ok := adapters[name]
	return f, ok
}

// Names lists the registered estimator names in order.
func Names() []string {
	mu.RLock()
	defer mu.RUnlock()
	out := make([]string, 0, len(adapters))
	for k := range adapters {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
