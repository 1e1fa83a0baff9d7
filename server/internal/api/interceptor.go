package api

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"connectrpc.com/connect"
	"github.com/google/uuid"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"

	"github.com/parleyhq/parley/server/internal/auth"
	"github.com/parleyhq/parley/server/internal/domain"
	"github.com/parleyhq/parley/server/internal/session"
)

// interceptors are what every RPC goes through, outermost first: panics
// recovered, then observe, auth and validate. Connect handlers get them as
// options; the JSON endpoints, which call handlers in process, through
// unary, in the same order.
type interceptors struct {
	log      *slog.Logger
	observe  *observeInterceptor
	auth     *authInterceptor
	validate connect.Interceptor
}

func (c *interceptors) options() []connect.HandlerOption {
	return []connect.HandlerOption{
		connect.WithRecover(func(ctx context.Context, spec connect.Spec, _ http.Header, p any) error {
			return c.recovered(ctx, spec.Procedure, p)
		}),
		connect.WithInterceptors(c.observe, c.auth, c.validate),
	}
}

// recovered logs a handler's panic; the caller gets an internal error.
func (c *interceptors) recovered(ctx context.Context, procedure string, p any) error {
	c.log.ErrorContext(ctx, "panic in handler", "procedure", procedure, "panic", p)
	return connect.NewError(connect.CodeInternal, nil)
}

// unary runs handler on req as a call of procedure carrying header, the
// way a Connect handler runs it.
func (c *interceptors) unary(ctx context.Context, procedure string, header http.Header, req connect.AnyRequest, handler connect.UnaryFunc) (res connect.AnyResponse, err error) {
	defer func() {
		if p := recover(); p != nil {
			if p == http.ErrAbortHandler { // net/http aborts a response this way: let it
				panic(p)
			}
			res, err = nil, c.recovered(ctx, procedure, p)
		}
	}()
	return c.observe.unary(ctx, procedure, func(ctx context.Context) (connect.AnyResponse, error) {
		ctx, err := c.auth.unary(ctx, procedure, header.Get("Authorization"), req.Any())
		if err != nil {
			return nil, err
		}
		return c.validate.WrapUnary(handler)(ctx, req)
	})
}

// callUnary calls a typed handler method through c.unary and returns its
// response message.
func callUnary[Req, Res any](ctx context.Context, c *interceptors, procedure string, header http.Header, msg *Req,
	method func(context.Context, *connect.Request[Req]) (*connect.Response[Res], error)) (*Res, error) {
	req := connect.NewRequest(msg)
	res, err := c.unary(ctx, procedure, header, req, func(ctx context.Context, _ connect.AnyRequest) (connect.AnyResponse, error) {
		return method(ctx, req)
	})
	if err != nil {
		return nil, err
	}
	return res.(*connect.Response[Res]).Msg, nil
}

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
		return i.unary(ctx, req.Spec().Procedure, func(ctx context.Context) (connect.AnyResponse, error) {
			return next(ctx, req)
		})
	}
}

// unary bounds, times, logs and counts one unary call of procedure.
func (i *observeInterceptor) unary(ctx context.Context, procedure string, call func(context.Context) (connect.AnyResponse, error)) (connect.AnyResponse, error) {
	if _, ok := ctx.Deadline(); !ok && i.unaryTimeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, i.unaryTimeout)
		defer cancel()
	}
	start := time.Now()
	res, err := call(ctx)
	err = toConnectError(ctx, i.log, procedure, err)
	i.record(ctx, procedure, start, err)
	return res, err
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
		ctx, err := i.unary(ctx, req.Spec().Procedure, req.Header().Get("Authorization"), req.Any())
		if err != nil {
			return nil, err
		}
		return next(ctx, req)
	}
}

// unary authorizes a unary call of procedure with the Authorization header
// value and request message msg; the context it returns carries the caller.
func (i *authInterceptor) unary(ctx context.Context, procedure, authorization string, msg any) (context.Context, error) {
	p, err := i.authorize(ctx, procedure, authorization)
	if err != nil {
		return nil, err
	}
	if err := checkOwnSession(p, msg); err != nil {
		return nil, err
	}
	return domain.WithPrincipal(ctx, p), nil
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

// authorizeStream authorizes a stream's caller, aside (a session token is
// read from the database). It is kept out of line so that its frame is not
// on the stack of a stream while it idles (see
// SessionHandler.openSubscription).
//
//go:noinline
func (i *authInterceptor) authorizeStream(ctx context.Context, conn connect.StreamingHandlerConn) (context.Context, connect.StreamingHandlerConn, error) {
	p, err := session.Aside(ctx, func(ctx context.Context) (domain.Principal, error) {
		return i.authorize(ctx, conn.Spec().Procedure, conn.RequestHeader().Get("Authorization"))
	})
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
