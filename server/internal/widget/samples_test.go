package widget

import (
	"testing"

	"github.com/parleyhq/parley/server/internal/workflow"
)

// The samples are published on a workspace's first start, where a problem
// would stop the server: each must pass the publish-time validation.
func TestSampleGraphsAreValid(t *testing.T) {
	v := workflow.NewService(nil, false)
	for _, s := range samples {
		g, err := sampleGraph(s.file)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range v.ValidateGraph(g) {
			t.Errorf("sample %q: %v", s.name, p)
		}
	}
}
