package api

import (
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"
)

// optionalTimestamp converts a nullable time; nil stays nil.
func optionalTimestamp(t *time.Time) *timestamppb.Timestamp {
	if t == nil {
		return nil
	}
	return timestamppb.New(*t)
}
