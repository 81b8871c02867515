package format

import (
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func checkFile(t *testing.T, body string) error {
	t.Helper()
	path := filepath.Join(t.TempDir(), "in.jsonl")
	os.WriteFile(path, []byte(body), 0o644)
	r, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	l := NewLinks(path)
	for {
		tr, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
		if err := l.Add(tr, r.Pos()); err != nil {
			return err
		}
	}
	return l.Check()
}

func TestLinks(t *testing.T) {
	rec := func(id, parent string) string {
		s := `{"uid":"g","traj_uid":"` + id + `","responses":[1,2]`
		if parent != "" {
			s += `,"parent":{"traj_uid":"` + parent + `","token":1}`
		}
		return s + "}\n"
	}
	for _, c := range []struct{ name, body, want string }{
		{"duplicate", rec("a", "") + "\n" + rec("a", ""), `line 3: field traj_uid: duplicate id "a", also at line 1`},
		{"unknown parent", rec("a", "") + rec("b", "zz"), `line 2: field parent.traj_uid: unknown trajectory "zz"`},
		{"cycle", rec("r", "") + rec("a", "b") + rec("b", "c") + rec("c", "a"), `field parent.traj_uid: parent links form a cycle`},
		{"self", rec("a", "a"), `line 1: field parent.traj_uid: parent links form a cycle through trajectory "a"`},
		{"empty", "\n", "no trajectories"},
	} {
		err := checkFile(t, c.body)
		if err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), "in.jsonl") {
			t.Errorf("%s: %v, want the file and %q", c.name, err, c.want)
		}
	}
	if err := checkFile(t, rec("a", "")+rec("b", "a")+rec("c", "b")); err != nil {
		t.Errorf("a valid tree: %v", err)
	}
}
