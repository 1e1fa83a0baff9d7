package domain

import (
	"strings"

	"github.com/google/uuid"
)

// Prefix is the type tag in front of a public identifier: "scenario_<uuid>"
// for workflows (the historical name seed 000 keeps), "session_<uuid>" and
// so on. Rows store the bare UUID.
type Prefix string

const (
	PrefixWorkflow Prefix = "scenario_"
	PrefixSession  Prefix = "session_"
	PrefixRun      Prefix = "run_"
	PrefixOperator Prefix = "operator_"
	PrefixPersona  Prefix = "persona_"
	PrefixArticle  Prefix = "article_"
)

// Format returns the public form of id.
func (p Prefix) Format(id uuid.UUID) string { return string(p) + id.String() }

// Parse returns the UUID of a public identifier with this prefix. The error
// is KindInvalid and names field.
func (p Prefix) Parse(field, s string) (uuid.UUID, error) {
	rest, ok := strings.CutPrefix(s, string(p))
	if !ok {
		return uuid.Nil, Invalid(field, "must look like %s<uuid>", p)
	}
	id, err := uuid.Parse(rest)
	if err != nil || len(rest) != 36 {
		return uuid.Nil, Invalid(field, "must look like %s<uuid>", p)
	}
	return id, nil
}

// NewID returns a new identifier: a version 7 UUID, which starts with the
// time it was made and then is random. Rows a table gains together get
// neighbouring keys, so an insert adds to the index pages the last ones
// did instead of a random page of an index that may be gigabytes large
// (and, after each checkpoint, writes that page whole into the WAL).
func NewID() uuid.UUID { return uuid.Must(uuid.NewV7()) }
