// Package workflow owns workflow definitions: the draft graph, its
// validation, immutable versions and the lifecycle (draft, active, paused,
// archived).
package workflow
