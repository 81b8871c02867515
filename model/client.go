package model

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
)

// Config says where the model is and how to talk to it.
type Config struct {
	// BaseURL is the server's API root, e.g. http://127.0.0.1:8000/v1
	// (a root without /v1 gets it appended). Default: $OPENAI_BASE_URL.
	BaseURL string
	// Model is the model name sent with every request (may be empty for
	// servers that serve one model).
	Model string
	// APIKey is sent as a bearer token. Default: $OPENAI_API_KEY.
	APIKey string
	// Concurrency bounds the requests in flight (default 8).
	Concurrency int
	// Retries is the number of retries after a failed attempt (default 5).
	Retries int
	// Backoff is the first retry's wait, doubled each retry up to
	// MaxBackoff (defaults 500 ms and 30 s). A Retry-After header overrides
	// it (capped at MaxBackoff).
	Backoff, MaxBackoff time.Duration
	// Timeout bounds one attempt (default 120 s).
	Timeout time.Duration
	// CacheDir, when set, keeps every successful response on disk.
	CacheDir string
	// HTTP is the transport (default a fresh http.Client).
	HTTP *http.Client
}

// FromEnv fills the empty BaseURL and APIKey from OPENAI_BASE_URL and
// OPENAI_API_KEY.
func (c Config) FromEnv() Config {
	if c.BaseURL == "" {
		c.BaseURL = os.Getenv("OPENAI_BASE_URL")
	}
	if c.APIKey == "" {
		c.APIKey = os.Getenv("OPENAI_API_KEY")
	}
	return c
}

// Stats are a client's running counts.
type Stats struct {
	Requests, CacheHits, Retries, Failures int64
	PromptTokens, CompletionTokens         int64
}

// Client talks to one endpoint. It is safe for concurrent use.
type Client struct {
	cfg  Config
	base string
	sem  chan struct{}
	st   struct {
		req, hit, retry, fail, pt, ct atomic.Int64
	}
	sleep func(context.Context, time.Duration) error
}

// New returns a client for cfg (after FromEnv).
func New(cfg Config) (*Client, error) {
	cfg = cfg.FromEnv()
	if cfg.BaseURL == "" {
		return nil, errors.New("model: no endpoint: give --endpoint or set OPENAI_BASE_URL")
	}
	base := strings.TrimRight(cfg.BaseURL, "/")
	if !strings.HasSuffix(base, "/v1") {
		base += "/v1"
	}
	if cfg.Concurrency <= 0 {
		cfg.Concurrency = 8
	}
	if cfg.Retries < 0 {
		cfg.Retries = 0
	} else if cfg.Retries == 0 {
		cfg.Retries = 5
	}
	if cfg.Backoff <= 0 {
		cfg.Backoff = 500 * time.Millisecond
	}
	if cfg.MaxBackoff <= 0 {
		cfg.MaxBackoff = 30 * time.Second
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 120 * time.Second
	}
	if cfg.HTTP == nil {
		cfg.HTTP = &http.Client{}
	}
	return &Client{cfg: cfg, base: base, sem: make(chan struct{}, cfg.Concurrency), sleep: sleepCtx}, nil
}

// Model is the configured model name.
func (c *Client) Model() string { return c.cfg.Model }

// Stats returns the counts so far.
func (c *Client) Stats() Stats {
	return Stats{Requests: c.st.req.Load(), CacheHits: c.st.hit.Load(), Retries: c.st.retry.Load(), Failures: c.st.fail.Load(),
		PromptTokens: c.st.pt.Load(), CompletionTokens: c.st.ct.Load()}
}

func (s Stats) String() string {
	return fmt.Sprintf("%d requests (%d from the cache, %d retries, %d failed), %d prompt and %d completion tokens",
		s.Requests, s.CacheHits, s.Retries, s.Failures, s.PromptTokens, s.CompletionTokens)
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// HTTPError is a non-2xx answer.
type HTTPError struct {
	Status  int
	Message string
	Body    string
}

func (e *HTTPError) Error() string {
	if e.Message != "" {
		return fmt.Sprintf("model: HTTP %d: %s", e.Status, e.Message)
	}
	return fmt.Sprintf("model: HTTP %d: %.200s", e.Status, e.Body)
}

// rootPath marks a path relative to the server's root instead of /v1.
const rootPath = "root:"

func retryable(status int) bool { return status == 429 || status >= 500 }

// CacheKey is the cache's key of a request: SHA-256 over the endpoint, the
// path, the model and the request JSON.
func (c *Client) CacheKey(path string, body []byte) string {
	h := sha256.New()
	for _, s := range []string{c.base, path, c.cfg.Model} {
		h.Write([]byte(s))
		h.Write([]byte{0})
	}
	h.Write(body)
	return hex.EncodeToString(h.Sum(nil))
}

func (c *Client) cachePath(key string) string {
	return filepath.Join(c.cfg.CacheDir, key[:2], key+".json")
}

// post sends body to path and returns the raw (non-streamed) or assembled
// (streamed) response, from the cache when it holds it. decode turns the
// raw bytes into the result and reports a malformed answer (retried).
func (c *Client) post(ctx context.Context, path string, body []byte, stream bool, decode func([]byte) error) error {
	c.st.req.Add(1)
	key := c.CacheKey(path, body)
	if c.cfg.CacheDir != "" {
		if b, err := os.ReadFile(c.cachePath(key)); err == nil {
			if err := decode(b); err == nil {
				c.st.hit.Add(1)
				return nil
			}
		}
	}
	select {
	case c.sem <- struct{}{}:
	case <-ctx.Done():
		return ctx.Err()
	}
	defer func() { <-c.sem }()
	wait := c.cfg.Backoff
	var last error
	for attempt := 0; ; attempt++ {
		raw, retryAfter, err := c.once(ctx, path, body, stream)
		if err == nil {
			if err = decode(raw); err == nil {
				if c.cfg.CacheDir != "" {
					if werr := writeAtomic(c.cachePath(key), raw); werr != nil {
						return fmt.Errorf("model: cache: %w", werr)
					}
				}
				return nil
			}
			err = fmt.Errorf("model: %s: malformed response: %w", path, err)
		}
		last = err
		var he *HTTPError
		if errors.As(err, &he) && !retryable(he.Status) {
			c.st.fail.Add(1)
			return err
		}
		if ctx.Err() != nil {
			c.st.fail.Add(1)
			return ctx.Err()
		}
		if attempt >= c.cfg.Retries {
			c.st.fail.Add(1)
			return fmt.Errorf("%w (after %d attempts)", last, attempt+1)
		}
		d := wait
		if retryAfter > 0 {
			d = retryAfter
		}
		d = min(d, c.cfg.MaxBackoff)
		c.st.retry.Add(1)
		if err := c.sleep(ctx, d); err != nil {
			c.st.fail.Add(1)
			return err
		}
		wait = min(2*wait, c.cfg.MaxBackoff)
	}
}

// once makes one attempt; for a stream it assembles the SSE events into one
// JSON array of chunks.
func (c *Client) once(ctx context.Context, path string, body []byte, stream bool) ([]byte, time.Duration, error) {
	ctx, cancel := context.WithTimeout(ctx, c.cfg.Timeout)
	defer cancel()
	url := c.base + path
	if p, ok := strings.CutPrefix(path, rootPath); ok { // outside /v1 (vLLM's /tokenize)
		url = strings.TrimSuffix(c.base, "/v1") + p
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return nil, 0, err
	}
	req.Header.Set("Content-Type", "application/json")
	if c.cfg.APIKey != "" {
		req.Header.Set("Authorization", "Bearer "+c.cfg.APIKey)
	}
	resp, err := c.cfg.HTTP.Do(req)
	if err != nil {
		return nil, 0, fmt.Errorf("model: %s: %w", path, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<16))
		he := &HTTPError{Status: resp.StatusCode, Body: string(b)}
		var e struct {
			Error json.RawMessage `json:"error"`
		}
		if json.Unmarshal(b, &e) == nil && len(e.Error) > 0 {
			var m struct {
				Message string `json:"message"`
			}
			if json.Unmarshal(e.Error, &m) == nil && m.Message != "" {
				he.Message = m.Message
			} else {
				var s string
				if json.Unmarshal(e.Error, &s) == nil {
					he.Message = s
				}
			}
		}
		return nil, retryAfter(resp.Header.Get("Retry-After")), he
	}
	if stream {
		raw, err := readSSE(resp.Body)
		if err != nil {
			return nil, 0, fmt.Errorf("model: %s: stream: %w", path, err)
		}
		return raw, 0, nil
	}
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, 0, fmt.Errorf("model: %s: reading the body: %w", path, err)
	}
	return b, 0, nil
}

// retryAfter parses a Retry-After header: seconds or an HTTP date.
func retryAfter(h string) time.Duration {
	h = strings.TrimSpace(h)
	if h == "" {
		return 0
	}
	if s, err := strconv.ParseFloat(h, 64); err == nil && s >= 0 && !math.IsInf(s, 0) {
		return time.Duration(s * float64(time.Second))
	}
	if t, err := http.ParseTime(h); err == nil {
		if d := time.Until(t); d > 0 {
			return d
		}
	}
	return 0
}

func writeAtomic(path string, b []byte) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	f, err := os.CreateTemp(filepath.Dir(path), ".tmp-*")
	if err != nil {
		return err
	}
	if _, err := f.Write(b); err != nil {
		f.Close()
		os.Remove(f.Name())
		return err
	}
	if err := f.Close(); err != nil {
		os.Remove(f.Name())
		return err
	}
	return os.Rename(f.Name(), path)
}
