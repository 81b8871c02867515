package lmserve

import (
	"bytes"
	"encoding/json"
	"math"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/credo-rl/credo/lab/lm"
)

func model(t *testing.T) *lm.Model {
	t.Helper()
	m, err := lm.New(lm.Config{Vocab: lm.CharVocab, D: 16, Heads: 2, Layers: 2, MaxT: 48}, 11)
	if err != nil {
		t.Fatal(err)
	}
	// scale up the embedding so the distribution is far from uniform
	p := m.Params()
	for i := range p[:lm.CharVocab*16] {
		p[i] *= 60
	}
	return m
}

func post(t *testing.T, url, body string) (*http.Response, []byte) {
	t.Helper()
	r, err := http.Post(url+"/v1/completions", "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer r.Body.Close()
	var buf bytes.Buffer
	if _, err := buf.ReadFrom(r.Body); err != nil {
		t.Fatal(err)
	}
	return r, buf.Bytes()
}

// TestOpenAICompletion sends an OpenAI-style request and checks every
// returned token id and log-prob against the model's own full forward pass.
func TestOpenAICompletion(t *testing.T) {
	m := model(t)
	srv := httptest.NewServer(New("lab-lm", m))
	defer srv.Close()
	body := `{"model":"lab-lm","prompt":"v1 = ","max_tokens":12,"temperature":1.0,"n":3,"seed":42,"logprobs":3}`
	r, raw := post(t, srv.URL, body)
	if r.StatusCode != 200 {
		t.Fatalf("status %d: %s", r.StatusCode, raw)
	}
	var resp Response
	if err := json.Unmarshal(raw, &resp); err != nil {
		t.Fatal(err)
	}
	if resp.Object != "text_completion" || len(resp.Choices) != 3 {
		t.Fatalf("object %q, %d choices", resp.Object, len(resp.Choices))
	}
	var voc lm.Vocab
	prompt, _ := voc.Encode("v1 = ")
	prompt = append([]int{lm.EOS}, prompt...)
	total := 0
	for _, ch := range resp.Choices {
		if len(ch.PromptTokenIDs) != len(prompt) {
			t.Fatalf("prompt ids %v, want %v", ch.PromptTokenIDs, prompt)
		}
		if voc.Decode(ch.TokenIDs) != ch.Text {
			t.Errorf("token ids %v decode to %q, text is %q", ch.TokenIDs, voc.Decode(ch.TokenIDs), ch.Text)
		}
		n := len(ch.TokenIDs)
		total += n
		if n == 0 {
			continue
		}
		seq := append(append([]int{}, prompt...), ch.TokenIDs...)
		if ch.FinishReason == "stop" {
			seq = append(seq, lm.EOS) // the end-of-sequence token was drawn too
		}
		st, err := m.Score(seq, len(prompt))
		if err != nil {
			t.Fatal(err)
		}
		lp := ch.Logprobs
		if len(lp.TokenLogprobs) != n || len(lp.Tokens) != n || len(lp.TopLogprobs) != n {
			t.Fatalf("logprobs lengths %d %d %d for %d tokens", len(lp.TokenLogprobs), len(lp.Tokens), len(lp.TopLogprobs), n)
		}
		for j := range n {
			if d := math.Abs(lp.TokenLogprobs[j] - st.LogProb[j]); d > 1e-9 {
				t.Errorf("token %d: served log-prob %v, model %v", j, lp.TokenLogprobs[j], st.LogProb[j])
			}
			if lp.Tokens[j] != voc.Token(ch.TokenIDs[j]) || lp.TextOffset[j] != j {
				t.Errorf("token %d: %q at %d", j, lp.Tokens[j], lp.TextOffset[j])
			}
			if len(lp.TopLogprobs[j]) != 3 {
				t.Errorf("token %d: %d top log-probs", j, len(lp.TopLogprobs[j]))
			}
			// the top-3 must not be below the sampled token unless it is outside them
			minTop := math.Inf(1)
			for _, v := range lp.TopLogprobs[j] {
				minTop = math.Min(minTop, v)
			}
			if _, in := lp.TopLogprobs[j][lp.Tokens[j]]; !in && lp.TokenLogprobs[j] > minTop+1e-12 {
				t.Errorf("token %d: log-prob %v above the top-3 minimum %v but not listed", j, lp.TokenLogprobs[j], minTop)
			}
		}
		if ch.FinishReason == "stop" && len(st.LogProb) != n+1 {
			t.Errorf("stop without the EOS position")
		}
		if ch.FinishReason == "length" && n != 12 {
			t.Errorf("finish_reason length after %d tokens", n)
		}
	}
	if resp.Usage["completion_tokens"] != total || resp.Usage["prompt_tokens"] != len(prompt) {
		t.Errorf("usage %v", resp.Usage)
	}
	// the same seed gives the same completions
	_, raw2 := post(t, srv.URL, body)
	var again Response
	if err := json.Unmarshal(raw2, &again); err != nil {
		t.Fatal(err)
	}
	for i := range resp.Choices {
		if again.Choices[i].Text != resp.Choices[i].Text {
			t.Errorf("choice %d: %q then %q with the same seed", i, resp.Choices[i].Text, again.Choices[i].Text)
		}
	}
}

func TestGreedyAndStop(t *testing.T) {
	m := model(t)
	s := New("lab-lm", m)
	zero, n := 0.0, 20
	resp, err := s.Complete(Request{Prompt: json.RawMessage(`["ab"]`), Temperature: &zero, MaxTokens: &n})
	if err != nil {
		t.Fatal(err)
	}
	var voc lm.Vocab
	pr, _ := voc.Encode("ab")
	toks, _, err := m.Sample(append([]int{lm.EOS}, pr...), 20, 0, lm.EOS, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := resp.Choices[0].Text, voc.Decode(toks); got != want {
		t.Fatalf("greedy %q, model %q", got, want)
	}
	t.Logf("greedy: %q", resp.Choices[0].Text)
	if want := resp.Choices[0].Text; len(want) > 2 {
		stop := want[1:2]
		r2, err := s.Complete(Request{Prompt: json.RawMessage(`"ab"`), Temperature: &zero, MaxTokens: &n, Stop: json.RawMessage(`"` + stop + `"`)})
		if err != nil {
			t.Fatal(err)
		}
		c := r2.Choices[0]
		if c.FinishReason != "stop" || strings.Contains(c.Text, stop) || !strings.HasPrefix(want, c.Text) || len(c.TokenIDs) != len(c.Text) {
			t.Errorf("stop %q: %+v", stop, c)
		}
	}
}

func TestBadRequests(t *testing.T) {
	srv := httptest.NewServer(New("lab-lm", model(t)))
	defer srv.Close()
	for body, want := range map[string]string{
		`{"prompt":"x","n":0}`:                         "field n",
		`{"prompt":"x","max_tokens":0}`:                "field max_tokens",
		`{"prompt":"é"}`:                               "field prompt[0]",
		`{"prompt":3}`:                                 "field prompt",
		`{"prompt":"x","model":"gpt-4"}`:               "field model",
		`{"prompt":"x","temperature":-1}`:              "field temperature",
		`{"prompt":"x","stream":true}`:                 "field stream",
		`{"prompt":"x","stop":[1]}`:                    "field stop",
		`{"prompt":"x","logprobs":50}`:                 "field logprobs",
		`{"prompt":"` + strings.Repeat("a", 60) + `"}`: "context",
	} {
		r, raw := post(t, srv.URL, body)
		if r.StatusCode != 400 || !strings.Contains(string(raw), want) {
			t.Errorf("%s: status %d, %s (want 400 naming %q)", body, r.StatusCode, raw, want)
		}
	}
	r, err := http.Get(srv.URL + "/v1/models")
	if err != nil || r.StatusCode != 200 {
		t.Fatalf("models: %v %v", err, r)
	}
	r.Body.Close()
}

// TestTokenIDPrompt: a prompt of token ids is taken as is (vLLM's
// semantics), so [EOS, ids of "ab"] gives what the string "ab" gives.
func TestTokenIDPrompt(t *testing.T) {
	s := New("lab-lm", model(t))
	zero, n := 0.0, 10
	a, err := s.Complete(Request{Prompt: json.RawMessage(`"ab"`), Temperature: &zero, MaxTokens: &n})
	if err != nil {
		t.Fatal(err)
	}
	ids, _ := json.Marshal(a.Choices[0].PromptTokenIDs)
	b, err := s.Complete(Request{Prompt: ids, Temperature: &zero, MaxTokens: &n})
	if err != nil {
		t.Fatal(err)
	}
	if a.Choices[0].Text != b.Choices[0].Text || len(b.Choices[0].PromptTokenIDs) != len(a.Choices[0].PromptTokenIDs) {
		t.Fatalf("%q vs %q", a.Choices[0].Text, b.Choices[0].Text)
	}
	if _, err := s.Complete(Request{Prompt: json.RawMessage(`[1, 9999]`), MaxTokens: &n}); err == nil || !strings.Contains(err.Error(), "prompt[1]") {
		t.Fatalf("out-of-vocabulary id: %v", err)
	}
}
