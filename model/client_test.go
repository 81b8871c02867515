package model

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// Response bodies below follow the shapes documented by OpenAI's API
// reference (legacy completions, chat completions, streaming chunks) and
// vLLM's OpenAI-compatible server (return_tokens_as_token_ids, token_ids).

const openaiCompletion = `{"id":"cmpl-1","object":"text_completion","created":1,"model":"m",
 "choices":[{"text":" 4","index":0,"logprobs":{"tokens":[" ","4"],"token_logprobs":[-0.5,-0.25],
   "top_logprobs":[{" ":-0.5,"x":-1.2},{"4":-0.25,"5":-2}],"text_offset":[3,4]},"finish_reason":"stop"}],
 "usage":{"prompt_tokens":3,"completion_tokens":2,"total_tokens":5}}`

const vllmTokenIDs = `{"id":"cmpl-2","object":"text_completion","model":"m",
 "choices":[{"index":0,"text":"ab","logprobs":{"tokens":["token_id:10","token_id:11"],"token_logprobs":[-1,-2],"top_logprobs":null,"text_offset":[0,1]},"finish_reason":"length"},
            {"index":1,"text":"c","logprobs":{"tokens":["token_id:12"],"token_logprobs":[-3],"top_logprobs":null,"text_offset":[0]},"finish_reason":"stop"}],
 "usage":{"prompt_tokens":2,"completion_tokens":3}}`

const chatCompletion = `{"id":"chatcmpl-1","object":"chat.completion","model":"m",
 "choices":[{"index":0,"message":{"role":"assistant","content":"Yes."},"logprobs":{"content":[
   {"token":"Yes","logprob":-0.1,"bytes":[89,101,115],"top_logprobs":[{"token":"Yes","logprob":-0.1},{"token":"No","logprob":-2.4}]},
   {"token":".","logprob":-0.01,"bytes":[46],"top_logprobs":[]}]},"finish_reason":"stop"}],
 "usage":{"prompt_tokens":9,"completion_tokens":2,"total_tokens":11}}`

func serve(t *testing.T, h http.HandlerFunc) (*httptest.Server, *Client) {
	t.Helper()
	s := httptest.NewServer(h)
	t.Cleanup(s.Close)
	c, err := New(Config{BaseURL: s.URL, Model: "m", Retries: 3, Backoff: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	return s, c
}

func TestCompletionOpenAIShape(t *testing.T) {
	var got string
	_, c := serve(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/v1/completions" || r.Header.Get("Authorization") != "Bearer k" {
			http.Error(w, "bad path or key "+r.URL.Path, 400)
			return
		}
		b := make([]byte, 1000)
		n, _ := r.Body.Read(b)
		got = string(b[:n])
		fmt.Fprint(w, openaiCompletion)
	})
	c.cfg.APIKey = "k"
	r, err := c.Complete(context.Background(), CompletionRequest{Prompt: "2+2=", MaxTokens: 4, N: 1, Logprobs: I(2), Temperature: F(0)})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(got, `"prompt":"2+2="`) || !strings.Contains(got, `"model":"m"`) || !strings.Contains(got, `"logprobs":2`) {
		t.Errorf("request body %s", got)
	}
	ch := r.Choices[0]
	if ch.Text != " 4" || ch.FinishReason != "stop" || len(ch.LogProbs) != 2 || ch.LogProbs[1] != -0.25 || ch.TopLogProbs[1]["5"] != -2 || ch.TextOffset[1] != 4 {
		t.Errorf("choice %+v", ch)
	}
	if ch.TokenIDs != nil {
		t.Errorf("OpenAI gives no token ids, got %v", ch.TokenIDs)
	}
	if st := c.Stats(); st.Requests != 1 || st.PromptTokens != 3 || st.CompletionTokens != 2 {
		t.Errorf("stats %+v", st)
	}
}

func TestVLLMTokenIDs(t *testing.T) {
	_, c := serve(t, func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, vllmTokenIDs) })
	r, err := c.Complete(context.Background(), CompletionRequest{Prompt: []int{1, 2}, N: 2, Logprobs: I(0),
		Extra: map[string]any{"return_tokens_as_token_ids": true}})
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Choices) != 2 || fmt.Sprint(r.Choices[0].TokenIDs) != "[10 11]" || fmt.Sprint(r.Choices[1].TokenIDs) != "[12]" {
		t.Errorf("choices %+v", r.Choices)
	}
}

func TestLlamaCppTokensAndChat(t *testing.T) {
	_, c := serve(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/v1/chat/completions" {
			fmt.Fprint(w, chatCompletion)
			return
		}
		fmt.Fprint(w, `{"choices":[{"index":0,"text":"hi","tokens":[5,6],"finish_reason":"stop"}]}`)
	})
	r, err := c.Complete(context.Background(), CompletionRequest{Prompt: "x"})
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(r.Choices[0].TokenIDs) != "[5 6]" || r.CompTokens != 2 {
		t.Errorf("llama.cpp tokens: %+v", r)
	}
	cr, err := c.Chat(context.Background(), ChatRequest{Messages: []Message{{Role: "user", Content: "ok?"}}, TopLogprobs: 2})
	if err != nil {
		t.Fatal(err)
	}
	ch := cr.Choices[0]
	if ch.Text != "Yes." || ch.LogProbs[0] != -0.1 || ch.TopLogProbs[0]["No"] != -2.4 || cr.PromptTokens != 9 {
		t.Errorf("chat %+v", ch)
	}
}

func sse(w http.ResponseWriter, events []string, done bool) {
	w.Header().Set("Content-Type", "text/event-stream")
	for _, e := range events {
		fmt.Fprintf(w, "data: %s\n\n", e)
	}
	if done {
		fmt.Fprint(w, "data: [DONE]\n\n")
	}
}

func TestStreaming(t *testing.T) {
	_, c := serve(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/v1/chat/completions" {
			sse(w, []string{
				`{"id":"c","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"role":"assistant","content":""},"finish_reason":null}]}`,
				`{"id":"c","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"content":"Hel"},"logprobs":{"content":[{"token":"Hel","logprob":-0.5,"top_logprobs":[]}]},"finish_reason":null}]}`,
				`{"id":"c","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"content":"lo"},"logprobs":{"content":[{"token":"lo","logprob":-0.25,"top_logprobs":[]}]},"finish_reason":"stop"}]}`,
				`{"id":"c","object":"chat.completion.chunk","choices":[],"usage":{"prompt_tokens":4,"completion_tokens":2}}`,
			}, true)
			return
		}
		sse(w, []string{
			`{"id":"s","object":"text_completion","choices":[{"index":0,"text":"a","logprobs":{"tokens":["token_id:7"],"token_logprobs":[-1],"top_logprobs":null,"text_offset":[0]},"finish_reason":null}]}`,
			`{"id":"s","object":"text_completion","choices":[{"index":1,"text":"x","logprobs":{"tokens":["token_id:9"],"token_logprobs":[-3],"top_logprobs":null,"text_offset":[0]},"finish_reason":"stop"}]}`,
			`{"id":"s","object":"text_completion","choices":[{"index":0,"text":"b","logprobs":{"tokens":["token_id:8"],"token_logprobs":[-2],"top_logprobs":null,"text_offset":[1]},"finish_reason":"length"}]}`,
		}, true)
	})
	r, err := c.Complete(context.Background(), CompletionRequest{Prompt: "p", N: 2, Stream: true, Logprobs: I(0)})
	if err != nil {
		t.Fatal(err)
	}
	if r.Choices[0].Text != "ab" || fmt.Sprint(r.Choices[0].TokenIDs) != "[7 8]" || fmt.Sprint(r.Choices[0].LogProbs) != "[-1 -2]" ||
		r.Choices[0].FinishReason != "length" || r.Choices[1].Text != "x" || fmt.Sprint(r.Choices[0].TextOffset) != "[0 1]" {
		t.Errorf("stream completions %+v", r.Choices)
	}
	cr, err := c.Chat(context.Background(), ChatRequest{Messages: []Message{{Role: "user", Content: "hi"}}, Stream: true, Logprobs: true})
	if err != nil {
		t.Fatal(err)
	}
	if cr.Choices[0].Text != "Hello" || fmt.Sprint(cr.Choices[0].LogProbs) != "[-0.5 -0.25]" || cr.CompTokens != 2 || cr.Choices[0].FinishReason != "stop" {
		t.Errorf("stream chat %+v", cr)
	}
}

func TestRetryAfter429And5xx(t *testing.T) {
	var calls atomic.Int32
	_, c := serve(t, func(w http.ResponseWriter, r *http.Request) {
		switch calls.Add(1) {
		case 1:
			w.Header().Set("Retry-After", "2")
			http.Error(w, `{"error":{"message":"rate limited"}}`, http.StatusTooManyRequests)
		case 2:
			http.Error(w, "overloaded", http.StatusServiceUnavailable)
		default:
			fmt.Fprint(w, openaiCompletion)
		}
	})
	var slept []time.Duration
	c.sleep = func(_ context.Context, d time.Duration) error { slept = append(slept, d); return nil }
	c.cfg.MaxBackoff = time.Minute
	if _, err := c.Complete(context.Background(), CompletionRequest{Prompt: "x"}); err != nil {
		t.Fatal(err)
	}
	// the 429's Retry-After (2 s) wins; the 503 then waits the backoff,
	// doubled once (1 ms → 2 ms)
	if len(slept) != 2 || slept[0] != 2*time.Second || slept[1] != 2*time.Millisecond {
		t.Errorf("slept %v", slept)
	}
	if st := c.Stats(); st.Retries != 2 || st.Failures != 0 {
		t.Errorf("stats %+v", st)
	}
}

func TestErrorsNotRetried(t *testing.T) {
	var calls atomic.Int32
	_, c := serve(t, func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		w.WriteHeader(400)
		fmt.Fprint(w, `{"error":{"message":"field n: 0 (want 1..128)","type":"invalid_request_error"}}`)
	})
	_, err := c.Complete(context.Background(), CompletionRequest{Prompt: "x"})
	if err == nil || !strings.Contains(err.Error(), "HTTP 400: field n: 0") || calls.Load() != 1 {
		t.Errorf("err %v after %d calls", err, calls.Load())
	}
}

func TestMalformedAndTruncated(t *testing.T) {
	for name, h := range map[string]http.HandlerFunc{
		"malformed JSON": func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, `{"choices":[{"text":"a"`) },
		"no choices":     func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, `{"id":"x","choices":[]}`) },
		"truncated body": func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Length", "500")
			fmt.Fprint(w, openaiCompletion[:40])
		},
		"truncated stream": func(w http.ResponseWriter, r *http.Request) {
			sse(w, []string{`{"choices":[{"index":0,"text":"a"}]}`}, false)
		},
		"mismatched logprobs": func(w http.ResponseWriter, r *http.Request) {
			fmt.Fprint(w, `{"choices":[{"index":0,"text":"a","logprobs":{"tokens":["a","b"],"token_logprobs":[-1]}}]}`)
		},
	} {
		var calls atomic.Int32
		_, c := serve(t, func(w http.ResponseWriter, r *http.Request) { calls.Add(1); h(w, r) })
		c.sleep = func(context.Context, time.Duration) error { return nil }
		_, err := c.Complete(context.Background(), CompletionRequest{Prompt: "x", Stream: name == "truncated stream"})
		if err == nil || calls.Load() != 4 || c.Stats().Failures != 1 {
			t.Errorf("%s: err %v after %d calls (want an error after 1 + 3 retries)", name, err, calls.Load())
		}
	}
}

func TestCacheRerunCostsNothing(t *testing.T) {
	var calls atomic.Int32
	s, _ := serve(t, func(w http.ResponseWriter, r *http.Request) { calls.Add(1); fmt.Fprint(w, vllmTokenIDs) })
	dir := t.TempDir()
	mk := func() *Client {
		c, err := New(Config{BaseURL: s.URL + "/v1", Model: "m", CacheDir: dir})
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	q := CompletionRequest{Prompt: "p", N: 2, Seed: U(3)}
	a, err := mk().Complete(context.Background(), q)
	if err != nil {
		t.Fatal(err)
	}
	c2 := mk()
	b, err := c2.Complete(context.Background(), q)
	if err != nil {
		t.Fatal(err)
	}
	if calls.Load() != 1 || c2.Stats().CacheHits != 1 || fmt.Sprint(a) != fmt.Sprint(b) {
		t.Errorf("%d server calls, stats %+v", calls.Load(), c2.Stats())
	}
	q.Seed = U(4) // another request is another key
	if _, err := c2.Complete(context.Background(), q); err != nil || calls.Load() != 2 {
		t.Errorf("a new request must reach the server: %v, %d calls", err, calls.Load())
	}
}

func TestConcurrencyBound(t *testing.T) {
	var in, peak atomic.Int32
	_, c := serve(t, func(w http.ResponseWriter, r *http.Request) {
		n := in.Add(1)
		for {
			p := peak.Load()
			if n <= p || peak.CompareAndSwap(p, n) {
				break
			}
		}
		time.Sleep(20 * time.Millisecond)
		in.Add(-1)
		fmt.Fprint(w, openaiCompletion)
	})
	c.sem = make(chan struct{}, 2)
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			if _, err := c.Complete(context.Background(), CompletionRequest{Prompt: "x"}); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if peak.Load() != 2 {
		t.Errorf("peak concurrency %d, want 2", peak.Load())
	}
}

func TestRetryAfterParse(t *testing.T) {
	if d := retryAfter("1.5"); d != 1500*time.Millisecond {
		t.Error(d)
	}
	if d := retryAfter(time.Now().Add(time.Hour).UTC().Format(http.TimeFormat)); d < 59*time.Minute {
		t.Error(d)
	}
	if d := retryAfter("soon"); d != 0 {
		t.Error(d)
	}
}

func TestEnv(t *testing.T) {
	t.Setenv("OPENAI_BASE_URL", "http://h:1")
	t.Setenv("OPENAI_API_KEY", "sk")
	c, err := New(Config{})
	if err != nil || c.base != "http://h:1/v1" || c.cfg.APIKey != "sk" {
		t.Errorf("%v %+v", err, c)
	}
	t.Setenv("OPENAI_BASE_URL", "")
	if _, err := New(Config{}); err == nil || !strings.Contains(err.Error(), "OPENAI_BASE_URL") {
		t.Error(err)
	}
}

func TestEmptyCompletionHasEmptyIDs(t *testing.T) {
	_, c := serve(t, func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `{"choices":[{"index":0,"text":"","token_ids":[],"logprobs":{"tokens":[],"token_logprobs":[]},"finish_reason":"stop"}]}`)
	})
	r, err := c.Complete(context.Background(), CompletionRequest{Prompt: []int{1}})
	if err != nil || r.Choices[0].TokenIDs == nil || len(r.Choices[0].TokenIDs) != 0 {
		t.Fatalf("%v %#v", err, r)
	}
}

// An echo answer in OpenAI's legacy layout: the prompt's tokens first (the
// first without a log-prob), then the one generated token.
const echoCompletion = `{"id":"cmpl-e","object":"text_completion","model":"m",
 "choices":[{"index":0,"text":"The cat sat","logprobs":{"tokens":["The"," cat"," sat"],"token_logprobs":[null,-3.5,-1.25],
   "top_logprobs":[null,{" cat":-3.5},{" sat":-1.25}],"text_offset":[0,3,7]},"finish_reason":"length"}],
 "usage":{"prompt_tokens":2,"completion_tokens":1,"total_tokens":3}}`

func TestScorePrompt(t *testing.T) {
	var body string
	_, c := serve(t, func(w http.ResponseWriter, r *http.Request) {
		b := make([]byte, 1000)
		n, _ := r.Body.Read(b)
		body = string(b[:n])
		fmt.Fprint(w, echoCompletion)
	})
	s, err := c.ScorePrompt(context.Background(), "The cat")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(body, `"echo":true`) || fmt.Sprint(s.Tokens) != "[The  cat]" || fmt.Sprint(s.LogProbs) != "[-3.5]" {
		t.Fatalf("body %s, score %+v", body, s)
	}
	// a server that ignores echo: the first token has a log-prob
	_, c2 := serve(t, func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, openaiCompletion) })
	if _, err := c2.ScorePrompt(context.Background(), "x"); err == nil || !strings.Contains(err.Error(), "echo") {
		t.Fatalf("%v", err)
	}
}

// TestTokenize: vLLM's /tokenize at the server's root (not under /v1),
// without special tokens; the answer is cached.
func TestTokenize(t *testing.T) {
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		var q map[string]any
		_ = json.NewDecoder(r.Body).Decode(&q)
		if r.URL.Path != "/tokenize" || q["prompt"] != "ab" || q["add_special_tokens"] != false || q["model"] != "m" {
			w.WriteHeader(400)
			fmt.Fprintf(w, `{"error":{"message":"path %s body %v"}}`, r.URL.Path, q)
			return
		}
		fmt.Fprint(w, `{"tokens":[7,8],"count":2,"max_model_len":64}`)
	}))
	defer srv.Close()
	dir := t.TempDir()
	for range 2 {
		c, err := New(Config{BaseURL: srv.URL + "/v1", Model: "m", CacheDir: dir})
		if err != nil {
			t.Fatal(err)
		}
		ids, err := c.Tokenize(context.Background(), "ab")
		if err != nil || fmt.Sprint(ids) != "[7 8]" {
			t.Fatalf("%v %v", ids, err)
		}
	}
	if calls.Load() != 1 {
		t.Fatalf("%d server calls, want 1 (the second from the cache)", calls.Load())
	}
}
