package inspect

import (
	"encoding/json"
	"fmt"
	"os"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Tokenizer turns token ids into display text using the vocabulary of a
// Hugging Face tokenizer.json (the "tokenizers" library's serialisation:
// model.vocab as a {piece: id} map for BPE and WordPiece, or a [[piece,
// score], ...] list for Unigram, plus added_tokens). Only the id → piece
// table and the decoder's piece conventions are used; no text is encoded.
//
// Piece conventions handled: GPT-2 byte-level BPE (pieces spell bytes with
// the bytes_to_unicode table, so "Ġ" is a space and "Ċ" a newline),
// SentencePiece's metaspace "▁" for a space, byte-fallback pieces "<0x0A>",
// and WordPiece's continuing-subword prefix "##" (a piece without it starts a
// new word and is shown with a leading space).
type Tokenizer struct {
	pieces    map[int64]string
	added     map[int64]bool
	byteLevel bool
	metaspace bool
	wordPiece string // continuing-subword prefix when the model is WordPiece
}

// LoadTokenizer reads a tokenizer.json file.
func LoadTokenizer(path string) (*Tokenizer, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	t, err := ParseTokenizer(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return t, nil
}

// ParseTokenizer parses the contents of a tokenizer.json file.
func ParseTokenizer(b []byte) (*Tokenizer, error) {
	var raw struct {
		AddedTokens []struct {
			ID      int64  `json:"id"`
			Content string `json:"content"`
		} `json:"added_tokens"`
		Model struct {
			Type                    string          `json:"type"`
			Vocab                   json.RawMessage `json:"vocab"`
			ContinuingSubwordPrefix *string         `json:"continuing_subword_prefix"`
		} `json:"model"`
		Decoder      any `json:"decoder"`
		PreTokenizer any `json:"pre_tokenizer"`
	}
	if err := json.Unmarshal(b, &raw); err != nil {
		return nil, fmt.Errorf("not a tokenizer.json: %v", err)
	}
	t := &Tokenizer{pieces: map[int64]string{}, added: map[int64]bool{}}
	v := strings.TrimSpace(string(raw.Model.Vocab))
	switch {
	case strings.HasPrefix(v, "{"):
		var m map[string]int64
		if err := json.Unmarshal(raw.Model.Vocab, &m); err != nil {
			return nil, fmt.Errorf("model.vocab: want {piece: id}, %v", err)
		}
		for p, id := range m {
			t.pieces[id] = p
		}
	case strings.HasPrefix(v, "["):
		var l [][]any
		if err := json.Unmarshal(raw.Model.Vocab, &l); err != nil {
			return nil, fmt.Errorf("model.vocab: want [[piece, score], ...], %v", err)
		}
		for i, e := range l {
			if len(e) == 0 {
				return nil, fmt.Errorf("model.vocab[%d]: empty entry", i)
			}
			p, ok := e[0].(string)
			if !ok {
				return nil, fmt.Errorf("model.vocab[%d]: want a piece string first", i)
			}
			t.pieces[int64(i)] = p
		}
	default:
		return nil, fmt.Errorf("model.vocab: missing (want a {piece: id} map or a [[piece, score], ...] list)")
	}
	for _, a := range raw.AddedTokens {
		t.pieces[a.ID] = a.Content
		t.added[a.ID] = true
	}
	t.byteLevel = hasType(raw.Decoder, "ByteLevel") || hasType(raw.PreTokenizer, "ByteLevel")
	t.metaspace = hasType(raw.Decoder, "Metaspace") || hasType(raw.PreTokenizer, "Metaspace") || raw.Model.Type == "Unigram"
	if raw.Model.Type == "WordPiece" || hasType(raw.Decoder, "WordPiece") {
		t.wordPiece = "##"
		if raw.Model.ContinuingSubwordPrefix != nil {
			t.wordPiece = *raw.Model.ContinuingSubwordPrefix
		}
	}
	return t, nil
}

// hasType reports whether a decoder or pre-tokenizer description (possibly a
// Sequence of them) contains a component of the given type.
func hasType(x any, typ string) bool {
	switch v := x.(type) {
	case map[string]any:
		if v["type"] == typ {
			return true
		}
		for _, c := range v {
			if hasType(c, typ) {
				return true
			}
		}
	case []any:
		for _, c := range v {
			if hasType(c, typ) {
				return true
			}
		}
	}
	return false
}

// byteOf inverts GPT-2's bytes_to_unicode: printable Latin-1 bytes stand for
// themselves, the other 68 bytes are shifted to U+0100.. in byte order.
var byteOf = func() map[rune]byte {
	m := map[rune]byte{}
	n := 0
	for b := 0; b < 256; b++ {
		if (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF) {
			m[rune(b)] = byte(b)
		} else {
			m[rune(256+n)] = byte(b)
			n++
		}
	}
	return m
}()

// Text is the display text of one token: the decoded piece, with bytes that
// do not form valid UTF-8 on their own (part of a multi-byte character split
// across tokens) written as \xHH. Unknown ids give "<id>".
func (t *Tokenizer) Text(id int64) string {
	p, ok := t.pieces[id]
	if !ok {
		return "<" + strconv.FormatInt(id, 10) + ">"
	}
	if t.added[id] {
		return p
	}
	if len(p) == 6 && strings.HasPrefix(p, "<0x") && strings.HasSuffix(p, ">") {
		if b, err := strconv.ParseUint(p[3:5], 16, 8); err == nil {
			return bytesText([]byte{byte(b)})
		}
	}
	if t.byteLevel {
		var bs []byte
		for _, r := range p {
			if b, ok := byteOf[r]; ok {
				bs = append(bs, b)
			} else {
				bs = utf8.AppendRune(bs, r)
			}
		}
		return bytesText(bs)
	}
	if t.wordPiece != "" {
		if strings.HasPrefix(p, t.wordPiece) {
			return p[len(t.wordPiece):]
		}
		return " " + p
	}
	if t.metaspace {
		return strings.ReplaceAll(p, "▁", " ")
	}
	return p
}

// bytesText is b as text, invalid UTF-8 bytes written as \xHH.
func bytesText(b []byte) string {
	if utf8.Valid(b) {
		return string(b)
	}
	var s strings.Builder
	for len(b) > 0 {
		r, n := utf8.DecodeRune(b)
		if r == utf8.RuneError && n <= 1 {
			fmt.Fprintf(&s, `\x%02X`, b[0])
			b = b[1:]
			continue
		}
		s.WriteRune(r)
		b = b[n:]
	}
	return s.String()
}
