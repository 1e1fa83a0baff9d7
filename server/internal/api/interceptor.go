package api

import (
	"context"
	"log/slog"
	"time"

	"connectrpc.com/connect"
	"github.com/google/uuid"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"

	"github.com/parleyhq/parley/server/internal/auth"
	"github.com/parleyhq/parley/server/internal/domain"
)

// observeInterceptor maps handler errors to Connect errors (see
// toConnectError), then records metrics and a log line for every call.
type observeInterceptor struct {
	log     *slog.Logger
	metrics *Metrics
	// unaryTimeout bounds unary calls that arrive without a deadline.
	unaryTimeout time.Duration
}

func (i *observeInterceptor) WrapUnary(next connect.UnaryFunc) connect.UnaryFunc {
	return func(ctx context.Context, req connect.AnyRequest) (connect.AnyResponse, error) {
		if _, ok := ctx.Deadline(); !ok && i.unaryTimeout > 0 {
			var cancel context.CancelFunc
			ctx, cancel = context.WithTimeout(ctx, i.unaryTimeout)
			defer cancel()
		}
		start := time.Now()
		res, err := next(ctx, req)
		err = toConnectError(ctx, i.log, req.Spec().Procedure, err)
		i.record(ctx, req.Spec().Procedure, start, err)
		return res, err
	}
}

func (i *observeInterceptor) WrapStreamingClient(next connect.StreamingClientFunc) connect.StreamingClientFunc {
	return next
}

func (i *observeInterceptor) WrapStreamingHandler(next connect.StreamingHandlerFunc) connect.StreamingHandlerFunc {
	return func(ctx context.Context, conn connect.StreamingHandlerConn) error {
		start := time.Now()
		return i.streamEnded(ctx, conn, start, next(ctx, conn))
	}
}

// streamEnded logs and counts a stream's end. It is kept out of line so
// that its frame is not on the stack of a stream while it idles (see
// SessionHandler.openSubscription).
//
//go:noinline
func (i *observeInterceptor) streamEnded(ctx context.Context, conn connect.StreamingHandlerConn, start time.Time, err error) error {
	err = toConnectError(ctx, i.log, conn.Spec().Procedure, err)
	i.record(ctx, conn.Spec().Procedure, start, err)
	return err
}

func (i *observeInterceptor) record(ctx context.Context, procedure string, start time.Time, err error) {
	elapsed := time.Since(start)
	code := "ok"
	if err != nil {
		code = connect.CodeOf(err).String()
	}
	i.metrics.requests.WithLabelValues(procedure, code).Inc()
	i.metrics.duration.WithLabelValues(procedure, code).Observe(elapsed.Seconds())
	level := slog.LevelDebug
	if err != nil && connect.CodeOf(err) != connect.CodeInternal { // internal ones were logged with their cause
		level = slog.LevelInfo
	}
	i.log.Log(ctx, level, "rpc", "procedure", procedure, "code", code, "duration", elapsed)
}

// authInterceptor resolves the caller and enforces the access table: the
// principal must be allowed on the procedure, carry its scope, and a session
// principal may only name its own session.
type authInterceptor struct {
	authn  *auth.Authenticator
	access map[string]access
}

func (i *authInterceptor) WrapUnary(next connect.UnaryFunc) connect.UnaryFunc {
	return func(ctx context.Context, req connect.AnyRequest) (connect.AnyResponse, error) {
		if req.Spec().IsClient {
			return next(ctx, req)
		}
		p, err := i.authorize(ctx, req.Spec().Procedure, req.Header().Get("Authorization"))
		if err != nil {
			return nil, err
		}
		if err := checkOwnSession(p, req.Any()); err != nil {
			return nil, err
		}
		return next(domain.WithPrincipal(ctx, p), req)
	}
}

func (i *authInterceptor) WrapStreamingClient(next connect.StreamingClientFunc) connect.StreamingClientFunc {
	return next
}

func (i *authInterceptor) WrapStreamingHandler(next connect.StreamingHandlerFunc) connect.StreamingHandlerFunc {
	return func(ctx context.Context, conn connect.StreamingHandlerConn) error {
		ctx, conn, err := i.authorizeStream(ctx, conn)
		if err != nil {
			return err
		}
		return next(ctx, conn)
	}
}

// authorizeStream authorizes a stream's caller. It is kept out of line so
// that its frame is not on the stack of a stream while it idles (see
// SessionHandler.openSubscription).
//
//go:noinline
func (i *authInterceptor) authorizeStream(ctx context.Context, conn connect.StreamingHandlerConn) (context.Context, connect.StreamingHandlerConn, error) {
	p, err := i.authorize(ctx, conn.Spec().Procedure, conn.RequestHeader().Get("Authorization"))
	if err != nil {
		return nil, nil, err
	}
	return domain.WithPrincipal(ctx, p), &ownSessionConn{StreamingHandlerConn: conn, principal: p}, nil
}

var errNoToken = &domain.Error{Kind: domain.KindUnauthenticated, Message: "missing Authorization: Bearer <token> header"}

func (i *authInterceptor) authorize(ctx context.Context, procedure, header string) (domain.Principal, error) {
	rule, ok := i.access[procedure]
	if !ok {
		return domain.Principal{}, domain.Errorf(domain.KindPermissionDenied, "procedure %s is not open to any caller", procedure)
	}
	p, err := i.authn.Authenticate(ctx, header)
	if err != nil {
		return domain.Principal{}, err
	}
	switch p.Kind {
	case domain.PrincipalAnonymous:
		if !rule.anonymous {
			return domain.Principal{}, errNoToken
		}
	case domain.PrincipalSession:
		if !rule.session {
			return domain.Principal{}, domain.Errorf(domain.KindPermissionDenied, "a session token cannot call %s: use an API token from a backend", procedure)
		}
	case domain.PrincipalAPIToken:
		if !p.Has(rule.scope) {
			return domain.Principal{}, domain.Errorf(domain.KindPermissionDenied, "token lacks scope %s", rule.scope)
		}
	}
	return p, nil
}

// checkOwnSession refuses a session principal's request that names another
// session in its session_id field.
func checkOwnSession(p domain.Principal, msg any) error {
	if p.Kind != domain.PrincipalSession {
		return nil
	}
	m, ok := msg.(proto.Message)
	if !ok {
		return nil
	}
	fd := m.ProtoReflect().Descriptor().Fields().ByName("session_id")
	if fd == nil || fd.Kind() != protoreflect.StringKind {
		return nil
	}
	id, err := domain.PrefixSession.Parse("session_id", m.ProtoReflect().Get(fd).String())
	if err != nil {
		return err
	}
	if id != p.SessionID || p.SessionID == uuid.Nil {
		return &domain.Error{Kind: domain.KindPermissionDenied, Message: "this session token belongs to another session"}
	}
	return nil
}

// ownSessionConn applies checkOwnSession to each message a stream receives.
type ownSessionConn struct {
	connect.StreamingHandlerConn
	principal domain.Principal
}

func (c *ownSessionConn) Receive(msg any) error {
	if err := c.StreamingHandlerConn.Receive(msg); err != nil {
		return err
	}
	return checkOwnSession(c.principal, msg)
}
