package lmserve

import (
	"context"
	"encoding/json"
	"math"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"github.com/credo-rl/credo/lab/lm"
	modelpkg "github.com/credo-rl/credo/model"
)

func postPath(t *testing.T, url, path, body string) (int, []byte) {
	t.Helper()
	r, err := http.Post(url+path, "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer r.Body.Close()
	var raw json.RawMessage
	if err := json.NewDecoder(r.Body).Decode(&raw); err != nil {
		t.Fatal(err)
	}
	return r.StatusCode, raw
}

// TestChatMatchesCompletion: one user message renders to its own text, so
// chat and completions with the same seed draw the same tokens; the chat
// layout's log-probs are the model's own (checked against a forward pass).
func TestChatMatchesCompletion(t *testing.T) {
	m := model(t)
	srv := httptest.NewServer(New("lab-lm", m))
	defer srv.Close()
	code, raw := postPath(t, srv.URL, "/v1/completions", `{"prompt":"v1 = \n","max_tokens":10,"n":3,"seed":5,"logprobs":2}`)
	if code != 200 {
		t.Fatalf("%d %s", code, raw)
	}
	var cr Response
	if err := json.Unmarshal(raw, &cr); err != nil {
		t.Fatal(err)
	}
	code, raw = postPath(t, srv.URL, "/v1/chat/completions", `{"messages":[{"role":"user","content":"v1 = \n"}],"max_tokens":10,"n":3,"seed":5,"logprobs":true,"top_logprobs":2}`)
	if code != 200 {
		t.Fatalf("%d %s", code, raw)
	}
	var ch ChatResponse
	if err := json.Unmarshal(raw, &ch); err != nil {
		t.Fatal(err)
	}
	if ch.Object != "chat.completion" || len(ch.Choices) != 3 {
		t.Fatalf("object %q, %d choices", ch.Object, len(ch.Choices))
	}
	var voc lm.Vocab
	enc, _ := voc.Encode("v1 = \n")
	prompt := append([]int{lm.EOS}, enc...)
	if len(ch.PromptTokenIDs) != len(prompt) {
		t.Fatalf("prompt ids %v, want %v", ch.PromptTokenIDs, prompt)
	}
	for i, c := range ch.Choices {
		want := cr.Choices[i]
		if c.Message.Role != "assistant" || c.Message.Content != want.Text || c.FinishReason != want.FinishReason {
			t.Fatalf("choice %d: chat %+v, completion %q %s", i, c.Message, want.Text, want.FinishReason)
		}
		if len(c.TokenIDs) != len(want.TokenIDs) || len(c.Logprobs.Content) != len(c.TokenIDs) {
			t.Fatalf("choice %d: %d ids, %d log-probs, completion %d ids", i, len(c.TokenIDs), len(c.Logprobs.Content), len(want.TokenIDs))
		}
		if len(c.TokenIDs) == 0 {
			continue
		}
		st, err := m.Score(append(append([]int{}, prompt...), c.TokenIDs...), len(prompt))
		if err != nil {
			t.Fatal(err)
		}
		for j, tk := range c.Logprobs.Content {
			if tk.Token != voc.Token(c.TokenIDs[j]) || math.Abs(tk.Logprob-st.LogProb[j]) > 1e-9 {
				t.Errorf("choice %d token %d: %q %v, model %q %v", i, j, tk.Token, tk.Logprob, voc.Token(c.TokenIDs[j]), st.LogProb[j])
			}
			if len(tk.TopLogprobs) != 2 || tk.TopLogprobs[0].Logprob < tk.TopLogprobs[1].Logprob || tk.Bytes[0] != int(tk.Token[0]) {
				t.Errorf("choice %d token %d: top %+v", i, j, tk.TopLogprobs)
			}
		}
	}
}

func TestRenderChat(t *testing.T) {
	got, err := RenderChat([]Message{{"system", "Be brief."}, {"user", "2+2?\n"}, {"assistant", "4"}})
	if err != nil || got != "Be brief.\n2+2?\n4\n" {
		t.Fatalf("%q %v", got, err)
	}
	if _, err := RenderChat([]Message{{"tool", "x"}}); err == nil || !strings.Contains(err.Error(), "messages[0].role") {
		t.Fatalf("role tool: %v", err)
	}
}

// TestGuided: every sample of a guided request matches the expression (or
// is one of the choices), at any temperature, and ends with a stop.
func TestGuided(t *testing.T) {
	s := New("lab-lm", model(t))
	for _, tc := range []struct {
		body string
		re   string
	}{
		{`{"messages":[{"role":"user","content":"x"}],"guided_regex":"ANSWER: (YES|NO)","n":20,"seed":1,"max_tokens":20}`, `^ANSWER: (YES|NO)$`},
		{`{"messages":[{"role":"user","content":"x"}],"guided_regex":"WRONG STEPS: (none|[1-3](, [1-3]){0,2})","n":20,"seed":2,"max_tokens":30,"temperature":2}`, `^WRONG STEPS: (none|[1-3](, [1-3]){0,2})$`},
		{`{"messages":[{"role":"user","content":"x"}],"guided_choice":["a.b","c"],"n":20,"seed":3,"temperature":0}`, `^(a\.b|c)$`},
	} {
		var q ChatRequest
		if err := json.Unmarshal([]byte(tc.body), &q); err != nil {
			t.Fatal(err)
		}
		r, err := s.Chat(q)
		if err != nil {
			t.Fatal(err)
		}
		want := regexp.MustCompile(tc.re)
		seen := map[string]bool{}
		for _, c := range r.Choices {
			if !want.MatchString(c.Message.Content) || c.FinishReason != "stop" {
				t.Errorf("%s: %q (%s) does not match", tc.re, c.Message.Content, c.FinishReason)
			}
			seen[c.Message.Content] = true
		}
		t.Logf("%s: %d distinct answers", tc.re, len(seen))
	}
	// a budget too small to finish the expression ends with "length"
	n := 3
	r, err := s.Complete(Request{Prompt: json.RawMessage(`"x"`), GuidedRegex: "ANSWER: YES", MaxTokens: &n})
	if err != nil || r.Choices[0].Text != "ANS" || r.Choices[0].FinishReason != "length" {
		t.Fatalf("%+v %v", r, err)
	}
}

func TestGuideNFA(t *testing.T) {
	g, err := newGuide(`a(b|cd)*e?`)
	if err != nil {
		t.Fatal(err)
	}
	run := func(s string) (live, acc bool) {
		st := g.start()
		for _, r := range s {
			if st = g.step(st, r); st == nil {
				return false, false
			}
		}
		return true, g.accepts(st)
	}
	for s, want := range map[string][2]bool{"": {true, false}, "a": {true, true}, "ab": {true, true}, "ac": {true, false},
		"acd": {true, true}, "acde": {true, true}, "ae": {true, true}, "aee": {false, false}, "b": {false, false}, "abcdb": {true, true}} {
		live, acc := run(s)
		if live != want[0] || acc != want[1] {
			t.Errorf("%q: live %v accepts %v, want %v", s, live, acc, want)
		}
	}
	if _, err := newGuide(`^a$`); err == nil {
		t.Error("anchors must be refused")
	}
}

// TestTruncateAndTokenize: truncate_prompt_tokens keeps the start token and
// the last k text tokens; /tokenize returns the ids the server prompts with.
func TestTruncateAndTokenize(t *testing.T) {
	srv := httptest.NewServer(New("lab-lm", model(t)))
	defer srv.Close()
	long := strings.Repeat("ab", 40) + "xyz"
	code, raw := postPath(t, srv.URL, "/v1/chat/completions", `{"messages":[{"role":"user","content":"`+long+`"}],"max_tokens":2}`)
	if code != 400 || !strings.Contains(string(raw), "truncate_prompt_tokens") {
		t.Fatalf("%d %s", code, raw)
	}
	code, raw = postPath(t, srv.URL, "/v1/chat/completions", `{"messages":[{"role":"user","content":"`+long+`"}],"max_tokens":2,"truncate_prompt_tokens":4}`)
	if code != 200 {
		t.Fatalf("%d %s", code, raw)
	}
	var ch ChatResponse
	_ = json.Unmarshal(raw, &ch)
	var voc lm.Vocab
	want, _ := voc.Encode("xyz\n")
	if len(ch.PromptTokenIDs) != 5 || ch.PromptTokenIDs[0] != lm.EOS || voc.Decode(ch.PromptTokenIDs) != "xyz\n" || ch.PromptTokenIDs[1] != want[0] {
		t.Fatalf("prompt ids %v", ch.PromptTokenIDs)
	}
	code, raw = postPath(t, srv.URL, "/tokenize", `{"prompt":"ab\n","add_special_tokens":false}`)
	var tr TokenizeResponse
	if err := json.Unmarshal(raw, &tr); err != nil || code != 200 {
		t.Fatal(code, err)
	}
	ab, _ := voc.Encode("ab\n")
	if len(tr.Tokens) != 3 || tr.Tokens[0] != ab[0] || tr.Tokens[2] != 1 || tr.Count != 3 {
		t.Fatalf("tokenize %+v", tr)
	}
	for body, want := range map[string]string{
		`{"messages":[]}`: "field messages",
		`{"messages":[{"role":"user","content":"x"}],"guided_regex":"(a"}`:                      "field guided_regex",
		`{"messages":[{"role":"user","content":"x"}],"guided_regex":"a","guided_choice":["b"]}`: "give one",
		`{"messages":[{"role":"user","content":"x"}],"top_logprobs":2}`:                         "needs logprobs",
		`{"messages":[{"role":"user","content":"x"}],"truncate_prompt_tokens":0}`:               "truncate_prompt_tokens",
	} {
		code, raw := postPath(t, srv.URL, "/v1/chat/completions", body)
		if code != 400 || !strings.Contains(string(raw), want) {
			t.Errorf("%s: %d %s (want %q)", body, code, raw, want)
		}
	}
}

// TestChatThroughClient: credo's model client reads the chat layout the
// server writes: text, token ids, log-probs, top log-probs and the
// prompt's ids.
func TestChatThroughClient(t *testing.T) {
	s := New("lab-lm", model(t))
	srv := httptest.NewServer(s)
	defer srv.Close()
	cl, err := modelpkg.New(modelpkg.Config{BaseURL: srv.URL, Model: "lab-lm"})
	if err != nil {
		t.Fatal(err)
	}
	q := modelpkg.ChatRequest{Messages: []modelpkg.Message{{Role: "user", Content: "ab"}}, MaxTokens: 8, N: 2, Seed: modelpkg.U(3), TopLogprobs: 3}
	got, err := cl.Chat(context.Background(), q)
	if err != nil {
		t.Fatal(err)
	}
	n, k, seed := 8, 3, uint64(3)
	want, err := s.Chat(ChatRequest{Messages: []Message{{"user", "ab"}}, MaxTokens: &n, N: func() *int { x := 2; return &x }(), Seed: &seed, Logprobs: true, TopLogprobs: &k})
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Choices) != 2 || len(got.PromptTokenIDs) != len(want.PromptTokenIDs) {
		t.Fatalf("%+v", got)
	}
	for i, c := range got.Choices {
		w := want.Choices[i]
		if c.Text != w.Message.Content || len(c.TokenIDs) != len(w.TokenIDs) || len(c.LogProbs) != len(w.TokenIDs) || len(c.TopLogProbs) != len(w.TokenIDs) {
			t.Fatalf("choice %d: %+v, server %+v", i, c, w)
		}
		for j := range c.TokenIDs {
			if c.TokenIDs[j] != w.TokenIDs[j] || c.LogProbs[j] != w.Logprobs.Content[j].Logprob || len(c.TopLogProbs[j]) != 3 {
				t.Fatalf("choice %d token %d differs", i, j)
			}
		}
	}
}
