// Package expr evaluates the small expression language of workflows: it
// renders {{ key }} templates, applies condition operators to facts read from
// a conversation or run, evaluates decision nodes and matches message
// triggers.
//
// Values are scalars: string, float64 or bool. List-valued facts (labels,
// segments) are []string, and nil means "not set". Templates are parsed with
// the workflow package's parser, so every template that validates renders
// here as validated.
package expr
