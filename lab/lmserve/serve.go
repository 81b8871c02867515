package lmserve

import (
	"encoding/json"
	"errors"
	"fmt"
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

// ServeHTTP routes /v1/completions and /v1/models.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch r.URL.Path {
	case "/v1/completions":
		if r.Method != http.MethodPost {
			writeErr(w, http.StatusMethodNotAllowed, "use POST")
			return
		}
		s.completions(w, r)
	case "/v1/models":
		writeJSON(w, http.StatusOK, map[string]any{"object": "list", "data": []map[string]any{
			{"id": s.Name, "object": "model", "owned_by": "credo-lab", "max_model_len": s.model.Cfg.MaxT}}})
	default:
		writeErr(w, http.StatusNotFound, "unknown path "+r.URL.Path+" (serving /v1/completions and /v1/models)")
	}
}

// Request is the completions request.
type Request struct {
	Model       string          `json:"model"`
	Prompt      json.RawMessage `json:"prompt"`
	MaxTokens   *int            `json:"max_tokens"`
	Temperature *float64        `json:"temperature"`
	N           *int            `json:"n"`
	Seed        *uint64         `json:"seed"`
	Logprobs    *int            `json:"logprobs"`
	Stop        json.RawMessage `json:"stop"`
	Echo        bool            `json:"echo"`
	Stream      bool            `json:"stream"`
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

func (s *Server) completions(w http.ResponseWriter, r *http.Request) {
	var q Request
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<20))
	if err := dec.Decode(&q); err != nil {
		writeErr(w, http.StatusBadRequest, "request body: "+err.Error())
		return
	}
	resp, err := s.Complete(q)
	if err != nil {
		writeErr(w, http.StatusBadRequest, err.Error())
		return
	}
	writeJSON(w, http.StatusOK, resp)
}

// Complete answers one request.
func (s *Server) Complete(q Request) (*Response, error) {
	if q.Stream {
		return nil, errors.New("field stream: streaming is not supported")
	}
	if q.Echo {
		return nil, errors.New("field echo: not supported")
	}
	if q.Model != "" && q.Model != s.Name {
		return nil, fmt.Errorf("field model: %q is not served (this server has %q)", q.Model, s.Name)
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
		prompts = []string{""}
	} else {
		idPrompt = nil // a failed decode may leave a partial slice
		var err error
		if prompts, err = stringsOf(q.Prompt, "prompt"); err != nil {
			return nil, err
		}
	}
	if len(prompts) == 0 {
		return nil, errors.New("field prompt: required")
	}
	stops, err := stringsOf(q.Stop, "stop")
	if err != nil {
		return nil, err
	}
	maxTok, temp, n, k := 16, 1.0, 1, -1
	if q.MaxTokens != nil {
		maxTok = *q.MaxTokens
	}
	if q.Temperature != nil {
		temp = *q.Temperature
	}
	if q.N != nil {
		n = *q.N
	}
	if q.Logprobs != nil {
		k = *q.Logprobs
	}
	switch {
	case maxTok < 1:
		return nil, fmt.Errorf("field max_tokens: %d (want ≥ 1)", maxTok)
	case temp < 0 || temp > 100:
		return nil, fmt.Errorf("field temperature: %v (want 0..100)", temp)
	case n < 1 || n > 128:
		return nil, fmt.Errorf("field n: %d (want 1..128)", n)
	case k > 20:
		return nil, fmt.Errorf("field logprobs: %d (want 0..20)", k)
	}
	seed := s.count.Add(1) ^ uint64(time.Now().UnixNano())
	if q.Seed != nil {
		seed = *q.Seed
	}
	rng := rand.New(rand.NewPCG(seed, 0x5e7e))
	s.mu.Lock()
	defer s.mu.Unlock()
	resp := &Response{ID: fmt.Sprintf("cmpl-%d", s.count.Load()), Object: "text_completion", Created: time.Now().Unix(),
		Model: s.Name, Usage: map[string]int{}}
	for pi, p := range prompts {
		ids := idPrompt
		if ids == nil {
			enc, err := s.voc.Encode(p)
			if err != nil {
				return nil, fmt.Errorf("field prompt[%d]: %w", pi, err)
			}
			ids = append([]int{lm.EOS}, enc...)
		}
		if len(ids) >= s.model.Cfg.MaxT {
			return nil, fmt.Errorf("field prompt[%d]: %d tokens with the start token; the context holds %d", pi, len(ids), s.model.Cfg.MaxT)
		}
		base := s.model.NewCache()
		lp0, err := base.Feed(ids)
		if err != nil {
			return nil, err
		}
		resp.Usage["prompt_tokens"] += len(ids)
		for range n {
			ch, err := s.sample(base.Clone(), lp0, maxTok, temp, k, stops, rng)
			if err != nil {
				return nil, err
			}
			ch.Index = len(resp.Choices)
			ch.PromptTokenIDs = ids
			resp.Usage["completion_tokens"] += len(ch.TokenIDs)
			resp.Choices = append(resp.Choices, *ch)
		}
	}
	resp.Usage["total_tokens"] = resp.Usage["prompt_tokens"] + resp.Usage["completion_tokens"]
	return resp, nil
}

func (s *Server) sample(c *lm.Cache, lp []float64, maxTok int, temp float64, k int, stops []string, rng *rand.Rand) (*Choice, error) {
	ch := &Choice{FinishReason: "length", TokenIDs: []int{}}
	lpr := &Logprobs{Tokens: []string{}, TokenLogprobs: []float64{}, TextOffset: []int{}}
	var text strings.Builder
	for len(ch.TokenIDs) < maxTok {
		tk := lm.Draw(lp, temp, rng)
		if tk == lm.EOS {
			ch.FinishReason = "stop"
			break
		}
		ch.TokenIDs = append(ch.TokenIDs, tk)
		lpr.TextOffset = append(lpr.TextOffset, text.Len())
		lpr.Tokens = append(lpr.Tokens, s.voc.Token(tk))
		lpr.TokenLogprobs = append(lpr.TokenLogprobs, lp[tk])
		if k >= 0 {
			lpr.TopLogprobs = append(lpr.TopLogprobs, top(lp, k, s.voc))
		}
		text.WriteString(s.voc.Token(tk))
		if hit := stopAt(text.String(), stops); hit >= 0 {
			ch.FinishReason = "stop"
			t := text.String()[:hit]
			// drop the tokens that form the stop string (one char per token)
			ch.TokenIDs = ch.TokenIDs[:len(t)]
			lpr.Tokens, lpr.TokenLogprobs, lpr.TextOffset = lpr.Tokens[:len(t)], lpr.TokenLogprobs[:len(t)], lpr.TextOffset[:len(t)]
			if lpr.TopLogprobs != nil {
				lpr.TopLogprobs = lpr.TopLogprobs[:len(t)]
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
			return nil, err
		}
	}
	ch.Text = text.String()
	ch.Logprobs = lpr
	return ch, nil
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

// top returns the k most likely tokens' log-probs (ties: lower id first);
// EOS is listed as "<|endoftext|>".
func top(lp []float64, k int, voc lm.Vocab) map[string]float64 {
	idx := make([]int, len(lp))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool { return lp[idx[a]] > lp[idx[b]] })
	out := map[string]float64{}
	for _, i := range idx[:min(k, len(idx))] {
		name := voc.Token(i)
		if i == lm.EOS {
			name = "<|endoftext|>"
		}
		out[name] = lp[i]
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
