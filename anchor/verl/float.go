package verl

// Float is the element type of the ...IntoOf functions: they read and write
// float32 or float64 arrays (a trainer's tensors viewed in place) and
// accumulate in float64 either way.
type Float interface{ ~float32 | ~float64 }

// f64 copies a row to float64 (error reports only).
func f64[F Float](x []F) []float64 {
	out := make([]float64, len(x))
	for i, v := range x {
		out[i] = float64(v)
	}
	return out
}
