package outbound

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Limits bound an outbound call.
type Limits struct {
	Timeout      time.Duration // whole call incl. reading the body; 0 means 10s
	MaxBodyBytes int64         // response body cap; 0 means 1 MiB
	MaxRedirects int           // 0 means no redirects followed (the 3xx response is returned as is)
}

// withDefaults fills in zero (or negative) fields.
func (l Limits) withDefaults() Limits {
	if l.Timeout <= 0 {
		l.Timeout = 10 * time.Second
	}
	if l.MaxBodyBytes <= 0 {
		l.MaxBodyBytes = 1 << 20
	}
	l.MaxRedirects = max(l.MaxRedirects, 0)
	return l
}

// Client makes guarded HTTP calls. Safe for concurrent use; reuse one.
type Client struct {
	http      *http.Client
	userAgent string
}

// NewClient returns a client whose every connection (including after
// redirects and for every IP a name resolves to) is checked by guard at dial
// time (net.Dialer.Control / ControlContext sees the resolved IP), so DNS
// rebinding cannot bypass it. userAgent is sent on every request (e.g.
// "Parley/1.0") unless the request sets its own User-Agent header. It does
// not use proxies from the environment.
//
// A nil guard applies the default policy with an empty allow-list.
func NewClient(guard *Guard, userAgent string) *Client {
	transport := &http.Transport{
		Proxy:                  nil, // never HTTP(S)_PROXY: the guard must see the real target
		DialContext:            guardedDial(guard),
		ForceAttemptHTTP2:      true,
		MaxIdleConns:           100,
		IdleConnTimeout:        90 * time.Second,
		TLSHandshakeTimeout:    10 * time.Second,
		ExpectContinueTimeout:  1 * time.Second,
		MaxResponseHeaderBytes: 1 << 20,
	}
	return &Client{
		http:      &http.Client{Transport: transport, CheckRedirect: checkRedirect},
		userAgent: userAgent,
	}
}

// guardedDial returns a DialContext that lets guard veto each connection
// attempt once the address is resolved, right before connect(2).
func guardedDial(guard *Guard) func(ctx context.Context, network, addr string) (net.Conn, error) {
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		host, _, err := net.SplitHostPort(addr)
		if err != nil {
			return nil, err
		}
		d := net.Dialer{
			KeepAlive: 30 * time.Second,
			ControlContext: func(_ context.Context, _, address string, _ syscall.RawConn) error {
				ap, err := netip.ParseAddrPort(address)
				if err != nil {
					return &Error{Kind: KindRefused, Message: fmt.Sprintf("refused to call %s: unrecognized address %q", host, address), Err: err}
				}
				return guard.Check(host, ap.Addr(), ap.Port())
			},
		}
		return d.DialContext(ctx, network, addr)
	}
}

// maxRedirectsKey carries Limits.MaxRedirects to checkRedirect through the
// request context, since the http.Client is shared by all calls.
type maxRedirectsKey struct{}

// checkRedirect follows at most MaxRedirects redirects, each to an http(s)
// URL; past the limit the last 3xx response is returned as is. The dial to
// the new target is guarded like any other.
func checkRedirect(req *http.Request, via []*http.Request) error {
	limit, _ := req.Context().Value(maxRedirectsKey{}).(int)
	if len(via) > limit {
		return http.ErrUseLastResponse
	}
	if err := checkURL(req.URL, "redirect to "); err != nil {
		return err
	}
	return nil
}

// Request is one call.
type Request struct {
	Method string // GET, POST, PUT, PATCH, DELETE or HEAD, any case; "" means GET
	URL    string // absolute http:// or https:// URL without user name or password
	Header http.Header
	Body   []byte
	Limits Limits
}

// Response is what came back. Body holds at most Limits.MaxBodyBytes; a
// larger body is an error of kind TooLarge (not truncated silently).
type Response struct {
	Status   int
	Header   http.Header
	Body     []byte
	Duration time.Duration // from the start of Do until the body was read
}

// Do performs the request. It returns a *Error for every failure. A response
// with any status (including 4xx/5xx) is NOT an error: the caller decides.
//
// The Limits.Timeout covers connecting, redirects and reading the body;
// running out of it is KindTimeout. If ctx ends first (it is cancelled, or
// its own deadline passes) the error is KindNetwork with the message
// "call cancelled" and wraps ctx.Err(). No header is added besides
// User-Agent (and what net/http itself needs); in particular no
// Content-Type: set it in Request.Header.
func (c *Client) Do(ctx context.Context, r Request) (*Response, error) {
	start := time.Now()
	lim := r.Limits.withDefaults()

	callCtx, cancel := context.WithTimeout(ctx, lim.Timeout)
	defer cancel()
	callCtx = context.WithValue(callCtx, maxRedirectsKey{}, lim.MaxRedirects)

	req, err := c.newRequest(callCtx, r)
	if err != nil {
		return nil, err
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, classify(ctx, err, req.URL.Host, lim.Timeout)
	}
	defer resp.Body.Close()

	if resp.ContentLength > lim.MaxBodyBytes {
		return nil, tooLarge(req.URL.Host, lim.MaxBodyBytes)
	}
	readLimit := lim.MaxBodyBytes
	if readLimit < math.MaxInt64 {
		readLimit++ // one byte more than allowed reveals an oversized body
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, readLimit))
	if err != nil {
		return nil, classify(ctx, err, resp.Request.URL.Host, lim.Timeout)
	}
	if int64(len(body)) > lim.MaxBodyBytes {
		return nil, tooLarge(resp.Request.URL.Host, lim.MaxBodyBytes)
	}
	return &Response{
		Status:   resp.StatusCode,
		Header:   resp.Header,
		Body:     body,
		Duration: time.Since(start),
	}, nil
}

var methods = map[string]bool{
	http.MethodGet: true, http.MethodPost: true, http.MethodPut: true,
	http.MethodPatch: true, http.MethodDelete: true, http.MethodHead: true,
}

// newRequest validates r and builds the http.Request; every problem is a
// KindInvalid *Error.
func (c *Client) newRequest(ctx context.Context, r Request) (*http.Request, error) {
	method := strings.ToUpper(r.Method)
	if method == "" {
		method = http.MethodGet
	}
	if !methods[method] {
		return nil, invalidf("unsupported HTTP method %q: use GET, POST, PUT, PATCH, DELETE or HEAD", r.Method)
	}

	u, err := url.Parse(r.URL)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // url.Error repeats the whole URL, which may hold secrets
		}
		return nil, &Error{Kind: KindInvalid, Message: "invalid URL: " + err.Error(), Err: err}
	}
	if err := checkURL(u, ""); err != nil {
		return nil, err
	}

	header := make(http.Header, len(r.Header)+1)
	for name, values := range r.Header {
		if !validHeaderName(name) {
			return nil, invalidf("invalid header name %q: use letters, digits and - only", name)
		}
		for _, v := range values {
			if !validHeaderValue(v) {
				return nil, invalidf("header %q has an invalid value: it contains a line break or another control character", name)
			}
		}
		key := http.CanonicalHeaderKey(name)
		header[key] = append(header[key], values...)
	}
	if c.userAgent != "" && header.Get("User-Agent") == "" {
		header.Set("User-Agent", c.userAgent)
	}

	var body io.Reader
	if len(r.Body) > 0 {
		body = bytes.NewReader(r.Body)
	}
	req, err := http.NewRequestWithContext(ctx, method, u.String(), body)
	if err != nil {
		return nil, &Error{Kind: KindInvalid, Message: "invalid request: " + err.Error(), Err: err}
	}
	req.Header = header
	return req, nil
}

// checkURL requires an absolute http(s) URL with a host and a valid port and
// without user info. prefix ("redirect to ") starts the message.
func checkURL(u *url.URL, prefix string) *Error {
	switch {
	case u.Scheme == "":
		return invalidf("%sURL must start with http:// or https://", prefix)
	case u.Scheme != "http" && u.Scheme != "https":
		return invalidf("%sURL scheme %q is not supported: only http and https are", prefix, u.Scheme)
	case u.User != nil:
		return invalidf("%sURL must not contain a user name or password: send credentials in a header instead", prefix)
	case u.Hostname() == "":
		return invalidf("%sURL has no host name", prefix)
	}
	if p := u.Port(); p != "" {
		if n, err := strconv.ParseUint(p, 10, 16); err != nil || n == 0 {
			return invalidf("%sURL port %q is not a number from 1 to 65535", prefix, p)
		}
	}
	return nil
}

// validHeaderName reports whether name is an RFC 9110 token.
func validHeaderName(name string) bool {
	if name == "" {
		return false
	}
	for _, c := range []byte(name) {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0) {
			return false
		}
	}
	return true
}

// validHeaderValue rejects control characters other than tab, which would
// break (or smuggle) the header line.
func validHeaderValue(v string) bool {
	for _, c := range []byte(v) {
		if c < ' ' && c != '\t' || c == 0x7f {
			return false
		}
	}
	return true
}

func tooLarge(host string, limit int64) *Error {
	return &Error{
		Kind:    KindTooLarge,
		Message: fmt.Sprintf("the response from %s is larger than the %d-byte limit", host, limit),
	}
}

// classify turns an error from sending the request or reading the body into
// an *Error. parent is the caller's context, to tell its cancellation from
// our own timeout.
func classify(parent context.Context, err error, host string, timeout time.Duration) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e // refused by the guard, or an invalid redirect
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		if u, perr := url.Parse(ue.URL); perr == nil && u.Host != "" {
			host = u.Host // the failing hop may be a redirect target
		}
		err = ue.Err
	}
	if parent.Err() != nil {
		return &Error{Kind: KindNetwork, Message: "call cancelled", Err: parent.Err()}
	}
	var ne net.Error
	if errors.Is(err, context.DeadlineExceeded) || errors.As(err, &ne) && ne.Timeout() {
		return &Error{Kind: KindTimeout, Message: fmt.Sprintf("%s did not answer within %s", host, timeout), Err: err}
	}
	return &Error{Kind: KindNetwork, Message: fmt.Sprintf("could not reach %s: %s", host, networkReason(err)), Err: err}
}

// networkReason describes a transport failure in a few words.
func networkReason(err error) string {
	var dnsErr *net.DNSError
	var certErr *tls.CertificateVerificationError
	var recErr tls.RecordHeaderError
	switch {
	case errors.As(err, &dnsErr) && dnsErr.IsNotFound:
		return "host name not found"
	case errors.As(err, &dnsErr):
		return "DNS lookup failed: " + dnsErr.Err
	case errors.Is(err, syscall.ECONNREFUSED):
		return "connection refused"
	case errors.Is(err, syscall.ECONNRESET):
		return "connection reset"
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return "connection closed before the response was complete"
	case errors.As(err, &certErr):
		return "TLS certificate not accepted: " + certErr.Err.Error()
	case errors.As(err, &recErr):
		return "TLS handshake failed: the server did not answer with TLS (try http://)"
	}
	return err.Error()
}
