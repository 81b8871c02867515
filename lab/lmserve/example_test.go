package lmserve_test

import (
	"encoding/json"
	"fmt"

	"github.com/credo-rl/credo/lab/lm"
	"github.com/credo-rl/credo/lab/lmserve"
)

func Example() {
	m, _ := lm.New(lm.Config{Vocab: lm.CharVocab, D: 16, Heads: 2, Layers: 1, MaxT: 32}, 1)
	s := lmserve.New("lab-lm", m)
	n, seed := 4, uint64(7)
	resp, _ := s.Complete(lmserve.Request{Prompt: json.RawMessage(`"2+2="`), MaxTokens: &n, Seed: &seed})
	c := resp.Choices[0]
	fmt.Println(len(c.TokenIDs) == len(c.Logprobs.TokenLogprobs), resp.Object)
	// Output: true text_completion
}

// A chat request constrained to two answers (vLLM's guided_choice).
func ExampleServer_Chat() {
	m, _ := lm.New(lm.Config{Vocab: lm.CharVocab, D: 16, Heads: 2, Layers: 1, MaxT: 64}, 1)
	s := lmserve.New("lab-lm", m)
	seed := uint64(3)
	resp, _ := s.Chat(lmserve.ChatRequest{Messages: []lmserve.Message{{Role: "user", Content: "Is 2+2=4?"}},
		GuidedChoice: []string{"YES", "NO"}, Seed: &seed})
	a := resp.Choices[0].Message.Content
	fmt.Println(a == "YES" || a == "NO", resp.Choices[0].FinishReason)
	// Output: true stop
}
