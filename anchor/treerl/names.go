package treerl

import "fmt"

// ParseNormStyle maps the reference's overall_norm_style names "token",
// "step" and "none" to a NormStyle. (The reference itself treats any other
// name as "none"; callers that want that leniency handle the error.)
func ParseNormStyle(s string) (NormStyle, error) {
	switch s {
	case "token":
		return NormToken, nil
	case "step":
		return NormStep, nil
	case "none":
		return NormNone, nil
	}
	return 0, fmt.Errorf("treerl: unknown norm style %q (want token, step or none)", s)
}

// ParseWeightStyle maps the reference's weighted_value_style names
// "uniform", "sqrt" and "original" to a WeightStyle.
func ParseWeightStyle(s string) (WeightStyle, error) {
	switch s {
	case "uniform":
		return WeightUniform, nil
	case "sqrt":
		return WeightSqrt, nil
	case "original":
		return WeightOriginal, nil
	}
	return 0, fmt.Errorf("treerl: unknown weighted value style %q (want uniform, sqrt or original)", s)
}

// ParseMode maps a mode name ("advantage", "state_value", "value_only",
// "orm", "chain", "ancestor") to a Mode.
func ParseMode(s string) (Mode, error) {
	switch s {
	case "advantage":
		return ModeAdvantage, nil
	case "state_value":
		return ModeStateValue, nil
	case "value_only":
		return ModeValueOnly, nil
	case "orm":
		return ModeORM, nil
	case "chain":
		return ModeChain, nil
	case "ancestor":
		return ModeAncestor, nil
	}
	return 0, fmt.Errorf("treerl: unknown mode %q (want advantage, state_value, value_only, orm, chain or ancestor)", s)
}
