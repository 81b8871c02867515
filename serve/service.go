package serve

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"sync/atomic"

	"connectrpc.com/connect"

	"github.com/credo-rl/credo/credit"
	"github.com/credo-rl/credo/credit/stream"
	"github.com/credo-rl/credo/format"
	_ "github.com/credo-rl/credo/method/all" // the method catalogue, references included, for programs that embed the service
	credov1 "github.com/credo-rl/credo/serve/gen/credo/v1"
	"github.com/credo-rl/credo/serve/gen/credo/v1/credov1connect"
)

// service implements credov1connect.CredoServiceHandler.
type service struct {
	s *Server
}

var _ credov1connect.CredoServiceHandler = service{}

func invalid(f string, a ...any) error {
	return connect.NewError(connect.CodeInvalidArgument, fmt.Errorf(f, a...))
}

// Assign runs a method over the batch of one message.
func (h service) Assign(ctx context.Context, req *connect.Request[credov1.AssignRequest]) (*connect.Response[credov1.AssignResponse], error) {
	msg := req.Msg
	return h.s.assign(ctx, msg, req.Header(), func(in *intake) error {
		return in.add(msg.Body, msg.Records)
	})
}

// AssignStream runs a method over the concatenated batch of a client stream.
func (h service) AssignStream(ctx context.Context, st *connect.ClientStream[credov1.AssignRequest]) (*connect.Response[credov1.AssignResponse], error) {
	if !st.Receive() {
		if err := st.Err(); err != nil {
			return nil, err
		}
		return nil, invalid("empty stream: the first message names the method")
	}
	first := st.Msg()
	return h.s.assign(ctx, first, st.RequestHeader(), func(in *intake) error {
		if err := in.add(first.Body, first.Records); err != nil {
			return err
		}
		for st.Receive() {
			m := st.Msg()
			if m.Method != "" && m.Method != first.Method {
				return invalid("message names method %q, the stream's first message %q", m.Method, first.Method)
			}
			if err := in.add(m.Body, m.Records); err != nil {
				return err
			}
		}
		return st.Err()
	})
}

// assign is the one path of Assign and AssignStream: check the request,
// collect the batch in a scratch file, run stream.Run on it (what
// `credo assign` runs on a file), persist the session's state, answer.
func (s *Server) assign(ctx context.Context, msg *credov1.AssignRequest, hdr http.Header, feed func(*intake) error) (*connect.Response[credov1.AssignResponse], error) {
	info := infoOf(ctx)
	m, err := credit.Lookup(msg.Method)
	if err != nil {
		return nil, invalid("method: %v", err)
	}
	info.method = m.Name
	if m.GoAPI != "" {
		return nil, invalid("%s assigns no credit: use the Go function %s", m.Name, m.GoAPI)
	}
	v, err := m.Parse(msg.Set)
	if err != nil {
		return nil, invalid("set: %v", err)
	}
	session := msg.Session
	if session == "" {
		session = hdr.Get(SessionHeader)
	}
	info.session = session
	if session != "" {
		if !sessionName.MatchString(session) {
			return nil, invalid("session %q: want 1 to 128 letters, digits, '.', '_' or '-', starting with a letter or digit", session)
		}
		if s.sess == nil {
			return nil, connect.NewError(connect.CodeFailedPrecondition, errors.New("this server keeps no sessions: start it with --state-dir"))
		}
	}
	resp := &credov1.AssignResponse{Method: m.Name, Session: session, Warnings: m.Deprecations(msg.Set)}
	if m.Stateful && session == "" {
		resp.Warnings = append(resp.Warnings, fmt.Sprintf("%s carries state across batches; without a session it starts fresh and its state is discarded", m.Name))
	}

	in, err := newIntake(s.tmp, s.cfg.MaxBatchBytes)
	if err != nil {
		return nil, err
	}
	defer in.close()
	if err := feed(in); err != nil {
		if errors.Is(err, errTooLarge) {
			return nil, connect.NewError(connect.CodeResourceExhausted, fmt.Errorf("request too large: the batch exceeds %d bytes (--max-batch-bytes)", s.cfg.MaxBatchBytes))
		}
		return nil, err
	}
	if err := in.finish(); err != nil {
		return nil, err
	}
	info.bytes = in.bytes

	asRecords := msg.OutFormat == "records" || (msg.OutFormat == "" && in.records)
	outSpec := in.spec
	if !asRecords && msg.OutFormat != "" {
		if outSpec, err = format.ParseSpec(msg.OutFormat); err != nil {
			return nil, invalid("out_format: %v (or \"records\")", err)
		}
	}
	if asRecords {
		outSpec = format.Spec{Kind: format.JSONL}
	}
	out := filepath.Join(in.dir, "result."+outSpec.String())

	var st *credit.State
	var sf *sessionFile
	replay := false
	stateful := m.Stateful && session != ""
	if stateful {
		unlock := s.sess.lock(session)
		defer unlock()
		if sf, err = s.sess.load(session); err != nil {
			return nil, connect.NewError(connect.CodeInternal, err)
		}
		raw := sf.State
		if msg.RequestId != "" && msg.RequestId == sf.LastRequestID {
			replay, raw = true, sf.Before
		}
		if st, err = decodeState(raw); err != nil {
			return nil, connect.NewError(connect.CodeInternal, fmt.Errorf("session %q: state: %w", session, err))
		}
	}
	stats, err := stream.Run(stream.Job{Method: m, Values: v, State: st, In: in.path, Out: out, Context: ctx})
	if err != nil {
		return nil, s.engineError(ctx, in, err)
	}
	if stateful && !replay {
		next, err := st.Marshal()
		if err != nil {
			return nil, connect.NewError(connect.CodeInternal, err)
		}
		sf.Before, sf.State, sf.LastRequestID = sf.State, next, msg.RequestId
		if err := s.sess.save(sf); err != nil {
			return nil, connect.NewError(connect.CodeInternal, fmt.Errorf("session %q: saving state: %w", session, err))
		}
		if f := afterSave.Swap(nil); f != nil {
			(*f)()
		}
	}
	resp.Replayed = replay
	resp.Stats = &credov1.Stats{Trajectories: int64(stats.Trajectories), Groups: int64(stats.Groups), Tokens: int64(stats.Tokens)}
	if resp.Body, resp.Records, err = readResult(out, outSpec.String(), asRecords); err != nil {
		return nil, connect.NewError(connect.CodeInternal, err)
	}
	info.tokens = int64(stats.Tokens)
	s.metrics.tokens.WithLabelValues(m.Name).Add(float64(stats.Tokens))
	s.metrics.trajectories.WithLabelValues(m.Name).Add(float64(stats.Trajectories))
	return connect.NewResponse(resp), nil
}

// afterSave, when set (by tests), runs once after a session's state is
// saved and before the answer is written: a test makes the server die there.
var afterSave atomic.Pointer[func()]

// engineError maps an error of the engine to a status.
func (s *Server) engineError(ctx context.Context, in *intake, err error) error {
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		return connect.NewError(connect.CodeDeadlineExceeded, fmt.Errorf("request deadline exceeded (the server's --timeout or the client's deadline): %w", err))
	case errors.Is(err, context.Canceled):
		return connect.NewError(connect.CodeCanceled, err)
	case errors.Is(err, stream.ErrInput):
		return connect.NewError(connect.CodeInvalidArgument, errors.New(in.name(err.Error())))
	}
	if ctx.Err() != nil {
		return connect.NewError(connect.CodeDeadlineExceeded, ctx.Err())
	}
	return connect.NewError(connect.CodeInternal, errors.New(in.name(err.Error())))
}

// Methods lists the methods as `credo methods --format json` does.
func (h service) Methods(_ context.Context, req *connect.Request[credov1.MethodsRequest]) (*connect.Response[credov1.MethodsResponse], error) {
	ms := credit.All()
	if len(req.Msg.Names) > 0 {
		ms = nil
		for _, n := range req.Msg.Names {
			m, err := credit.Lookup(n)
			if err != nil {
				return nil, connect.NewError(connect.CodeNotFound, err)
			}
			ms = append(ms, m)
		}
	}
	out := &credov1.MethodsResponse{}
	for _, m := range ms {
		full, err := json.Marshal(m)
		if err != nil {
			return nil, connect.NewError(connect.CodeInternal, err)
		}
		pm := &credov1.Method{
			Name: m.Name, Summary: m.Summary, Scope: string(m.Scope), Stateful: m.Stateful,
			Outputs: m.Outputs, GoApi: m.GoAPI, Json: string(full),
		}
		for _, p := range m.Params {
			d, err := json.Marshal(p.Default)
			if err != nil {
				return nil, connect.NewError(connect.CodeInternal, err)
			}
			pm.Params = append(pm.Params, &credov1.Param{
				Name: p.Name, Kind: string(p.Kind), DefaultJson: string(d), Doc: p.Doc,
				Choices: p.Choices, Required: p.Required, Optional: p.Optional,
			})
		}
		out.Methods = append(out.Methods, pm)
	}
	return connect.NewResponse(out), nil
}

// Validate checks a batch as `credo validate` checks a file.
func (h service) Validate(ctx context.Context, req *connect.Request[credov1.ValidateRequest]) (*connect.Response[credov1.ValidateResponse], error) {
	in, err := newIntake(h.s.tmp, h.s.cfg.MaxBatchBytes)
	if err != nil {
		return nil, err
	}
	defer in.close()
	if err := in.add(req.Msg.Body, req.Msg.Records); err != nil {
		if errors.Is(err, errTooLarge) {
			return nil, connect.NewError(connect.CodeResourceExhausted, fmt.Errorf("request too large: the batch exceeds %d bytes (--max-batch-bytes)", h.s.cfg.MaxBatchBytes))
		}
		if ce := new(connect.Error); errors.As(err, &ce) && ce.Code() == connect.CodeInvalidArgument {
			return connect.NewResponse(&credov1.ValidateResponse{Error: ce.Message()}), nil
		}
		return nil, err
	}
	if err := in.finish(); err != nil {
		return nil, err
	}
	infoOf(ctx).bytes = in.bytes
	var links *format.Links
	err = func() error {
		r, err := format.OpenWith(in.path, format.Options{Context: ctx})
		if err != nil {
			return err
		}
		defer r.Close()
		links = format.NewLinks(in.path)
		for {
			t, err := r.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				return err
			}
			if err := links.Add(t, r.Pos()); err != nil {
				return err
			}
		}
		return links.Check()
	}()
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		return nil, connect.NewError(connect.CodeDeadlineExceeded, err)
	}
	if err != nil {
		return connect.NewResponse(&credov1.ValidateResponse{Error: in.name(err.Error())}), nil
	}
	st := &credov1.Stats{Trajectories: int64(links.Trajectories()), Groups: int64(links.Groups()), Tokens: int64(links.Tokens)}
	infoOf(ctx).tokens = st.Tokens
	return connect.NewResponse(&credov1.ValidateResponse{Ok: true, Stats: st}), nil
}
