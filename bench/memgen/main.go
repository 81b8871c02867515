package main

import (
	"bufio"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"strconv"
)

func main() {
	out := flag.String("out", "", "output file (.jsonl)")
	mb := flag.Int("mb", 1024, "approximate size in MiB")
	tokens := flag.Int("tokens", 1000, "tokens per trajectory")
	group := flag.Int("group", 8, "trajectories per group")
	inter := flag.Bool("interleave", false, "spread every group over the whole file")
	flag.Parse()
	if *out == "" {
		fmt.Fprintln(os.Stderr, "memgen: -out is required")
		os.Exit(2)
	}
	f, err := os.Create(*out)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	w := bufio.NewWriterSize(f, 1<<20)
	rng := rand.New(rand.NewPCG(1, 2))
	rec := record(rng, 0, 0, *tokens)
	n := (*mb << 20) / len(rec) // records
	n -= n % *group
	groups := n / *group
	for k := 0; k < n; k++ {
		g, j := k / *group, k%*group
		if *inter {
			g, j = k%groups, k/groups
		}
		w.Write(record(rng, g, j, *tokens))
	}
	if err := w.Flush(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	if err := f.Close(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Fprintf(os.Stderr, "memgen: %s: %d trajectories in %d groups of %d, %d tokens each\n", *out, n, groups, *group, *tokens)
}

func record(rng *rand.Rand, g, j, n int) []byte {
	b := fmt.Appendf(nil, `{"uid":"p%d","traj_uid":"p%d-%d","rewards":{"outcome":%d},"responses":[`, g, g, j, rng.IntN(2))
	for i := 0; i < n; i++ {
		if i > 0 {
			b = append(b, ',')
		}
		b = strconv.AppendInt(b, int64(rng.IntN(150000)), 10)
	}
	b = append(b, `],"response_mask":[`...)
	for i := 0; i < n; i++ {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, '1')
	}
	b = append(b, `],"values":[`...)
	for i := 0; i < n; i++ {
		if i > 0 {
			b = append(b, ',')
		}
		b = strconv.AppendFloat(b, float64(rng.IntN(1000))/1000, 'g', -1, 64)
	}
	return append(b, "]}\n"...)
}
