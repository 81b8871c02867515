package probe

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
)

// Verifier scores a completed response (the prefix text followed by the
// sampled continuation) against the record's ground_truth. finish is the
// server's finish_reason ("stop", "length").
type Verifier interface {
	Score(ctx context.Context, text, groundTruth, finish string) (float64, error)
}

// Exact scores 1 when the response, trimmed of surrounding white space,
// equals the trimmed ground truth and the sample was not cut by the length
// limit; 0 otherwise.
type Exact struct{}

// Score implements Verifier.
func (Exact) Score(_ context.Context, text, gt, finish string) (float64, error) {
	if finish == "length" {
		return 0, nil
	}
	if strings.TrimSpace(text) == strings.TrimSpace(gt) {
		return 1, nil
	}
	return 0, nil
}

var numberRE = regexp.MustCompile(`-?\d+(?:,\d{3})*(?:\.\d+)?(?:[eE][-+]?\d+)?`)

// Numeric scores 1 when the last number in the response equals the ground
// truth's number within Tol (relative to max(1, |truth|)); 0 otherwise
// (also when the response has no number). A ground truth that is not a
// number is an error.
type Numeric struct{ Tol float64 }

// LastNumber returns the last number in s.
func LastNumber(s string) (float64, bool) {
	all := numberRE.FindAllString(s, -1)
	if len(all) == 0 {
		return 0, false
	}
	x, err := strconv.ParseFloat(strings.ReplaceAll(all[len(all)-1], ",", ""), 64)
	return x, err == nil
}

// Score implements Verifier.
func (v Numeric) Score(_ context.Context, text, gt, _ string) (float64, error) {
	want, err := strconv.ParseFloat(strings.ReplaceAll(strings.TrimSpace(gt), ",", ""), 64)
	if err != nil {
		if w, ok := LastNumber(gt); ok {
			want = w
		} else {
			return 0, fmt.Errorf("ground_truth %q is not a number", gt)
		}
	}
	got, ok := LastNumber(text)
	if !ok {
		return 0, nil
	}
	tol := v.Tol
	if tol == 0 {
		tol = 1e-9
	}
	if math.Abs(got-want) <= tol*math.Max(1, math.Abs(want)) {
		return 1, nil
	}
	return 0, nil
}

// Command runs an external program per response: it gets
// {"text", "ground_truth", "finish_reason"} as JSON on stdin and prints one
// finite number.
type Command struct{ Argv []string }

// Score implements Verifier.
func (c Command) Score(ctx context.Context, text, gt, finish string) (float64, error) {
	in, _ := json.Marshal(map[string]string{"text": text, "ground_truth": gt, "finish_reason": finish})
	cmd := exec.CommandContext(ctx, c.Argv[0], c.Argv[1:]...)
	cmd.Stdin = bytes.NewReader(in)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return 0, fmt.Errorf("verifier %s: %v: %.300s", c.Argv[0], err, stderr.String())
	}
	x, err := strconv.ParseFloat(strings.TrimSpace(string(out)), 64)
	if err != nil || math.IsNaN(x) || math.IsInf(x, 0) {
		return 0, fmt.Errorf("verifier %s printed %.100q, want one finite number", c.Argv[0], out)
	}
	return x, nil
}

// ParseVerifier reads "exact", "numeric" or "cmd:PROGRAM ARGS...".
func ParseVerifier(s string) (Verifier, error) {
	switch {
	case s == "exact":
		return Exact{}, nil
	case s == "numeric":
		return Numeric{}, nil
	case strings.HasPrefix(s, "cmd:"):
		argv := strings.Fields(strings.TrimPrefix(s, "cmd:"))
		if len(argv) == 0 {
			return nil, fmt.Errorf("verifier %q: no program after \"cmd:\"", s)
		}
		return Command{Argv: argv}, nil
	}
	return nil, fmt.Errorf("verifier %q: want exact, numeric or cmd:PROGRAM", s)
}
