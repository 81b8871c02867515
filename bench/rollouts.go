package bench

import (
	"bufio"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"strconv"
)

// WriteRollouts writes about size bytes of realistic JSONL rollout records
// to w and returns the number of records: prompt groups of groupSize
// responses of ragged length (uniform in [64, 2*meanTokens-64]), with the
// fields of a verl dump as a user would hand it to credo: uid, traj_uid,
// responses (token ids below 152k), response_mask (observation tokens 0 in
// some records), old_log_probs (printed as Python prints floats: shortest
// round-trip, up to 17 digits), rewards.outcome (0 or 1), and fields credo
// does not know (prompt, data_source, extra_info) in the order a Python
// dict would give them. The file is deterministic for a seed.
func WriteRollouts(w io.Writer, size int64, meanTokens, groupSize int, seed uint64) (int, error) {
	rng := rand.New(rand.NewPCG(seed, 0x6a09e667f3bcc908))
	bw := bufio.NewWriterSize(w, 1<<20)
	var line []byte
	var written int64
	n := 0
	for written < size {
		g := n / groupSize
		l := 64 + rng.IntN(2*meanTokens-127)
		line = line[:0]
		line = append(line, `{"data_source": "openai/gsm8k", "prompt": "Question `...)
		line = strconv.AppendInt(line, int64(g), 10)
		line = append(line, `: Natalia sold clips to 48 of her friends in April, and then she sold half as many clips in May. How many clips did Natalia sell altogether in April and May? Let's think step by step.", "uid": "`...)
		line = append(line, fmt.Sprintf("%08x-%04x", g*2654435761%(1<<32), g%65536)...)
		line = append(line, `", "traj_uid": "`...)
		line = append(line, fmt.Sprintf("%08x-%04x/%d", g*2654435761%(1<<32), g%65536, n%groupSize)...)
		line = append(line, `", "responses": [`...)
		for i := range l {
			if i > 0 {
				line = append(line, ", "...)
			}
			line = strconv.AppendInt(line, int64(rng.IntN(151936)), 10)
		}
		line = append(line, `], "response_mask": [`...)
		obs := rng.IntN(4) == 0 // a multi-turn record: a tool observation in the middle is masked
		for i := range l {
			if i > 0 {
				line = append(line, ", "...)
			}
			if obs && i >= l/3 && i < l/2 {
				line = append(line, '0')
			} else {
				line = append(line, '1')
			}
		}
		line = append(line, `], "old_log_probs": [`...)
		for i := range l {
			if i > 0 {
				line = append(line, ", "...)
			}
			lp := math.Log(1 - rng.Float64()*0.999)
			if rng.IntN(3) > 0 {
				lp = -rng.ExpFloat64() * 1e-3
			}
			line = strconv.AppendFloat(line, lp, 'g', -1, 64)
		}
		line = append(line, `], "rewards": {"outcome": `...)
		line = strconv.AppendInt(line, int64(rng.IntN(2)), 10)
		line = append(line, `.0}, "extra_info": {"index": `...)
		line = strconv.AppendInt(line, int64(n), 10)
		line = append(line, `, "split": "train"}}`...)
		line = append(line, '\n')
		if _, err := bw.Write(line); err != nil {
			return n, err
		}
		written += int64(len(line))
		n++
	}
	return n, bw.Flush()
}
