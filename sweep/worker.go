package sweep

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strconv"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// WorkerStats describe what one worker did.
type WorkerStats struct {
	Cells  int // cells run and acknowledged
	Failed int // cells whose work function failed (reported to Run)
}

// afterPublish, when set (tests), runs between storing a cell's result and
// acknowledging the cell.
var afterPublish func(key string)

// Work runs a worker named id (empty: HOST-PID): it pulls cells of the
// sweep cfg.Name from cfg.URL one at a time, runs fn on each, stores the
// result and acknowledges the cell. It waits for the sweep to start if its
// streams do not exist yet, and returns nil once the coordinator has
// finished the sweep it joined (deleted its streams), or ctx's error when
// ctx ends (a worker that starts after a short sweep is over waits for the
// next sweep of that name: end it through ctx);
// a cell it was running when ctx ended is handed back to the server for
// another worker.
//
// It also waits for the NATS server to answer (cfg.Logf, when set, is
// told once). A panic of fn is reported as the cell's failure. The worker reports
// progress on a running cell every quarter of the AckWait the coordinator
// gave the sweep (cfg.AckWait is not used).
func Work(ctx context.Context, cfg Config, id string, fn WorkFunc) (WorkerStats, error) {
	var st WorkerStats
	cfg, err := cfg.withDefaults()
	if err != nil {
		return st, err
	}
	if id == "" {
		host, _ := os.Hostname()
		id = fmt.Sprintf("%s-%d", host, os.Getpid())
	}
	// A worker may start before the coordinator's server: wait for it.
	var nc *nats.Conn
	var js jetstream.JetStream
	for logged := false; ; {
		if nc, js, err = connect(cfg.URL, "credo sweep worker "+id); err == nil {
			break
		}
		if !logged && cfg.Logf != nil {
			cfg.Logf("sweep worker %s: waiting for the NATS server: %v", id, err)
			logged = true
		}
		if err := sleep(ctx, 500*time.Millisecond); err != nil {
			return st, err
		}
	}
	defer nc.Close()
	seen := false
	for {
		if err := ctx.Err(); err != nil {
			return st, err
		}
		cons, err := js.Consumer(ctx, cfg.cellsStream(), consumer)
		if err != nil {
			if gone(err) {
				if seen {
					return st, nil // the sweep is over
				}
				if err := sleep(ctx, 250*time.Millisecond); err != nil {
					return st, err
				}
				continue
			}
			if ctx.Err() != nil {
				return st, ctx.Err()
			}
			return st, fmt.Errorf("sweep worker %s: %w", id, err)
		}
		seen = true
		// The coordinator set the consumer's AckWait: report progress
		// often enough for it.
		if info := cons.CachedInfo(); info != nil && info.Config.AckWait > 0 {
			cfg.AckWait = info.Config.AckWait
		}
		batch, err := cons.Fetch(1, jetstream.FetchMaxWait(time.Second))
		if err != nil {
			if gone(err) {
				return st, nil
			}
			if ctx.Err() != nil {
				return st, ctx.Err()
			}
			return st, fmt.Errorf("sweep worker %s: %w", id, err)
		}
		for m := range batch.Messages() {
			failed, err := runCell(ctx, cfg, js, nc, id, m, fn)
			if err != nil {
				return st, err
			}
			st.Cells++
			if failed {
				st.Failed++
			}
		}
		if err := batch.Error(); err != nil && !errors.Is(err, nats.ErrTimeout) && !errors.Is(err, context.DeadlineExceeded) {
			if gone(err) {
				return st, nil
			}
			if ctx.Err() != nil {
				return st, ctx.Err()
			}
		}
	}
}

// gone reports the errors that mean the sweep's streams do not exist.
func gone(err error) bool {
	return errors.Is(err, jetstream.ErrStreamNotFound) || errors.Is(err, jetstream.ErrConsumerNotFound) ||
		errors.Is(err, jetstream.ErrConsumerDeleted) || errors.Is(err, jetstream.ErrNoStreamResponse)
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// runCell runs one delivered cell: fn, then the result (or the failure) is
// stored, then the cell acknowledged. It reports whether fn failed.
func runCell(ctx context.Context, cfg Config, js jetstream.JetStream, nc *nats.Conn, id string, m jetstream.Msg, fn WorkFunc) (bool, error) {
	key := m.Headers().Get(hdrCell)
	delivery := uint64(1)
	if md, err := m.Metadata(); err == nil {
		delivery = md.NumDelivered
	}
	// Tell the server the cell is in progress, so that it is not delivered
	// to another worker while this one lives.
	beat := make(chan struct{})
	go func() {
		t := time.NewTicker(cfg.AckWait / 4)
		defer t.Stop()
		for {
			select {
			case <-beat:
				return
			case <-t.C:
				m.InProgress()
			}
		}
	}()
	out, werr := protect(func() ([]byte, error) { return fn(ctx, key, m.Data()) })
	close(beat)
	if ctx.Err() != nil {
		m.Nak() // hand it to another worker now
		return false, ctx.Err()
	}
	res := &nats.Msg{Subject: cfg.resultsSubject(), Header: nats.Header{
		hdrCell:     []string{key},
		hdrWorker:   []string{id},
		hdrDelivery: []string{strconv.FormatUint(delivery, 10)},
	}}
	if werr == nil {
		res.Data = zenc.EncodeAll(out, nil)
		res.Header.Set(hdrEncoding, "zstd")
		if max := nc.MaxPayload(); int64(len(res.Data))+1024 > max {
			werr = fmt.Errorf("result of %d bytes (%d compressed) is over the NATS server's max_payload of %d bytes", len(out), len(res.Data), max)
		}
	}
	if werr != nil {
		res.Data = nil
		res.Header.Del(hdrEncoding)
		res.Header.Set(hdrError, werr.Error())
	}
	if _, err := js.PublishMsg(ctx, res, jetstream.WithMsgID(key)); err != nil {
		m.Nak()
		return false, fmt.Errorf("sweep worker %s: storing the result of cell %q: %w", id, key, err)
	}
	if afterPublish != nil {
		afterPublish(key)
	}
	// The result is stored: if the acknowledgement is lost (or the sweep
	// already over), a redelivery only gives a duplicate, which is dropped.
	m.DoubleAck(ctx)
	return werr != nil, nil
}

// protect runs f, turning a panic into an error.
func protect(f func() ([]byte, error)) (out []byte, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("panic: %v", r)
		}
	}()
	return f()
}
