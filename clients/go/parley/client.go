package parley

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"connectrpc.com/connect"

	"github.com/parleyhq/parley/gen/parley/agent/v1/agentv1connect"
	"github.com/parleyhq/parley/gen/parley/session/v1/sessionv1connect"
	"github.com/parleyhq/parley/gen/parley/workflow/v1/workflowv1connect"
)

// sdkVersion goes into the User-Agent header.
const sdkVersion = "0.1.0"

// Defaults of the transport NewClient builds and of Subscribe.
const (
	dialTimeout         = 10 * time.Second
	tlsHandshakeTimeout = 10 * time.Second
	idleConnTimeout     = 90 * time.Second
	// An HTTP/2 connection that has read nothing for this long is pinged,
	// and closed when the ping goes unanswered for pingTimeout: a dead
	// connection fails its streams (which Subscribe then reopens) instead
	// of hanging them.
	http2PingAfter = 30 * time.Second
	pingTimeout    = 15 * time.Second

	defaultBackoffMin  = 250 * time.Millisecond
	defaultBackoffMax  = 15 * time.Second
	defaultIdleTimeout = time.Minute
)

// Client is a connection to one Parley server with one credential. Its
// fields are the generated Connect clients of the three services; use them
// directly. A Client is safe for concurrent use and should be reused: it
// keeps its connections open.
type Client struct {
	// Workflows manages workflows, their versions and runs, and starts runs
	// (TriggerWorkflow).
	Workflows workflowv1connect.WorkflowServiceClient
	// Sessions manages sessions and their messages, custom data, labels and
	// assignees, and streams their events. For a stream that survives
	// disconnections use Client.Subscribe instead of Sessions.Subscribe.
	Sessions sessionv1connect.SessionServiceClient
	// Agent starts and pauses the AI agent on sessions and manages personas
	// and knowledge-base articles.
	Agent agentv1connect.AgentServiceClient

	backoffMin, backoffMax time.Duration
	idleTimeout            time.Duration
}

// Option configures NewClient.
type Option func(*options)

type options struct {
	httpClient   connect.HTTPClient
	grpc         bool
	userAgent    string
	interceptors []connect.Interceptor
	backoffMin   time.Duration
	backoffMax   time.Duration
	idleTimeout  time.Duration
}

// WithHTTPClient makes the client send its requests through hc instead of
// the transport NewClient builds (cleartext HTTP/2 for http:// URLs, TLS
// with HTTP/2 for https:// URLs). gRPC needs HTTP/2; the Connect protocol
// also works over HTTP/1.1, e.g. with http.DefaultClient, except that
// streams then hold a connection each. Give hc no overall Timeout: it would
// cut event streams.
func WithHTTPClient(hc connect.HTTPClient) Option {
	return func(o *options) { o.httpClient = hc }
}

// WithGRPC makes the client speak gRPC instead of the Connect protocol. The
// Parley server accepts both on the same port; gRPC requires HTTP/2.
func WithGRPC() Option {
	return func(o *options) { o.grpc = true }
}

// WithUserAgent puts product (e.g. "acme-billing/2.3") in front of the
// User-Agent header, before the SDK's own "parley-go/<version>".
func WithUserAgent(product string) Option {
	return func(o *options) { o.userAgent = product }
}

// WithInterceptors adds Connect interceptors to every call of the three
// services, including the streams of Client.Subscribe, the first one
// outermost. The headers the SDK sets win over values an interceptor sets:
// User-Agent always, Authorization when NewClient was given a token.
func WithInterceptors(interceptors ...connect.Interceptor) Option {
	return func(o *options) { o.interceptors = append(o.interceptors, interceptors...) }
}

// WithReconnectBackoff sets how long Client.Subscribe waits before
// reopening a stream: initial after a stream that was working (it delivered
// events, or stayed open for at least max), doubling on every further
// attempt that was not up to max, each wait shortened by a random jitter of
// up to half. The defaults are 250 ms and 15 s. Values of 0 keep
// the default.
func WithReconnectBackoff(initial, max time.Duration) Option {
	return func(o *options) { o.backoffMin, o.backoffMax = initial, max }
}

// WithStreamIdleTimeout sets how long a Client.Subscribe stream may deliver
// nothing, not even a heartbeat, before it is considered dead and reopened.
// The server sends a heartbeat every 15 s by default (PARLEY_HEARTBEAT); the
// default timeout is 1 minute. A negative value disables the check.
func WithStreamIdleTimeout(d time.Duration) Option {
	return func(o *options) { o.idleTimeout = d }
}

// NewClient returns a client of the Parley server at baseURL (e.g.
// "https://parley.example.com" or "http://localhost:8080", possibly with a
// path prefix when a reverse proxy serves Parley under one) that
// authenticates with token: an API token, a widget's session token, or ""
// for no credentials. It makes no request; the first call connects.
func NewClient(baseURL, token string, opts ...Option) (*Client, error) {
	u, err := url.Parse(baseURL)
	if err != nil {
		return nil, fmt.Errorf("parley: base URL: %w", err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return nil, fmt.Errorf("parley: base URL %q: scheme must be http or https", baseURL)
	}
	if u.Host == "" {
		return nil, fmt.Errorf("parley: base URL %q has no host", baseURL)
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return nil, fmt.Errorf("parley: base URL %q must not have a query or fragment", baseURL)
	}
	if strings.ContainsAny(token, "\r\n") {
		return nil, errors.New("parley: token contains a line break")
	}
	o := options{
		backoffMin:  defaultBackoffMin,
		backoffMax:  defaultBackoffMax,
		idleTimeout: defaultIdleTimeout,
	}
	for _, opt := range opts {
		opt(&o)
	}
	if o.backoffMin <= 0 {
		o.backoffMin = defaultBackoffMin
	}
	if o.backoffMax <= 0 {
		o.backoffMax = defaultBackoffMax
	}
	o.backoffMax = max(o.backoffMax, o.backoffMin)
	if o.idleTimeout == 0 {
		o.idleTimeout = defaultIdleTimeout
	}
	if o.httpClient == nil {
		o.httpClient = newHTTPClient(u.Scheme == "https")
	}

	ua := "parley-go/" + sdkVersion
	if o.userAgent != "" {
		ua = o.userAgent + " " + ua
	}
	h := headers{userAgent: ua}
	if token != "" {
		h.authorization = "Bearer " + token
	}
	// Set the headers last: innermost for unary calls (interceptors run
	// outside in), outermost for streams (headers are set once the inner
	// interceptors have returned the connection).
	chain := append([]connect.Interceptor{streamHeaders{h}}, o.interceptors...)
	chain = append(chain, unaryHeaders{h})
	copts := []connect.ClientOption{connect.WithInterceptors(chain...)}
	if o.grpc {
		copts = append(copts, connect.WithGRPC())
	}
	base := strings.TrimRight(u.String(), "/")
	return &Client{
		Workflows:   workflowv1connect.NewWorkflowServiceClient(o.httpClient, base, copts...),
		Sessions:    sessionv1connect.NewSessionServiceClient(o.httpClient, base, copts...),
		Agent:       agentv1connect.NewAgentServiceClient(o.httpClient, base, copts...),
		backoffMin:  o.backoffMin,
		backoffMax:  o.backoffMax,
		idleTimeout: o.idleTimeout,
	}, nil
}

// newHTTPClient is the default transport: HTTP/2 always (over TLS, or
// cleartext with prior knowledge, as gRPC does), bounded connection setup,
// pings on idle connections, and no overall timeout so that streams can
// last.
func newHTTPClient(tls bool) *http.Client {
	dialer := &net.Dialer{Timeout: dialTimeout, KeepAlive: 30 * time.Second}
	protocols := new(http.Protocols)
	t := &http.Transport{
		DialContext:           dialer.DialContext,
		TLSHandshakeTimeout:   tlsHandshakeTimeout,
		IdleConnTimeout:       idleConnTimeout,
		MaxIdleConnsPerHost:   16,
		ExpectContinueTimeout: time.Second,
		HTTP2:                 &http.HTTP2Config{SendPingTimeout: http2PingAfter, PingTimeout: pingTimeout},
		Protocols:             protocols,
	}
	if tls {
		protocols.SetHTTP1(true)
		protocols.SetHTTP2(true)
		t.Proxy = http.ProxyFromEnvironment
	} else {
		// Cleartext HTTP/2 cannot go through an HTTP proxy: connect directly.
		protocols.SetUnencryptedHTTP2(true)
	}
	return &http.Client{Transport: t}
}

// headers are the Authorization and User-Agent headers of every call.
type headers struct {
	authorization string
	userAgent     string
}

func (h headers) set(hd http.Header) {
	if h.authorization != "" {
		hd.Set("Authorization", h.authorization)
	}
	hd.Set("User-Agent", h.userAgent)
}

// unaryHeaders sets headers on unary calls.
type unaryHeaders struct{ headers }

func (h unaryHeaders) WrapUnary(next connect.UnaryFunc) connect.UnaryFunc {
	return func(ctx context.Context, req connect.AnyRequest) (connect.AnyResponse, error) {
		h.set(req.Header())
		return next(ctx, req)
	}
}

func (unaryHeaders) WrapStreamingClient(next connect.StreamingClientFunc) connect.StreamingClientFunc {
	return next
}

func (unaryHeaders) WrapStreamingHandler(next connect.StreamingHandlerFunc) connect.StreamingHandlerFunc {
	return next
}

// streamHeaders sets headers on streams.
type streamHeaders struct{ headers }

func (streamHeaders) WrapUnary(next connect.UnaryFunc) connect.UnaryFunc { return next }

func (h streamHeaders) WrapStreamingClient(next connect.StreamingClientFunc) connect.StreamingClientFunc {
	return func(ctx context.Context, spec connect.Spec) connect.StreamingClientConn {
		conn := next(ctx, spec)
		h.set(conn.RequestHeader())
		return conn
	}
}

func (streamHeaders) WrapStreamingHandler(next connect.StreamingHandlerFunc) connect.StreamingHandlerFunc {
	return next
}
