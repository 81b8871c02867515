package serve

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sync"
	"time"

	"github.com/credo-rl/credo/credit"
	"github.com/credo-rl/credo/internal/atomicfile"
)

// SessionHeader is the HTTP header that names a session when the request's
// session field is empty.
const SessionHeader = "Credo-Session"

var sessionName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$`)

// sessionFile is what a session's file holds: the method state (the same
// JSON as `credo assign --state FILE` keeps) and, for idempotent retries, the
// id of the last applied request with the state before it.
type sessionFile struct {
	Session       string          `json:"session"`
	State         json.RawMessage `json:"state"`
	LastRequestID string          `json:"last_request_id,omitempty"`
	Before        json.RawMessage `json:"before,omitempty"`
	Updated       time.Time       `json:"updated"`
}

// sessions keeps one file per session under dir, each replaced atomically.
type sessions struct {
	dir   string
	mu    sync.Mutex
	locks map[string]*sync.Mutex
}

func newSessions(dir string) (*sessions, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("session directory: %w", err)
	}
	return &sessions{dir: dir, locks: map[string]*sync.Mutex{}}, nil
}

// lock serialises the requests of one session and returns the unlock.
func (s *sessions) lock(name string) func() {
	s.mu.Lock()
	l := s.locks[name]
	if l == nil {
		l = &sync.Mutex{}
		s.locks[name] = l
	}
	s.mu.Unlock()
	l.Lock()
	return l.Unlock
}

func (s *sessions) path(name string) string { return filepath.Join(s.dir, name+".json") }

// load reads a session; a session never written is empty.
func (s *sessions) load(name string) (*sessionFile, error) {
	b, err := os.ReadFile(s.path(name))
	if os.IsNotExist(err) {
		return &sessionFile{Session: name}, nil
	}
	if err != nil {
		return nil, err
	}
	var f sessionFile
	if err := json.Unmarshal(b, &f); err != nil {
		return nil, fmt.Errorf("session %q: file %s: %w", name, s.path(name), err)
	}
	return &f, nil
}

// save replaces the session's file atomically (write to a temporary file,
// fsync'd by atomicfile's Commit, then rename).
func (s *sessions) save(f *sessionFile) error {
	f.Updated = time.Now().UTC()
	b, err := json.MarshalIndent(f, "", "  ")
	if err != nil {
		return err
	}
	return atomicfile.WriteFile(s.path(f.Session), append(b, '\n'), 0o644)
}

// decodeState parses a method state saved in a session file (nil = fresh).
func decodeState(raw json.RawMessage) (*credit.State, error) {
	st := credit.NewState()
	if len(raw) == 0 || string(raw) == "null" {
		return st, nil
	}
	if err := json.Unmarshal(raw, st); err != nil {
		return nil, err
	}
	if st.Methods == nil {
		st.Methods = map[string]map[string]json.RawMessage{}
	}
	return st, nil
}
