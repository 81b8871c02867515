package lmserve

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"net/http"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/credo-rl/credo/lab/lm"
)

// Server is an http.Handler serving one model.
type Server struct {
	Name  string
	model *lm.Model
	mu    sync.Mutex
	count atomic.Uint64
	voc   lm.Vocab
}

// New returns a server for m under the model name name.
func New(name string, m *lm.Model) *Server { return &Server{Name: name, model: m} }

// ServeHTTP routes /v1/completions, /v1/chat/completions, /v1/models and
// /tokenize.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch r.URL.Path {
	case "/v1/completions", "/v1/chat/completions", "/tokenize":
		if r.Method != http.MethodPost {
			writeErr(w, http.StatusMethodNotAllowed, "use POST")
			return
		}
		dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<20))
		var resp any
		var err error
		switch r.URL.Path {
		case "/v1/completions":
			var q Request
			if err = dec.Decode(&q); err == nil {
				resp, err = s.Complete(q)
			}
		case "/v1/chat/completions":
			var q ChatRequest
			if err = dec.Decode(&q); err == nil {
				resp, err = s.Chat(q)
			}
		default:
			var q TokenizeRequest
			if err = dec.Decode(&q); err == nil {
				resp, err = s.Tokenize(q)
			}
		}
		if err != nil {
			writeErr(w, http.StatusBadRequest, err.Error())
			return
		}
		writeJSON(w, http.StatusOK, resp)
	case "/v1/models":
		writeJSON(w, http.StatusOK, map[string]any{"object": "list", "data": []map[string]any{
			{"id": s.Name, "object": "model", "owned_by": "credo-lab", "max_model_len": s.model.Cfg.MaxT}}})
	default:
		writeErr(w, http.StatusNotFound, "unknown path "+r.URL.Path+" (serving /v1/completions, /v1/chat/completions, /v1/models and /tokenize)")
	}
}

// Request is the completions request. TruncatePromptTokens (vLLM's
// truncate_prompt_tokens) keeps only the prompt's last k tokens (after the
// start token of a text prompt); GuidedRegex and GuidedChoice (vLLM's
// guided decoding fields) constrain the whole completion to match the
// expression, or to be one of the strings.
type Request struct {
	Model                string          `json:"model"`
	Prompt               json.RawMessage `json:"prompt"`
	MaxTokens            *int            `json:"max_tokens"`
	Temperature          *float64        `json:"temperature"`
	N                    *int            `json:"n"`
	Seed                 *uint64         `json:"seed"`
	Logprobs             *int            `json:"logprobs"`
	Stop                 json.RawMessage `json:"stop"`
	Echo                 bool            `json:"echo"`
	Stream               bool            `json:"stream"`
	TruncatePromptTokens *int            `json:"truncate_prompt_tokens"`
	GuidedRegex          string          `json:"guided_regex"`
	GuidedChoice         []string        `json:"guided_choice"`
}

// sampling are the request fields completions and chat share.
type sampling struct {
	Model                string
	MaxTokens            *int
	Temperature          *float64
	N                    *int
	Seed                 *uint64
	Stop                 json.RawMessage
	Stream               bool
	TruncatePromptTokens *int
	GuidedRegex          string
	GuidedChoice         []string
}

// Logprobs are a choice's per-token log-probs (OpenAI layout).
type Logprobs struct {
	Tokens        []string             `json:"tokens"`
	TokenLogprobs []float64            `json:"token_logprobs"`
	TopLogprobs   []map[string]float64 `json:"top_logprobs"`
	TextOffset    []int                `json:"text_offset"`
}

// Choice is one completion.
type Choice struct {
	Index          int       `json:"index"`
	Text           string    `json:"text"`
	Logprobs       *Logprobs `json:"logprobs"`
	FinishReason   string    `json:"finish_reason"`
	TokenIDs       []int     `json:"token_ids"`
	PromptTokenIDs []int     `json:"prompt_token_ids"`
}

// Response is the completions response.
type Response struct {
	ID      string         `json:"id"`
	Object  string         `json:"object"`
	Created int64          `json:"created"`
	Model   string         `json:"model"`
	Choices []Choice       `json:"choices"`
	Usage   map[string]int `json:"usage"`
}

// Message is a chat message.
type Message struct {
	Role    string `json:"role"`
	Content string `json:"content"`
}

// ChatRequest is the chat completions request.
type ChatRequest struct {
	Model                string          `json:"model"`
	Messages             []Message       `json:"messages"`
	MaxTokens            *int            `json:"max_tokens"`
	MaxCompletionTokens  *int            `json:"max_completion_tokens"`
	Temperature          *float64        `json:"temperature"`
	N                    *int            `json:"n"`
	Seed                 *uint64         `json:"seed"`
	Logprobs             bool            `json:"logprobs"`
	TopLogprobs          *int            `json:"top_logprobs"`
	Stop                 json.RawMessage `json:"stop"`
	Stream               bool            `json:"stream"`
	TruncatePromptTokens *int            `json:"truncate_prompt_tokens"`
	GuidedRegex          string          `json:"guided_regex"`
	GuidedChoice         []string        `json:"guided_choice"`
}

// ChatTop is one alternative of a chat token's top log-probs.
type ChatTop struct {
	Token   string  `json:"token"`
	Logprob float64 `json:"logprob"`
	Bytes   []int   `json:"bytes"`
}

// ChatToken is one sampled token's log-prob in the chat layout.
type ChatToken struct {
	ChatTop
	TopLogprobs []ChatTop `json:"top_logprobs"`
}

// ChatLogprobs is a chat choice's log-probs.
type ChatLogprobs struct {
	Content []ChatToken `json:"content"`
}

// ChatChoice is one chat answer.
type ChatChoice struct {
	Index        int           `json:"index"`
	Message      Message       `json:"message"`
	Logprobs     *ChatLogprobs `json:"logprobs"`
	FinishReason string        `json:"finish_reason"`
	TokenIDs     []int         `json:"token_ids"`
}

// ChatResponse is the chat completions response; PromptTokenIDs are the
// rendered prompt's ids (vLLM's field with return_token_ids).
type ChatResponse struct {
	ID             string         `json:"id"`
	Object         string         `json:"object"`
	Created        int64          `json:"created"`
	Model          string         `json:"model"`
	Choices        []ChatChoice   `json:"choices"`
	PromptTokenIDs []int          `json:"prompt_token_ids"`
	Usage          map[string]int `json:"usage"`
}

// TokenizeRequest is vLLM's /tokenize request (text prompts only).
type TokenizeRequest struct {
	Model            string `json:"model"`
	Prompt           string `json:"prompt"`
	AddSpecialTokens *bool  `json:"add_special_tokens"`
}

// TokenizeResponse is vLLM's /tokenize answer.
type TokenizeResponse struct {
	Tokens      []int `json:"tokens"`
	Count       int   `json:"count"`
	MaxModelLen int   `json:"max_model_len"`
}

func stringsOf(raw json.RawMessage, field string) ([]string, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return nil, nil
	}
	var one string
	if err := json.Unmarshal(raw, &one); err == nil {
		return []string{one}, nil
	}
	var many []string
	if err := json.Unmarshal(raw, &many); err != nil {
		return nil, fmt.Errorf("field %s: want a string or an array of strings", field)
	}
	return many, nil
}

// params are a request's checked sampling parameters.
type params struct {
	maxTok, n, k int
	temp         float64
	stops        []string
	guide        *guide
	trunc        int // −1: no truncation
	rng          *rand.Rand
}

func (s *Server) params(q sampling, k int) (*params, error) {
	if q.Stream {
		return nil, errors.New("field stream: streaming is not supported")
	}
	if q.Model != "" && q.Model != s.Name {
		return nil, fmt.Errorf("field model: %q is not served (this server has %q)", q.Model, s.Name)
	}
	stops, err := stringsOf(q.Stop, "stop")
	if err != nil {
		return nil, err
	}
	p := &params{maxTok: 16, temp: 1, n: 1, k: k, stops: stops, trunc: -1}
	if q.MaxTokens != nil {
		p.maxTok = *q.MaxTokens
	}
	if q.Temperature != nil {
		p.temp = *q.Temperature
	}
	if q.N != nil {
		p.n = *q.N
	}
	if q.TruncatePromptTokens != nil {
		p.trunc = *q.TruncatePromptTokens
	}
	switch {
	case p.maxTok < 1:
		return nil, fmt.Errorf("field max_tokens: %d (want ≥ 1)", p.maxTok)
	case p.temp < 0 || p.temp > 100:
		return nil, fmt.Errorf("field temperature: %v (want 0..100)", p.temp)
	case p.n < 1 || p.n > 128:
		return nil, fmt.Errorf("field n: %d (want 1..128)", p.n)
	case k > 20:
		return nil, fmt.Errorf("field logprobs: %d (want 0..20)", k)
	case q.TruncatePromptTokens != nil && p.trunc < 1:
		return nil, fmt.Errorf("field truncate_prompt_tokens: %d (want ≥ 1)", p.trunc)
	case q.GuidedRegex != "" && q.GuidedChoice != nil:
		return nil, errors.New("fields guided_regex and guided_choice: give one")
	}
	re := q.GuidedRegex
	if q.GuidedChoice != nil {
		if len(q.GuidedChoice) == 0 {
			return nil, errors.New("field guided_choice: empty")
		}
		re = choiceRegex(q.GuidedChoice)
	}
	if re != "" {
		if p.guide, err = newGuide(re); err != nil {
			field := "guided_regex"
			if q.GuidedChoice != nil {
				field = "guided_choice"
			}
			return nil, fmt.Errorf("field %s: %w", field, err)
		}
	}
	seed := s.count.Add(1) ^ uint64(time.Now().UnixNano())
	if q.Seed != nil {
		seed = *q.Seed
	}
	p.rng = rand.New(rand.NewPCG(seed, 0x5e7e))
	return p, nil
}

// textIDs encodes a text prompt: the start token, then the text's ids (the
// last trunc of them when truncating).
func (s *Server) textIDs(text string, trunc int, field string) ([]int, error) {
	enc, err := s.voc.Encode(text)
	if err != nil {
		return nil, fmt.Errorf("field %s: %w", field, err)
	}
	if trunc >= 0 && len(enc) > trunc {
		enc = enc[len(enc)-trunc:]
	}
	return append([]int{lm.EOS}, enc...), nil
}

func (s *Server) checkContext(ids []int, field string) error {
	if len(ids) >= s.model.Cfg.MaxT {
		return fmt.Errorf("field %s: %d tokens with the start token; the context holds %d (truncate_prompt_tokens keeps the last ones)", field, len(ids), s.model.Cfg.MaxT)
	}
	return nil
}

// Complete answers one completions request.
func (s *Server) Complete(q Request) (*Response, error) {
	if q.Echo {
		return nil, errors.New("field echo: not supported")
	}
	k := -1
	if q.Logprobs != nil {
		k = *q.Logprobs
	}
	p, err := s.params(sampling{q.Model, q.MaxTokens, q.Temperature, q.N, q.Seed, q.Stop, q.Stream, q.TruncatePromptTokens, q.GuidedRegex, q.GuidedChoice}, k)
	if err != nil {
		return nil, err
	}
	// a prompt of token ids is taken as is (no start token added), as
	// vLLM does; the ids must be the model's
	var idPrompt []int
	var prompts []string
	if err := json.Unmarshal(q.Prompt, &idPrompt); err == nil && len(idPrompt) > 0 {
		for i, id := range idPrompt {
			if id < 0 || id >= s.voc.Size() {
				return nil, fmt.Errorf("field prompt[%d]: token id %d outside the vocabulary 0..%d", i, id, s.voc.Size()-1)
			}
		}
		if p.trunc >= 0 && len(idPrompt) > p.trunc {
			idPrompt = idPrompt[len(idPrompt)-p.trunc:]
		}
		prompts = []string{""}
	} else {
		idPrompt = nil // a failed decode may leave a partial slice
		if prompts, err = stringsOf(q.Prompt, "prompt"); err != nil {
			return nil, err
		}
	}
	if len(prompts) == 0 {
		return nil, errors.New("field prompt: required")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	resp := &Response{ID: fmt.Sprintf("cmpl-%d", s.count.Load()), Object: "text_completion", Created: time.Now().Unix(),
		Model: s.Name, Usage: map[string]int{}}
	for pi, pr := range prompts {
		field := fmt.Sprintf("prompt[%d]", pi)
		ids := idPrompt
		if ids == nil {
			if ids, err = s.textIDs(pr, p.trunc, field); err != nil {
				return nil, err
			}
		}
		if err := s.checkContext(ids, field); err != nil {
			return nil, err
		}
		gens, err := s.generate(ids, p)
		if err != nil {
			return nil, err
		}
		resp.Usage["prompt_tokens"] += len(ids)
		for _, g := range gens {
			lpr := &Logprobs{Tokens: []string{}, TokenLogprobs: g.lps, TextOffset: []int{}}
			off := 0
			for j, id := range g.ids {
				lpr.TextOffset = append(lpr.TextOffset, off)
				lpr.Tokens = append(lpr.Tokens, s.voc.Token(id))
				off += len(s.voc.Token(id))
				if p.k >= 0 {
					m := map[string]float64{}
					for _, t := range g.tops[j] {
						m[s.name(t)] = t.lp
					}
					lpr.TopLogprobs = append(lpr.TopLogprobs, m)
				}
			}
			resp.Choices = append(resp.Choices, Choice{Index: len(resp.Choices), Text: g.text, Logprobs: lpr, FinishReason: g.finish,
				TokenIDs: g.ids, PromptTokenIDs: ids})
			resp.Usage["completion_tokens"] += len(g.ids)
		}
	}
	resp.Usage["total_tokens"] = resp.Usage["prompt_tokens"] + resp.Usage["completion_tokens"]
	return resp, nil
}

// RenderChat is the lab model's chat template: the messages' contents in
// order, each followed by a newline unless it ends with one. The lab model
// has no role tokens; a single user message renders to its own text, so
// chat and completions agree on it.
func RenderChat(msgs []Message) (string, error) {
	if len(msgs) == 0 {
		return "", errors.New("field messages: required")
	}
	var sb strings.Builder
	for i, m := range msgs {
		switch m.Role {
		case "system", "user", "assistant", "developer":
		default:
			return "", fmt.Errorf("field messages[%d].role: %q (want system, developer, user or assistant)", i, m.Role)
		}
		sb.WriteString(m.Content)
		if !strings.HasSuffix(m.Content, "\n") {
			sb.WriteByte('\n')
		}
	}
	return sb.String(), nil
}

// Chat answers one chat completions request.
func (s *Server) Chat(q ChatRequest) (*ChatResponse, error) {
	k := -1
	if q.Logprobs {
		k = 0
		if q.TopLogprobs != nil {
			k = *q.TopLogprobs
		}
	} else if q.TopLogprobs != nil {
		return nil, errors.New("field top_logprobs: needs logprobs: true")
	}
	if q.MaxCompletionTokens != nil && q.MaxTokens == nil {
		q.MaxTokens = q.MaxCompletionTokens
	}
	p, err := s.params(sampling{q.Model, q.MaxTokens, q.Temperature, q.N, q.Seed, q.Stop, q.Stream, q.TruncatePromptTokens, q.GuidedRegex, q.GuidedChoice}, k)
	if err != nil {
		return nil, err
	}
	text, err := RenderChat(q.Messages)
	if err != nil {
		return nil, err
	}
	ids, err := s.textIDs(text, p.trunc, "messages")
	if err != nil {
		return nil, err
	}
	if err := s.checkContext(ids, "messages"); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	gens, err := s.generate(ids, p)
	if err != nil {
		return nil, err
	}
	resp := &ChatResponse{ID: fmt.Sprintf("chatcmpl-%d", s.count.Load()), Object: "chat.completion", Created: time.Now().Unix(),
		Model: s.Name, PromptTokenIDs: ids, Usage: map[string]int{"prompt_tokens": len(ids)}}
	for i, g := range gens {
		ch := ChatChoice{Index: i, Message: Message{Role: "assistant", Content: g.text}, FinishReason: g.finish, TokenIDs: g.ids}
		if k >= 0 {
			ch.Logprobs = &ChatLogprobs{Content: []ChatToken{}}
			for j, id := range g.ids {
				ct := ChatToken{ChatTop: s.chatTop(tokLP{id, g.lps[j]}), TopLogprobs: []ChatTop{}}
				for _, t := range g.tops[j] {
					ct.TopLogprobs = append(ct.TopLogprobs, s.chatTop(t))
				}
				ch.Logprobs.Content = append(ch.Logprobs.Content, ct)
			}
		}
		resp.Choices = append(resp.Choices, ch)
		resp.Usage["completion_tokens"] += len(g.ids)
	}
	resp.Usage["total_tokens"] = resp.Usage["prompt_tokens"] + resp.Usage["completion_tokens"]
	return resp, nil
}

// Tokenize returns a text's token ids (with the start token unless
// add_special_tokens is false).
func (s *Server) Tokenize(q TokenizeRequest) (*TokenizeResponse, error) {
	if q.Model != "" && q.Model != s.Name {
		return nil, fmt.Errorf("field model: %q is not served (this server has %q)", q.Model, s.Name)
	}
	ids, err := s.textIDs(q.Prompt, -1, "prompt")
	if err != nil {
		return nil, err
	}
	if q.AddSpecialTokens != nil && !*q.AddSpecialTokens {
		ids = ids[1:]
	}
	return &TokenizeResponse{Tokens: ids, Count: len(ids), MaxModelLen: s.model.Cfg.MaxT}, nil
}

func (s *Server) name(t tokLP) string {
	if t.id == lm.EOS {
		return "<|endoftext|>"
	}
	return s.voc.Token(t.id)
}

func (s *Server) chatTop(t tokLP) ChatTop {
	name := s.name(t)
	b := make([]int, len(name))
	for i := range len(name) {
		b[i] = int(name[i])
	}
	return ChatTop{Token: name, Logprob: t.lp, Bytes: b}
}

type tokLP struct {
	id int
	lp float64
}

// gen is one sampled completion.
type gen struct {
	ids    []int
	lps    []float64
	tops   [][]tokLP
	text   string
	finish string
}

// generate draws p.n completions of the prompt ids, in turn from p.rng.
func (s *Server) generate(ids []int, p *params) ([]gen, error) {
	base := s.model.NewCache()
	lp0, err := base.Feed(ids)
	if err != nil {
		return nil, err
	}
	out := make([]gen, p.n)
	for i := range out {
		if out[i], err = s.sample(base.Clone(), lp0, p); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func (s *Server) sample(c *lm.Cache, lp []float64, p *params) (gen, error) {
	g := gen{finish: "length", ids: []int{}, lps: []float64{}}
	var text strings.Builder
	var gs gstate
	if p.guide != nil {
		gs = p.guide.start()
	}
	masked := make([]float64, len(lp))
	// the context holds MaxT tokens: a token is drawn only while the cache
	// has room for it (the lab's own lm.Cache.Continue stops there too)
	for len(g.ids) < p.maxTok && c.Len() < s.model.Cfg.MaxT {
		draw := lp
		var next []gstate
		if p.guide != nil {
			// only the tokens after which the expression can still match;
			// end-of-sequence only where it matches
			next = make([]gstate, len(lp))
			any := false
			for id := range lp {
				ok := false
				if id == lm.EOS {
					ok = p.guide.accepts(gs)
				} else if next[id] = p.guide.step(gs, rune(s.voc.Token(id)[0])); next[id] != nil {
					ok = true
				}
				masked[id] = math.Inf(-1)
				if ok {
					masked[id], any = lp[id], true
				}
			}
			if !any {
				return gen{}, errors.New("guided decoding: no token can continue the expression")
			}
			draw = masked
		}
		tk := lm.Draw(draw, p.temp, p.rng)
		if tk == lm.EOS {
			g.finish = "stop"
			break
		}
		if p.guide != nil {
			gs = next[tk]
		}
		g.ids = append(g.ids, tk)
		g.lps = append(g.lps, lp[tk])
		if p.k >= 0 {
			g.tops = append(g.tops, top(lp, p.k))
		}
		text.WriteString(s.voc.Token(tk))
		if hit := stopAt(text.String(), p.stops); hit >= 0 {
			g.finish = "stop"
			t := text.String()[:hit]
			// drop the tokens that form the stop string (one char per token)
			g.ids, g.lps = g.ids[:len(t)], g.lps[:len(t)]
			if g.tops != nil {
				g.tops = g.tops[:len(t)]
			}
			text.Reset()
			text.WriteString(t)
			break
		}
		if c.Len() >= s.model.Cfg.MaxT {
			break // the context is full: finish_reason "length"
		}
		var err error
		if lp, err = c.Step(tk); err != nil {
			return gen{}, err
		}
	}
	g.text = text.String()
	return g, nil
}

func stopAt(s string, stops []string) int {
	best := -1
	for _, st := range stops {
		if st == "" {
			continue
		}
		if i := strings.Index(s, st); i >= 0 && (best < 0 || i < best) {
			best = i
		}
	}
	return best
}

// top returns the k most likely tokens' log-probs, most likely first
// (ties: lower id first).
func top(lp []float64, k int) []tokLP {
	idx := make([]int, len(lp))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool { return lp[idx[a]] > lp[idx[b]] })
	out := make([]tokLP, 0, k)
	for _, i := range idx[:min(k, len(idx))] {
		out = append(out, tokLP{i, lp[i]})
	}
	return out
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(v)
}

func writeErr(w http.ResponseWriter, code int, msg string) {
	writeJSON(w, code, map[string]any{"error": map[string]any{"message": msg, "type": "invalid_request_error", "code": code}})
}
