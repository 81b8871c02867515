package sweep

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"sync"
	"time"

	"github.com/klauspost/compress/zstd"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// Cell is one unit of work of a sweep.
type Cell struct {
	// Key names the cell; keys are unique within a sweep and results are
	// keyed by them.
	Key string
	// Spec is what a worker needs to run the cell (opaque to the sweep).
	Spec []byte
}

// WorkFunc runs one cell on a worker and returns its result. It must
// depend on the spec only (the same spec gives the same bytes), since a
// cell may run more than once and the first stored result is kept.
type WorkFunc func(ctx context.Context, key string, spec []byte) ([]byte, error)

// Config names a sweep and its NATS server.
type Config struct {
	// URL is the NATS server (nats://HOST:PORT; several separated by
	// commas for a cluster).
	URL string
	// Name names the sweep's streams ([A-Za-z0-9_-], default "credo"):
	// several sweeps may share a server under different names.
	Name string
	// AckWait is how long a cell's delivery may go without a sign of life
	// from its worker before the server delivers it to another (default
	// 30 s). Workers report progress every AckWait/4.
	AckWait time.Duration
	// MaxDeliver bounds the deliveries of one cell (default 5); a cell
	// delivered that often without a result ends the sweep.
	MaxDeliver int
	// DupWindow is the results stream's duplicate window (default 10 min):
	// a second result of a cell stored within it is dropped by the server;
	// later ones by Run.
	DupWindow time.Duration
	// Logf, when set, receives one line per result (progress).
	Logf func(format string, args ...any)
}

// Stats describe a finished sweep.
type Stats struct {
	Cells int // cells published
	// Results counts the result messages read from the results stream,
	// duplicates included.
	Results int
	// Duplicates counts the results dropped because their cell already
	// had one.
	Duplicates int
	// Redelivered counts the cells whose kept result came from a second or
	// later delivery (their first worker died or went silent).
	Redelivered int
	// Workers counts the kept results per worker id.
	Workers map[string]int
}

// Header names of the messages.
const (
	hdrCell     = "Credo-Cell"
	hdrWorker   = "Credo-Worker"
	hdrDelivery = "Credo-Delivery"
	hdrError    = "Credo-Error"
	hdrEncoding = "Credo-Encoding"
	consumer    = "workers"
)

var nameRE = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)

func (c Config) withDefaults() (Config, error) {
	if c.URL == "" {
		return c, errors.New("sweep: no NATS URL")
	}
	if c.Name == "" {
		c.Name = "credo"
	}
	if !nameRE.MatchString(c.Name) {
		return c, fmt.Errorf("sweep name %q: want 1 to 64 of A-Z a-z 0-9 _ -", c.Name)
	}
	if c.AckWait <= 0 {
		c.AckWait = 30 * time.Second
	}
	if c.MaxDeliver <= 0 {
		c.MaxDeliver = 5
	}
	if c.DupWindow <= 0 {
		c.DupWindow = 10 * time.Minute
	}
	return c, nil
}

func (c Config) cellsStream() string   { return "SWEEP_" + c.Name + "_CELLS" }
func (c Config) resultsStream() string { return "SWEEP_" + c.Name + "_RESULTS" }
func (c Config) cellsSubject() string  { return "credo.sweep." + c.Name + ".cells" }
func (c Config) resultsSubject() string {
	return "credo.sweep." + c.Name + ".results"
}

func connect(url, name string) (*nats.Conn, jetstream.JetStream, error) {
	nc, err := nats.Connect(url, nats.Name(name), nats.MaxReconnects(-1))
	if err != nil {
		return nil, nil, fmt.Errorf("nats %s: %w", url, err)
	}
	js, err := jetstream.New(nc)
	if err != nil {
		nc.Close()
		return nil, nil, err
	}
	return nc, js, nil
}

func jsonUnmarshal(b []byte, v any) error { return json.Unmarshal(b, v) }

var (
	zenc, _ = zstd.NewWriter(nil)
	zdec, _ = zstd.NewReader(nil)
)

// Run is the coordinator: it creates the sweep's streams on cfg.URL
// (removing those of an earlier sweep of the same name), publishes the
// cells, waits until workers (started anywhere, before or after) have
// stored a result for every cell, and then calls merge once per cell, in
// the order of cells, with the first result stored for it. It deletes the
// streams before it returns, which ends the workers' [Work].
func Run(ctx context.Context, cfg Config, cells []Cell, merge func(key string, result []byte) error) (Stats, error) {
	st := Stats{Cells: len(cells), Workers: map[string]int{}}
	cfg, err := cfg.withDefaults()
	if err != nil {
		return st, err
	}
	want := make(map[string]bool, len(cells))
	for i, c := range cells {
		if c.Key == "" {
			return st, fmt.Errorf("sweep: cell %d has no key", i)
		}
		if want[c.Key] {
			return st, fmt.Errorf("sweep: two cells with key %q", c.Key)
		}
		want[c.Key] = true
	}
	nc, js, err := connect(cfg.URL, "credo sweep "+cfg.Name)
	if err != nil {
		return st, err
	}
	defer nc.Close()
	for _, s := range []string{cfg.cellsStream(), cfg.resultsStream()} {
		if err := js.DeleteStream(ctx, s); err != nil && !errors.Is(err, jetstream.ErrStreamNotFound) {
			return st, fmt.Errorf("sweep: removing the earlier stream %s: %w", s, err)
		}
	}
	defer func() {
		// Deleting the streams tells the workers that the sweep is over.
		dctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		js.DeleteStream(dctx, cfg.cellsStream())
		js.DeleteStream(dctx, cfg.resultsStream())
	}()
	if _, err := js.CreateStream(ctx, jetstream.StreamConfig{
		Name: cfg.resultsStream(), Subjects: []string{cfg.resultsSubject()},
		Storage: jetstream.FileStorage, Duplicates: cfg.DupWindow,
	}); err != nil {
		return st, fmt.Errorf("sweep: results stream: %w", err)
	}
	cs, err := js.CreateStream(ctx, jetstream.StreamConfig{
		Name: cfg.cellsStream(), Subjects: []string{cfg.cellsSubject()},
		Retention: jetstream.WorkQueuePolicy, Storage: jetstream.FileStorage, Duplicates: cfg.DupWindow,
	})
	if err != nil {
		return st, fmt.Errorf("sweep: cells stream: %w", err)
	}
	if _, err := cs.CreateOrUpdateConsumer(ctx, jetstream.ConsumerConfig{
		Durable: consumer, AckPolicy: jetstream.AckExplicitPolicy,
		AckWait: cfg.AckWait, MaxDeliver: cfg.MaxDeliver, MaxAckPending: -1,
	}); err != nil {
		return st, fmt.Errorf("sweep: consumer: %w", err)
	}
	// A cell delivered MaxDeliver times without a result stays unfinished:
	// the server says so in an advisory.
	exhausted := make(chan uint64, 16)
	sub, err := nc.Subscribe("$JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES."+cfg.cellsStream()+"."+consumer, func(m *nats.Msg) {
		var a struct {
			StreamSeq uint64 `json:"stream_seq"`
		}
		if jsonUnmarshal(m.Data, &a) == nil {
			select {
			case exhausted <- a.StreamSeq:
			default:
			}
		}
	})
	if err != nil {
		return st, err
	}
	defer sub.Unsubscribe()

	rc, err := js.OrderedConsumer(ctx, cfg.resultsStream(), jetstream.OrderedConsumerConfig{})
	if err != nil {
		return st, fmt.Errorf("sweep: results consumer: %w", err)
	}
	it, err := rc.Messages()
	if err != nil {
		return st, err
	}
	defer it.Stop()

	for _, c := range cells {
		m := &nats.Msg{Subject: cfg.cellsSubject(), Data: c.Spec, Header: nats.Header{hdrCell: []string{c.Key}}}
		if _, err := js.PublishMsg(ctx, m, jetstream.WithMsgID(c.Key)); err != nil {
			return st, fmt.Errorf("sweep: publishing cell %q: %w", c.Key, err)
		}
	}

	type got struct {
		msg jetstream.Msg
		err error
	}
	msgs := make(chan got)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			m, err := it.Next()
			select {
			case msgs <- got{m, err}:
			case <-stop:
				return
			}
			if err != nil {
				return
			}
		}
	}()
	defer func() { close(stop); it.Stop(); wg.Wait() }()

	results := make(map[string][]byte, len(cells))
	for len(results) < len(cells) {
		var g got
		select {
		case <-ctx.Done():
			return st, fmt.Errorf("sweep: %d of %d cells done: %w", len(results), len(cells), ctx.Err())
		case seq := <-exhausted:
			key := fmt.Sprintf("stream sequence %d", seq)
			if raw, err := cs.GetMsg(ctx, seq); err == nil {
				key = fmt.Sprintf("%q", raw.Header.Get(hdrCell))
			}
			return st, fmt.Errorf("sweep: cell %s was delivered %d times without a result (its workers die on it)", key, cfg.MaxDeliver)
		case g = <-msgs:
		}
		if g.err != nil {
			return st, fmt.Errorf("sweep: reading results: %w", g.err)
		}
		m := g.msg
		st.Results++
		h := m.Headers()
		key := h.Get(hdrCell)
		if !want[key] {
			continue // not a cell of this sweep
		}
		if e := h.Get(hdrError); e != "" {
			return st, fmt.Errorf("sweep: cell %q failed on worker %s: %s", key, h.Get(hdrWorker), e)
		}
		if _, dup := results[key]; dup {
			st.Duplicates++
			continue
		}
		data := m.Data()
		if h.Get(hdrEncoding) == "zstd" {
			if data, err = zdec.DecodeAll(data, nil); err != nil {
				return st, fmt.Errorf("sweep: result of cell %q: %w", key, err)
			}
		}
		results[key] = data
		st.Workers[h.Get(hdrWorker)]++
		if n, _ := strconv.Atoi(h.Get(hdrDelivery)); n > 1 {
			st.Redelivered++
		}
		if cfg.Logf != nil {
			cfg.Logf("sweep %s: %d/%d cells: %s by worker %s (delivery %s)", cfg.Name, len(results), len(cells), key, h.Get(hdrWorker), h.Get(hdrDelivery))
		}
	}
	for _, c := range cells {
		if err := merge(c.Key, results[c.Key]); err != nil {
			return st, fmt.Errorf("sweep: merging cell %q: %w", c.Key, err)
		}
	}
	return st, nil
}
