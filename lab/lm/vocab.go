package lm

import (
	"fmt"
	"strings"
)

// Vocab is the character vocabulary of the lab's language model: id 0 is
// EOS (end of a completion, also used as beginning-of-sequence), id 1 is
// '\n', ids 2..96 are printable ASCII (space to '~').
type Vocab struct{}

// EOS is the end-of-sequence token id.
const EOS = 0

// CharVocab is the size of the character vocabulary.
const CharVocab = 97

// Size is the number of token ids.
func (Vocab) Size() int { return CharVocab }

// Encode maps text to ids; it fails on a character outside the vocabulary.
func (Vocab) Encode(s string) ([]int, error) {
	out := make([]int, 0, len(s))
	for i, r := range s {
		switch {
		case r == '\n':
			out = append(out, 1)
		case r >= ' ' && r <= '~':
			out = append(out, int(r-' ')+2)
		default:
			return nil, fmt.Errorf("lm: character %q at byte %d is not in the vocabulary (newline and printable ASCII)", r, i)
		}
	}
	return out, nil
}

// Token is the text of one id ("" for EOS).
func (Vocab) Token(id int) string {
	switch {
	case id == 1:
		return "\n"
	case id >= 2 && id < CharVocab:
		return string(rune(id - 2 + ' '))
	}
	return ""
}

// Decode maps ids to text (EOS and unknown ids write nothing).
func (v Vocab) Decode(ids []int) string {
	var sb strings.Builder
	for _, id := range ids {
		sb.WriteString(v.Token(id))
	}
	return sb.String()
}
