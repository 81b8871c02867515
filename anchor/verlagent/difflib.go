package verlagent

// This file implements the similarity ratio of Python's
// difflib.SequenceMatcher(None, a, b).ratio() (CPython 3.11 semantics, with
// the default autojunk=True and no isjunk function) over Unicode code points,
// which is what GiGPO's are_similar compares.

// seqB is the pre-processed second sequence b of a SequenceMatcher: b2j maps
// each element to its ascending positions in b, with "popular" elements
// removed (autojunk: when len(b) >= 200, elements occurring more than
// len(b)/100+1 times). Popular elements are still matched by the extension
// step of findLongestMatch, exactly as in difflib (they are not "junk").
type seqB struct {
	b   []rune
	b2j map[rune][]int

	// scratch for findLongestMatch, reused across calls (all zero between calls)
	j2len, newj2len []int
	touched, ntouch []int
	stack           [][4]int
}

func newSeqB(b []rune) *seqB {
	m := &seqB{b: b, b2j: make(map[rune][]int)}
	for j, c := range b {
		m.b2j[c] = append(m.b2j[c], j)
	}
	if n := len(b); n >= 200 {
		ntest := n/100 + 1
		for c, idx := range m.b2j {
			if len(idx) > ntest {
				delete(m.b2j, c)
			}
		}
	}
	m.j2len = make([]int, len(b)+1)
	m.newj2len = make([]int, len(b)+1)
	return m
}

// findLongestMatch returns the longest matching block a[i:i+k] == b[j:j+k]
// within a[alo:ahi], b[blo:bhi]; among equally long blocks the one starting
// earliest in a, and of those the earliest in b (difflib's tie-breaking).
func (m *seqB) findLongestMatch(a []rune, alo, ahi, blo, bhi int) (besti, bestj, bestsize int) {
	b := m.b
	besti, bestj = alo, blo
	// j2len[j+1] is the length of the match ending at a[i-1], b[j]
	// (difflib's j2len dict, keyed j -> here index j+1, 0 when absent).
	prev, cur := m.j2len, m.newj2len
	pt, ct := m.touched[:0], m.ntouch[:0]
	for i := alo; i < ahi; i++ {
		for _, j := range m.b2j[a[i]] {
			if j < blo {
				continue
			}
			if j >= bhi {
				break
			}
			k := prev[j] + 1
			cur[j+1] = k
			ct = append(ct, j+1)
			if k > bestsize {
				besti, bestj, bestsize = i-k+1, j-k+1, k
			}
		}
		for _, x := range pt {
			prev[x] = 0
		}
		prev, cur = cur, prev
		pt, ct = ct, pt[:0]
	}
	for _, x := range pt {
		prev[x] = 0
	}
	m.touched, m.ntouch = pt[:0], ct[:0]
	// Extend over equal elements on both sides (this is how popular
	// elements still get matched; there is no junk since isjunk is None).
	for besti > alo && bestj > blo && a[besti-1] == b[bestj-1] {
		besti, bestj, bestsize = besti-1, bestj-1, bestsize+1
	}
	for besti+bestsize < ahi && bestj+bestsize < bhi && a[besti+bestsize] == b[bestj+bestsize] {
		bestsize++
	}
	return besti, bestj, bestsize
}

// matches returns the total size of difflib's matching blocks of a and b:
// the longest match, then recursively the same on the pieces left and right
// of it.
func (m *seqB) matches(a []rune) int {
	total := 0
	st := append(m.stack[:0], [4]int{0, len(a), 0, len(m.b)})
	for len(st) > 0 {
		q := st[len(st)-1]
		st = st[:len(st)-1]
		alo, ahi, blo, bhi := q[0], q[1], q[2], q[3]
		i, j, k := m.findLongestMatch(a, alo, ahi, blo, bhi)
		if k == 0 {
			continue
		}
		total += k
		if alo < i && blo < j {
			st = append(st, [4]int{alo, i, blo, j})
		}
		if i+k < ahi && j+k < bhi {
			st = append(st, [4]int{i + k, ahi, j + k, bhi})
		}
	}
	m.stack = st[:0]
	return total
}

// ratio is difflib's SequenceMatcher(None, a, b).ratio() with b = m.b:
// 2*M/(len(a)+len(b)), or 1 when both are empty.
func (m *seqB) ratio(a []rune) float64 {
	l := len(a) + len(m.b)
	if l == 0 {
		return 1
	}
	return 2.0 * float64(m.matches(a)) / float64(l)
}

// SequenceRatio returns Python's difflib.SequenceMatcher(None, a, b).ratio()
// (CPython 3.11, autojunk on, no junk function) over the code points of a
// and b: 2*M/(len(a)+len(b)) where M is the total size of difflib's matching
// blocks, or 1 when both strings are empty. Like difflib it is not symmetric
// in general: for b of 200 or more code points the autojunk heuristic stops
// b's frequent characters from seeding a match (they can only extend one),
// which lowers the ratio of long, repetitive, non-identical texts.
func SequenceRatio(a, b string) float64 {
	return newSeqB([]rune(b)).ratio([]rune(a))
}
