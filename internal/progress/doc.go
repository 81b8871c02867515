// Package progress draws a one-line progress bar for a pass over a file on
// a terminal: bytes read (of the total when known), records, rate and the
// time left. It redraws at most ten times a second, so it may be updated
// after every record.
//
// A nil *Bar is valid and draws nothing, so callers create one only when
// Enabled.
package progress
