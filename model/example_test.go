package model_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"

	"github.com/credo-rl/credo/model"
)

func Example() {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `{"choices":[{"index":0,"text":"4","token_ids":[52],"logprobs":{"tokens":["4"],"token_logprobs":[-0.1]},"finish_reason":"stop"}],"usage":{"prompt_tokens":4,"completion_tokens":1}}`)
	}))
	defer srv.Close()
	c, err := model.New(model.Config{BaseURL: srv.URL, Model: "lab"})
	if err != nil {
		panic(err)
	}
	r, err := c.Complete(context.Background(), model.CompletionRequest{Prompt: "2+2=", MaxTokens: 1, Logprobs: model.I(0)})
	if err != nil {
		panic(err)
	}
	fmt.Println(r.Choices[0].Text, r.Choices[0].TokenIDs, r.Choices[0].LogProbs)
	fmt.Println(c.Stats())
	// Output:
	// 4 [52] [-0.1]
	// 1 requests (0 from the cache, 0 retries, 0 failed), 4 prompt and 1 completion tokens
}
