package serve

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"connectrpc.com/connect"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
)

type metrics struct {
	requests     *prometheus.CounterVec
	duration     *prometheus.HistogramVec
	tokens       *prometheus.CounterVec
	trajectories *prometheus.CounterVec
	bytes        prometheus.Counter
	errors       *prometheus.CounterVec
	inFlight     prometheus.Gauge
	limit        prometheus.Gauge
}

func newMetrics(reg *prometheus.Registry) *metrics {
	m := &metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "credo_serve_requests_total", Help: "RPCs answered, by procedure and status code.",
		}, []string{"procedure", "code"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "credo_serve_request_duration_seconds", Help: "RPC latency, by procedure.",
			Buckets: prometheus.ExponentialBuckets(0.001, 2.5, 14),
		}, []string{"procedure"}),
		tokens: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "credo_serve_tokens_total", Help: "Tokens assigned credit, by method.",
		}, []string{"method"}),
		trajectories: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "credo_serve_trajectories_total", Help: "Trajectories assigned credit, by method.",
		}, []string{"method"}),
		bytes: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "credo_serve_batch_bytes_total", Help: "Bytes of batches received (bodies and records as JSONL).",
		}),
		errors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "credo_serve_errors_total", Help: "Failed requests by kind: bad_input, unauthenticated, busy, too_large, deadline, canceled, not_found, internal, other.",
		}, []string{"kind"}),
		inFlight: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "credo_serve_in_flight", Help: "RPCs running now.",
		}),
		limit: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "credo_serve_max_concurrent", Help: "The concurrency limit (--max-concurrent).",
		}),
	}
	reg.MustRegister(m.requests, m.duration, m.tokens, m.trajectories, m.bytes, m.errors, m.inFlight, m.limit,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// errorKind names an RPC failure for credo_serve_errors_total.
func errorKind(code connect.Code) string {
	switch code {
	case connect.CodeInvalidArgument, connect.CodeFailedPrecondition:
		return "bad_input"
	case connect.CodeUnauthenticated:
		return "unauthenticated"
	case connect.CodeResourceExhausted:
		return "too_large"
	case connect.CodeDeadlineExceeded:
		return "deadline"
	case connect.CodeCanceled:
		return "canceled"
	case connect.CodeNotFound:
		return "not_found"
	case connect.CodeInternal, connect.CodeUnknown:
		return "internal"
	}
	return "other"
}

// reqInfo collects what a handler learns for the request's log line.
type reqInfo struct {
	method, session string
	tokens, bytes   int64
}

type infoKey struct{}

func infoOf(ctx context.Context) *reqInfo {
	if i, ok := ctx.Value(infoKey{}).(*reqInfo); ok {
		return i
	}
	return &reqInfo{}
}

// observer is the interceptor that counts, times and logs every RPC.
type observer struct{ s *Server }

func (o *observer) done(ctx context.Context, proc, protocol, peer string, info *reqInfo, start time.Time, err error) {
	code := "ok"
	level := 0
	var ce *connect.Error
	if err != nil {
		c := connect.CodeOf(err)
		code = c.String()
		o.s.metrics.errors.WithLabelValues(errorKind(c)).Inc()
		level = 4
		if c == connect.CodeInternal || c == connect.CodeUnknown {
			level = 8
		}
		errors.As(err, &ce)
	}
	d := time.Since(start)
	o.s.metrics.requests.WithLabelValues(proc, code).Inc()
	o.s.metrics.duration.WithLabelValues(proc).Observe(d.Seconds())
	o.s.metrics.bytes.Add(float64(info.bytes))
	attrs := []any{"procedure", proc, "protocol", protocol, "peer", peer, "code", code, "duration_ms", float64(d.Microseconds()) / 1000}
	if info.method != "" {
		attrs = append(attrs, "method", info.method)
	}
	if info.session != "" {
		attrs = append(attrs, "session", info.session)
	}
	if info.bytes > 0 {
		attrs = append(attrs, "batch_bytes", info.bytes)
	}
	if info.tokens > 0 {
		attrs = append(attrs, "tokens", info.tokens)
	}
	if ce != nil {
		attrs = append(attrs, "error", ce.Message())
	}
	o.s.log.Log(ctx, levelOf(level), "rpc", attrs...)
}

func (o *observer) WrapUnary(next connect.UnaryFunc) connect.UnaryFunc {
	return func(ctx context.Context, req connect.AnyRequest) (connect.AnyResponse, error) {
		info := &reqInfo{}
		start := time.Now()
		resp, err := next(context.WithValue(ctx, infoKey{}, info), req)
		o.done(ctx, req.Spec().Procedure, req.Peer().Protocol, req.Peer().Addr, info, start, err)
		return resp, err
	}
}

func (o *observer) WrapStreamingClient(next connect.StreamingClientFunc) connect.StreamingClientFunc {
	return next
}

func (o *observer) WrapStreamingHandler(next connect.StreamingHandlerFunc) connect.StreamingHandlerFunc {
	return func(ctx context.Context, conn connect.StreamingHandlerConn) error {
		info := &reqInfo{}
		start := time.Now()
		err := next(context.WithValue(ctx, infoKey{}, info), conn)
		o.done(ctx, conn.Spec().Procedure, conn.Peer().Protocol, conn.Peer().Addr, info, start, err)
		return err
	}
}

func levelOf(l int) slog.Level { return slog.Level(l) }
