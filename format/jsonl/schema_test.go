package jsonl

import (
	"encoding/json"
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/credo-rl/credo/rollout"
)

// TestSchemaCoversTheDataModel keeps docs/rollout.schema.json in step with
// the fields of rollout.Trajectory and rollout.Step.
func TestSchemaCoversTheDataModel(t *testing.T) {
	b, err := os.ReadFile("../../docs/rollout.schema.json")
	if err != nil {
		t.Fatal(err)
	}
	var schema struct {
		Properties map[string]struct {
			Items struct {
				Properties map[string]any `json:"properties"`
			} `json:"items"`
		} `json:"properties"`
	}
	if err := json.Unmarshal(b, &schema); err != nil {
		t.Fatal(err)
	}
	fields := func(v any) []string {
		var out []string
		rt := reflect.TypeOf(v)
		for i := 0; i < rt.NumField(); i++ {
			name := strings.Split(rt.Field(i).Tag.Get("json"), ",")[0]
			if name != "" && name != "-" {
				out = append(out, name)
			}
		}
		return out
	}
	for _, f := range fields(rollout.Trajectory{}) {
		if _, ok := schema.Properties[f]; !ok {
			t.Errorf("schema lacks trajectory field %q", f)
		}
	}
	for _, f := range fields(rollout.Step{}) {
		if _, ok := schema.Properties["steps"].Items.Properties[f]; !ok {
			t.Errorf("schema lacks step field %q", f)
		}
	}
}
