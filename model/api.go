package model

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
)

// CompletionRequest is a /v1/completions request. Prompt is a string or a
// list of token ids ([]int; vLLM, SGLang and `credo lab serve` take it).
// Extra holds server-specific fields (e.g. vLLM's
// "return_tokens_as_token_ids": true), merged into the JSON.
type CompletionRequest struct {
	Prompt      any
	MaxTokens   int
	Temperature *float64
	TopP        *float64
	N           int
	Seed        *uint64
	Logprobs    *int
	Stop        []string
	Stream      bool
	Extra       map[string]any
}

// Message is one chat message.
type Message struct {
	Role    string `json:"role"`
	Content string `json:"content"`
}

// ChatRequest is a /v1/chat/completions request. TopLogprobs > 0 implies
// logprobs.
type ChatRequest struct {
	Messages    []Message
	MaxTokens   int
	Temperature *float64
	N           int
	Seed        *uint64
	Logprobs    bool
	TopLogprobs int
	Stop        []string
	Stream      bool
	Extra       map[string]any
}

// Choice is one sampled continuation, normalised over the servers' shapes.
type Choice struct {
	Index        int
	Text         string
	FinishReason string
	// TokenIDs are the sampled token ids, nil when the server gave none.
	TokenIDs []int
	// Tokens, LogProbs, TopLogProbs and TextOffset are per sampled token
	// (nil without log-probs; TextOffset nil when the server gave none).
	Tokens      []string
	LogProbs    []float64
	TopLogProbs []map[string]float64
	TextOffset  []int
	// FirstNull: the server gave no log-prob for the first token (an
	// echoed prompt's first token has no context); LogProbs[0] is then 0
	// and meaningless.
	FirstNull bool
}

// Response is a normalised answer.
type Response struct {
	ID             string
	Model          string
	Choices        []Choice
	PromptTokenIDs []int
	PromptTokens   int
	CompTokens     int
}

// F is a float pointer helper; U a uint64 one; I an int one.
func F(x float64) *float64 { return &x }

// U returns a pointer to x.
func U(x uint64) *uint64 { return &x }

// I returns a pointer to x.
func I(x int) *int { return &x }

func (q CompletionRequest) body(modelName string) ([]byte, error) {
	m := map[string]any{"prompt": q.Prompt}
	if modelName != "" {
		m["model"] = modelName
	}
	if q.Prompt == nil {
		return nil, errors.New("model: completion request without a prompt")
	}
	if q.MaxTokens > 0 {
		m["max_tokens"] = q.MaxTokens
	}
	if q.Temperature != nil {
		m["temperature"] = *q.Temperature
	}
	if q.TopP != nil {
		m["top_p"] = *q.TopP
	}
	if q.N > 0 {
		m["n"] = q.N
	}
	if q.Seed != nil {
		m["seed"] = *q.Seed
	}
	if q.Logprobs != nil {
		m["logprobs"] = *q.Logprobs
	}
	if len(q.Stop) > 0 {
		m["stop"] = q.Stop
	}
	if q.Stream {
		m["stream"] = true
	}
	for k, v := range q.Extra {
		m[k] = v
	}
	return json.Marshal(m) // map keys are sorted: a stable cache key
}

func (q ChatRequest) body(modelName string) ([]byte, error) {
	if len(q.Messages) == 0 {
		return nil, errors.New("model: chat request without messages")
	}
	m := map[string]any{"messages": q.Messages}
	if modelName != "" {
		m["model"] = modelName
	}
	if q.MaxTokens > 0 {
		m["max_tokens"] = q.MaxTokens
	}
	if q.Temperature != nil {
		m["temperature"] = *q.Temperature
	}
	if q.N > 0 {
		m["n"] = q.N
	}
	if q.Seed != nil {
		m["seed"] = *q.Seed
	}
	if q.Logprobs || q.TopLogprobs > 0 {
		m["logprobs"] = true
		if q.TopLogprobs > 0 {
			m["top_logprobs"] = q.TopLogprobs
		}
	}
	if len(q.Stop) > 0 {
		m["stop"] = q.Stop
	}
	if q.Stream {
		m["stream"] = true
	}
	for k, v := range q.Extra {
		m[k] = v
	}
	return json.Marshal(m)
}

// Complete calls /v1/completions.
func (c *Client) Complete(ctx context.Context, q CompletionRequest) (*Response, error) {
	body, err := q.body(c.cfg.Model)
	if err != nil {
		return nil, err
	}
	return c.call(ctx, "/completions", body, q.Stream)
}

// Chat calls /v1/chat/completions.
func (c *Client) Chat(ctx context.Context, q ChatRequest) (*Response, error) {
	body, err := q.body(c.cfg.Model)
	if err != nil {
		return nil, err
	}
	return c.call(ctx, "/chat/completions", body, q.Stream)
}

// call posts a request body to path and decodes the answer (streamed or
// not) into a Response, counting its requests and tokens.
func (c *Client) call(ctx context.Context, path string, body []byte, stream bool) (*Response, error) {
	var out *Response
	err := c.post(ctx, path, body, stream, func(raw []byte) error {
		r, err := decode(raw, stream)
		out = r
		return err
	})
	if err != nil {
		return nil, err
	}
	c.count(out)
	return out, nil
}

// Tokenize returns a text's token ids without special tokens, through
// vLLM's POST /tokenize at the server's root ({"model", "prompt",
// "add_special_tokens": false} → {"tokens": [...]}; `credo lab serve` has
// it too). Probes use it to put a forced suffix's ids after a prefix of
// token ids. Answers are cached like any other.
func (c *Client) Tokenize(ctx context.Context, text string) ([]int, error) {
	m := map[string]any{"prompt": text, "add_special_tokens": false}
	if c.cfg.Model != "" {
		m["model"] = c.cfg.Model
	}
	body, err := json.Marshal(m)
	if err != nil {
		return nil, err
	}
	var ids []int
	err = c.post(ctx, rootPath+"/tokenize", body, false, func(raw []byte) error {
		var r struct {
			Tokens *[]int `json:"tokens"`
		}
		if err := json.Unmarshal(raw, &r); err != nil {
			return err
		}
		if r.Tokens == nil {
			return errors.New("no field tokens")
		}
		ids = *r.Tokens
		return nil
	})
	return ids, err
}

// PromptScore is the log-probability of each prompt token given the tokens
// before it.
type PromptScore struct {
	// Tokens are the prompt's tokens as the server spelled them, TokenIDs
	// their ids when the server gave them.
	Tokens   []string
	TokenIDs []int
	// LogProbs[k] is log p(Tokens[k+1] | Tokens[:k+1]) (the first token has
	// no context, so there is one fewer than Tokens).
	LogProbs []float64
}

// ScorePrompt scores a prompt (a string or token ids) with the legacy
// completions API's echo: one token is generated and dropped, the echoed
// prompt's log-probs are returned. vLLM and OpenAI's legacy models support
// it; servers that do not (llama.cpp, `credo lab serve`) answer an error.
func (c *Client) ScorePrompt(ctx context.Context, prompt any) (*PromptScore, error) {
	r, err := c.Complete(ctx, CompletionRequest{Prompt: prompt, MaxTokens: 1, Temperature: F(0), Logprobs: I(0),
		Extra: map[string]any{"echo": true}})
	if err != nil {
		return nil, err
	}
	ch := r.Choices[0]
	p := r.PromptTokens
	if p == 0 && r.PromptTokenIDs != nil {
		p = len(r.PromptTokenIDs)
	}
	switch {
	case p < 1:
		return nil, errors.New("model: ScorePrompt: the server reported no prompt token count (usage.prompt_tokens)")
	case len(ch.LogProbs) < p || len(ch.Tokens) < p:
		return nil, fmt.Errorf("model: ScorePrompt: %d log-probs for a %d-token prompt: the server did not echo the prompt", len(ch.LogProbs), p)
	case !ch.FirstNull:
		return nil, errors.New("model: ScorePrompt: the first echoed token has a log-prob: the answer is not an echo of the prompt")
	}
	out := &PromptScore{Tokens: ch.Tokens[:p], LogProbs: append([]float64(nil), ch.LogProbs[1:p]...)}
	if len(ch.TokenIDs) >= p {
		out.TokenIDs = ch.TokenIDs[:p]
	} else if r.PromptTokenIDs != nil {
		out.TokenIDs = r.PromptTokenIDs
	}
	return out, nil
}

func (c *Client) count(r *Response) {
	c.st.pt.Add(int64(r.PromptTokens))
	c.st.ct.Add(int64(r.CompTokens))
}

// wire layouts ---------------------------------------------------------

type wireTop struct {
	Token   string  `json:"token"`
	Logprob float64 `json:"logprob"`
}

type wireContent struct {
	Token       string    `json:"token"`
	Logprob     float64   `json:"logprob"`
	TopLogprobs []wireTop `json:"top_logprobs"`
	ID          *int      `json:"id"` // llama.cpp
}

type wireLogprobs struct {
	Tokens        []string             `json:"tokens"`
	TokenLogprobs []*float64           `json:"token_logprobs"`
	TopLogprobs   []map[string]float64 `json:"top_logprobs"`
	TextOffset    []int                `json:"text_offset"`
	Content       []wireContent        `json:"content"`
}

type wireChoice struct {
	Index        int             `json:"index"`
	Text         *string         `json:"text"`
	Message      *Message        `json:"message"`
	Delta        *Message        `json:"delta"`
	Logprobs     *wireLogprobs   `json:"logprobs"`
	FinishReason *string         `json:"finish_reason"`
	TokenIDs     []int           `json:"token_ids"`
	Tokens       json.RawMessage `json:"tokens"` // llama.cpp: token ids
	PromptIDs    []int           `json:"prompt_token_ids"`
}

type wireResp struct {
	ID        string       `json:"id"`
	Model     string       `json:"model"`
	Choices   []wireChoice `json:"choices"`
	PromptIDs []int        `json:"prompt_token_ids"`
	Usage     *struct {
		PromptTokens     int `json:"prompt_tokens"`
		CompletionTokens int `json:"completion_tokens"`
	} `json:"usage"`
	Error json.RawMessage `json:"error"`
}

// decode turns a response body (or a stream's JSON array of chunks) into a
// Response.
func decode(raw []byte, stream bool) (*Response, error) {
	var chunks []wireResp
	if stream {
		if err := json.Unmarshal(raw, &chunks); err != nil {
			return nil, err
		}
		if len(chunks) == 0 {
			return nil, errors.New("empty stream")
		}
	} else {
		var w wireResp
		dec := json.NewDecoder(bytes.NewReader(raw))
		if err := dec.Decode(&w); err != nil {
			return nil, err
		}
		if dec.More() {
			return nil, errors.New("trailing data after the JSON object")
		}
		chunks = []wireResp{w}
	}
	out := &Response{}
	byIdx := map[int]*Choice{}
	for _, w := range chunks {
		if len(w.Error) > 0 && string(w.Error) != "null" {
			return nil, fmt.Errorf("error in body: %s", w.Error)
		}
		if out.ID == "" {
			out.ID, out.Model = w.ID, w.Model
		}
		if w.PromptIDs != nil {
			out.PromptTokenIDs = w.PromptIDs
		}
		if w.Usage != nil {
			out.PromptTokens, out.CompTokens = w.Usage.PromptTokens, w.Usage.CompletionTokens
		}
		for _, wc := range w.Choices {
			ch := byIdx[wc.Index]
			if ch == nil {
				ch = &Choice{Index: wc.Index}
				byIdx[wc.Index] = ch
			}
			if err := merge(ch, wc); err != nil {
				return nil, fmt.Errorf("choice %d: %w", wc.Index, err)
			}
			if wc.PromptIDs != nil && out.PromptTokenIDs == nil {
				out.PromptTokenIDs = wc.PromptIDs
			}
		}
	}
	if len(byIdx) == 0 {
		return nil, errors.New("no choices")
	}
	idx := make([]int, 0, len(byIdx))
	for i := range byIdx {
		idx = append(idx, i)
	}
	sort.Ints(idx)
	for _, i := range idx {
		ch := byIdx[i]
		if err := finishIDs(ch); err != nil {
			return nil, fmt.Errorf("choice %d: %w", i, err)
		}
		out.Choices = append(out.Choices, *ch)
	}
	if out.CompTokens == 0 {
		for _, ch := range out.Choices {
			out.CompTokens += max(len(ch.TokenIDs), len(ch.LogProbs))
		}
	}
	return out, nil
}

func merge(ch *Choice, wc wireChoice) error {
	start := len(ch.Text)
	switch {
	case wc.Text != nil:
		ch.Text += *wc.Text
	case wc.Message != nil:
		ch.Text += wc.Message.Content
	case wc.Delta != nil:
		ch.Text += wc.Delta.Content
	}
	if wc.FinishReason != nil {
		ch.FinishReason = *wc.FinishReason
	}
	if wc.TokenIDs != nil && ch.TokenIDs == nil {
		ch.TokenIDs = []int{} // an empty completion still has (no) ids
	}
	ch.TokenIDs = append(ch.TokenIDs, wc.TokenIDs...)
	if len(wc.Tokens) > 0 && string(wc.Tokens) != "null" {
		var ids []int
		if err := json.Unmarshal(wc.Tokens, &ids); err != nil {
			return fmt.Errorf("field tokens: want token ids: %w", err)
		}
		ch.TokenIDs = append(ch.TokenIDs, ids...)
	}
	lp := wc.Logprobs
	if lp == nil {
		return nil
	}
	if len(lp.Content) > 0 {
		for _, c := range lp.Content {
			ch.Tokens = append(ch.Tokens, c.Token)
			ch.LogProbs = append(ch.LogProbs, c.Logprob)
			var top map[string]float64
			if c.TopLogprobs != nil {
				top = make(map[string]float64, len(c.TopLogprobs))
				for _, t := range c.TopLogprobs {
					top[t.Token] = t.Logprob
				}
			}
			ch.TopLogProbs = append(ch.TopLogProbs, top)
		}
		return nil
	}
	if len(lp.TokenLogprobs) != len(lp.Tokens) {
		return fmt.Errorf("logprobs: %d tokens but %d token_logprobs", len(lp.Tokens), len(lp.TokenLogprobs))
	}
	ch.Tokens = append(ch.Tokens, lp.Tokens...)
	for i, p := range lp.TokenLogprobs {
		if p == nil {
			if i == 0 && len(ch.LogProbs) == 0 {
				ch.FirstNull = true
				ch.LogProbs = append(ch.LogProbs, 0)
				continue
			}
			return fmt.Errorf("logprobs: token_logprobs[%d] is null", i)
		}
		ch.LogProbs = append(ch.LogProbs, *p)
	}
	if lp.TopLogprobs != nil {
		if len(lp.TopLogprobs) != len(lp.Tokens) {
			return fmt.Errorf("logprobs: %d tokens but %d top_logprobs", len(lp.Tokens), len(lp.TopLogprobs))
		}
		ch.TopLogProbs = append(ch.TopLogProbs, lp.TopLogprobs...)
	}
	if lp.TextOffset != nil {
		if len(lp.TextOffset) != len(lp.Tokens) {
			return fmt.Errorf("logprobs: %d tokens but %d text_offset", len(lp.Tokens), len(lp.TextOffset))
		}
		// offsets in a stream chunk may be chunk-relative or absolute:
		// absolute offsets are never below the text before the chunk
		shift := 0
		if len(lp.TextOffset) > 0 && lp.TextOffset[0] < start {
			shift = start
		}
		for _, o := range lp.TextOffset {
			ch.TextOffset = append(ch.TextOffset, o+shift)
		}
	}
	return nil
}

// finishIDs reads token ids from "token_id:N" tokens when the server gave
// no ids, and checks the ids against the log-prob tokens.
func finishIDs(ch *Choice) error {
	if ch.TokenIDs == nil && len(ch.Tokens) > 0 && strings.HasPrefix(ch.Tokens[0], "token_id:") {
		ids := make([]int, len(ch.Tokens))
		for i, t := range ch.Tokens {
			s, ok := strings.CutPrefix(t, "token_id:")
			if !ok {
				return fmt.Errorf("logprobs token %d is %q, want token_id:N like the others", i, t)
			}
			id, err := strconv.Atoi(s)
			if err != nil {
				return fmt.Errorf("logprobs token %d is %q, want token_id:N", i, t)
			}
			ids[i] = id
		}
		ch.TokenIDs = ids
	}
	if ch.TokenIDs != nil && ch.LogProbs != nil && len(ch.TokenIDs) != len(ch.LogProbs) {
		return fmt.Errorf("%d token ids but %d log-probs", len(ch.TokenIDs), len(ch.LogProbs))
	}
	return nil
}

// readSSE reads a server-sent event stream of JSON chunks up to
// "data: [DONE]" and returns them as one JSON array. A stream that ends
// without [DONE] is truncated (an error).
func readSSE(r io.Reader) ([]byte, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 16<<20)
	var buf bytes.Buffer
	buf.WriteByte('[')
	n := 0
	var data []string
	flush := func() error {
		if len(data) == 0 {
			return nil
		}
		ev := strings.Join(data, "\n")
		data = data[:0]
		if !json.Valid([]byte(ev)) {
			return fmt.Errorf("event %d is not JSON: %.200s", n, ev)
		}
		if n > 0 {
			buf.WriteByte(',')
		}
		buf.WriteString(ev)
		n++
		return nil
	}
	for sc.Scan() {
		line := sc.Text()
		if line == "" {
			if err := flush(); err != nil {
				return nil, err
			}
			continue
		}
		v, ok := strings.CutPrefix(line, "data:")
		if !ok {
			continue // comments, event:, id:, retry:
		}
		v = strings.TrimPrefix(v, " ")
		if v == "[DONE]" {
			if err := flush(); err != nil {
				return nil, err
			}
			buf.WriteByte(']')
			return buf.Bytes(), nil
		}
		data = append(data, v)
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	return nil, errors.New("truncated: the stream ended without data: [DONE]")
}
