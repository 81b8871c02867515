package reward

import (
	"fmt"
	"math"
)

// Welfare returns the mutual welfare of a user payoff u and a model payoff
// m with weight w on the user (w ∈ [0, 1]):
//
//	cobb_douglas: W = u^w · m^(1−w)      (u, m ≥ 0; w = 1/2: the geometric mean √(u·m))
//	utilitarian:  W = w·u + (1−w)·m
//	rawlsian:     W = min(u, m)
//
// Cobb-Douglas welfare is 0 when either side gets nothing, so neither
// payoff can be traded away entirely for the other.
func Welfare(u, m, w float64, kind string) (float64, error) {
	if math.IsNaN(u) || math.IsInf(u, 0) || math.IsNaN(m) || math.IsInf(m, 0) {
		return 0, fmt.Errorf("payoffs %v and %v, want finite numbers", u, m)
	}
	switch kind {
	case "cobb_douglas":
		if u < 0 || m < 0 {
			return 0, fmt.Errorf("payoffs %v (user) and %v (model): Cobb-Douglas welfare needs payoffs >= 0 (rescale the channels, or use welfare=utilitarian)", u, m)
		}
		if u == 0 && w > 0 || m == 0 && w < 1 {
			return 0, nil
		}
		return math.Pow(u, w) * math.Pow(m, 1-w), nil
	case "utilitarian":
		return w*u + (1-w)*m, nil
	case "rawlsian":
		return math.Min(u, m), nil
	}
	return 0, fmt.Errorf("welfare %q, want cobb_douglas, utilitarian or rawlsian", kind)
}
