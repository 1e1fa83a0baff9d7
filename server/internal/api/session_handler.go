package api

import (
	"github.com/parleyhq/parley/gen/parley/session/v1/sessionv1connect"
)

// SessionHandler serves parley.session.v1.SessionService.
type SessionHandler struct {
	sessionv1connect.UnimplementedSessionServiceHandler
}
