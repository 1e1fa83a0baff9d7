package outbound

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// server starts an httptest server on 127.0.0.1 that counts the requests it
// receives before handing them to h.
func server(t *testing.T, h http.HandlerFunc) (*httptest.Server, *atomic.Int64) {
	t.Helper()
	var hits atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		h(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv, &hits
}

func ok(w http.ResponseWriter, _ *http.Request) { io.WriteString(w, "ok") }

// client returns a client whose guard allows the given entries.
func client(t *testing.T, allow ...string) *Client {
	t.Helper()
	g, err := NewGuard(allow)
	if err != nil {
		t.Fatal(err)
	}
	return NewClient(g, "Parley/test")
}

// wantKind fails unless err is an *Error of kind k, and returns it.
func wantKind(t *testing.T, err error, k ErrorKind) *Error {
	t.Helper()
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("error = %v (%T), want *Error of kind %d", err, err, k)
	}
	if e.Kind != k {
		t.Fatalf("error kind = %d (%v), want %d", e.Kind, e, k)
	}
	return e
}

func port(t *testing.T, srv *httptest.Server) string {
	t.Helper()
	u, err := url.Parse(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	return u.Port()
}

func TestDoRefusedWithoutAllowList(t *testing.T) {
	srv, hits := server(t, ok)
	for name, c := range map[string]*Client{
		"empty allow-list": client(t),
		"nil guard":        NewClient(nil, "Parley/test"),
	} {
		t.Run(name, func(t *testing.T) {
			resp, err := c.Do(context.Background(), Request{URL: srv.URL + "/hook"})
			if resp != nil {
				t.Errorf("resp = %+v, want nil", resp)
			}
			e := wantKind(t, err, KindRefused)
			want := "refused to call " + strings.TrimPrefix(srv.URL, "http://") + ": loopback address (allow it with --outbound-allow)"
			if e.Error() != want {
				t.Errorf("error = %q, want %q", e, want)
			}
			if Retryable(err, 0) {
				t.Error("Retryable(refused) = true, want false")
			}
		})
	}
	if n := hits.Load(); n != 0 {
		t.Errorf("server saw %d requests, want 0", n)
	}
}

func TestDoAllowedRoundTrip(t *testing.T) {
	type seen struct {
		method, path, query, ua, custom, contentType, body string
	}
	got := make(chan seen, 1)
	srv, hits := server(t, func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		got <- seen{r.Method, r.URL.Path, r.URL.RawQuery, r.UserAgent(), r.Header.Get("X-Custom"), r.Header.Get("Content-Type"), string(b)}
		w.Header().Set("X-Reply", "yes")
		w.WriteHeader(http.StatusCreated)
		io.WriteString(w, `{"id":7}`)
	})
	c := client(t, "127.0.0.1")

	resp, err := c.Do(context.Background(), Request{
		Method: "patch",
		URL:    srv.URL + "/orders/7?x=1",
		Header: http.Header{"x-custom": {"abc"}},
		Body:   []byte(`{"plan":"pro"}`),
	})
	if err != nil {
		t.Fatal(err)
	}
	if resp.Status != http.StatusCreated || string(resp.Body) != `{"id":7}` || resp.Header.Get("X-Reply") != "yes" {
		t.Errorf("resp = %d %q X-Reply=%q, want 201 {\"id\":7} yes", resp.Status, resp.Body, resp.Header.Get("X-Reply"))
	}
	if resp.Duration <= 0 || resp.Duration > 5*time.Second {
		t.Errorf("Duration = %s, want a small positive duration", resp.Duration)
	}
	want := seen{"PATCH", "/orders/7", "x=1", "Parley/test", "abc", "", `{"plan":"pro"}`}
	if s := <-got; s != want {
		t.Errorf("server saw %+v, want %+v", s, want)
	}

	// The caller's headers win over the client's User-Agent.
	_, err = c.Do(context.Background(), Request{
		Method: http.MethodPost,
		URL:    srv.URL,
		Header: http.Header{"User-Agent": {"custom/2"}, "Content-Type": {"application/json"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if s := <-got; s.ua != "custom/2" || s.contentType != "application/json" || s.method != "POST" {
		t.Errorf("server saw UA %q, Content-Type %q, method %q; want custom/2, application/json, POST", s.ua, s.contentType, s.method)
	}
	if n := hits.Load(); n != 2 {
		t.Errorf("server saw %d requests, want 2", n)
	}
}

func TestDoStatusIsNotAnError(t *testing.T) {
	tests := []struct {
		status    int
		retryable bool
	}{
		{200, false}, {302, false}, {400, false}, {404, false}, {429, true},
		{500, true}, {502, true}, {503, true},
	}
	c := client(t, "127.0.0.1")
	for _, tt := range tests {
		t.Run(strconv.Itoa(tt.status), func(t *testing.T) {
			srv, _ := server(t, func(w http.ResponseWriter, r *http.Request) {
				w.WriteHeader(tt.status)
				io.WriteString(w, "status body")
			})
			resp, err := c.Do(context.Background(), Request{URL: srv.URL})
			if err != nil {
				t.Fatalf("Do: %v, want a response", err)
			}
			if resp.Status != tt.status || string(resp.Body) != "status body" {
				t.Errorf("resp = %d %q, want %d %q", resp.Status, resp.Body, tt.status, "status body")
			}
			if got := Retryable(nil, resp.Status); got != tt.retryable {
				t.Errorf("Retryable(nil, %d) = %v, want %v", tt.status, got, tt.retryable)
			}
		})
	}
}

func TestDoBodyLimit(t *testing.T) {
	const mib = 1 << 20
	// ?n=<bytes>&stream=1 writes n bytes, streamed without Content-Length.
	srv, _ := server(t, func(w http.ResponseWriter, r *http.Request) {
		n, _ := strconv.Atoi(r.URL.Query().Get("n"))
		body := strings.Repeat("x", n)
		if r.URL.Query().Get("stream") != "" {
			io.WriteString(w, body[:n/2])
			w.(http.Flusher).Flush()
			io.WriteString(w, body[n/2:])
			return
		}
		w.Header().Set("Content-Length", strconv.Itoa(n))
		io.WriteString(w, body)
	})
	tests := []struct {
		name  string
		query string
		max   int64
		ok    bool
	}{
		{"at the cap", "n=10", 10, true},
		{"over the cap with Content-Length", "n=11", 10, false},
		{"at the cap streamed", "n=10&stream=1", 10, true},
		{"over the cap streamed", "n=11&stream=1", 10, false},
		{"default cap reached", "n=" + strconv.Itoa(mib), 0, true},
		{"default cap passed", "n=" + strconv.Itoa(mib+1) + "&stream=1", 0, false},
	}
	c := client(t, "127.0.0.1")
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, err := c.Do(context.Background(), Request{URL: srv.URL + "?" + tt.query, Limits: Limits{MaxBodyBytes: tt.max}})
			if tt.ok {
				if err != nil {
					t.Fatalf("Do: %v", err)
				}
				n, _ := strconv.Atoi(strings.Split(strings.TrimPrefix(tt.query, "n="), "&")[0])
				if len(resp.Body) != n {
					t.Errorf("len(Body) = %d, want %d", len(resp.Body), n)
				}
				return
			}
			e := wantKind(t, err, KindTooLarge)
			if !strings.Contains(e.Message, "larger than the") || Retryable(err, 0) {
				t.Errorf("error %q (retryable %v), want a size message and not retryable", e, Retryable(err, 0))
			}
		})
	}
}

func TestDoTimeout(t *testing.T) {
	// The handlers wait for the client to give up (or 5s, to fail the bound).
	stall := func(r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-time.After(5 * time.Second):
		}
	}
	headers, _ := server(t, func(w http.ResponseWriter, r *http.Request) { stall(r) })
	body, _ := server(t, func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "partial")
		w.(http.Flusher).Flush()
		stall(r)
	})
	c := client(t, "127.0.0.1")
	for name, srv := range map[string]*httptest.Server{"before headers": headers, "while reading body": body} {
		t.Run(name, func(t *testing.T) {
			start := time.Now()
			_, err := c.Do(context.Background(), Request{URL: srv.URL, Limits: Limits{Timeout: 200 * time.Millisecond}})
			elapsed := time.Since(start)
			e := wantKind(t, err, KindTimeout)
			if elapsed < 200*time.Millisecond || elapsed > 2*time.Second {
				t.Errorf("Do returned after %s, want about 200ms", elapsed)
			}
			if !strings.HasSuffix(e.Message, "did not answer within 200ms") || !Retryable(err, 0) {
				t.Errorf("error %q (retryable %v), want a timeout message and retryable", e, Retryable(err, 0))
			}
		})
	}
}

func TestDoCallerCancelled(t *testing.T) {
	started := make(chan struct{})
	srv, _ := server(t, func(w http.ResponseWriter, r *http.Request) {
		close(started)
		<-r.Context().Done()
	})
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		<-started
		cancel()
	}()
	_, err := client(t, "127.0.0.1").Do(ctx, Request{URL: srv.URL})
	e := wantKind(t, err, KindNetwork)
	if e.Message != "call cancelled" || !errors.Is(err, context.Canceled) {
		t.Errorf("error = %q (cause %v), want \"call cancelled\" wrapping context.Canceled", e, e.Err)
	}
}

func TestDoConnectionRefused(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()

	_, err = client(t, "127.0.0.1").Do(context.Background(), Request{URL: "http://" + addr + "/"})
	e := wantKind(t, err, KindNetwork)
	if want := "could not reach " + addr + ": connection refused"; e.Message != want {
		t.Errorf("error = %q, want %q", e, want)
	}
	if !Retryable(err, 0) {
		t.Error("Retryable(connection refused) = false, want true")
	}
}

func TestDoRedirects(t *testing.T) {
	final, finalHits := server(t, func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "final") })
	redirectTo := func(target string) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, target, http.StatusFound) }
	}
	toFinal, _ := server(t, redirectTo(final.URL+"/landing"))
	toFTP, _ := server(t, redirectTo("ftp://files.example.com/x"))
	hops, _ := server(t, func(w http.ResponseWriter, r *http.Request) {
		n, _ := strconv.Atoi(r.URL.Query().Get("n"))
		http.Redirect(w, r, "/?n="+strconv.Itoa(n+1), http.StatusFound)
	})

	t.Run("not followed by default", func(t *testing.T) {
		resp, err := client(t, "127.0.0.1").Do(context.Background(), Request{URL: toFinal.URL})
		if err != nil {
			t.Fatal(err)
		}
		if resp.Status != http.StatusFound || resp.Header.Get("Location") != final.URL+"/landing" {
			t.Errorf("resp = %d Location %q, want 302 %q", resp.Status, resp.Header.Get("Location"), final.URL+"/landing")
		}
		if n := finalHits.Load(); n != 0 {
			t.Errorf("redirect target saw %d requests, want 0", n)
		}
	})
	t.Run("followed to an allowed target", func(t *testing.T) {
		resp, err := client(t, "127.0.0.1").Do(context.Background(), Request{URL: toFinal.URL, Limits: Limits{MaxRedirects: 1}})
		if err != nil {
			t.Fatal(err)
		}
		if resp.Status != http.StatusOK || string(resp.Body) != "final" {
			t.Errorf("resp = %d %q, want 200 final", resp.Status, resp.Body)
		}
	})
	t.Run("followed to a refused target", func(t *testing.T) {
		// Only the redirecting server's port is allowed.
		before := finalHits.Load()
		c := client(t, "127.0.0.1:"+port(t, toFinal))
		_, err := c.Do(context.Background(), Request{URL: toFinal.URL, Limits: Limits{MaxRedirects: 5}})
		e := wantKind(t, err, KindRefused)
		if !strings.Contains(e.Message, "refused to call 127.0.0.1:"+port(t, final)+": loopback address") {
			t.Errorf("error = %q, want it to name the redirect target", e)
		}
		if n := finalHits.Load() - before; n != 0 {
			t.Errorf("redirect target saw %d requests, want 0", n)
		}
	})
	t.Run("to another scheme", func(t *testing.T) {
		_, err := client(t, "127.0.0.1").Do(context.Background(), Request{URL: toFTP.URL, Limits: Limits{MaxRedirects: 5}})
		e := wantKind(t, err, KindInvalid)
		if !strings.HasPrefix(e.Message, `redirect to URL scheme "ftp" is not supported`) {
			t.Errorf("error = %q", e)
		}
	})
	t.Run("more than MaxRedirects", func(t *testing.T) {
		resp, err := client(t, "127.0.0.1").Do(context.Background(), Request{URL: hops.URL + "/?n=0", Limits: Limits{MaxRedirects: 2}})
		if err != nil {
			t.Fatal(err)
		}
		// Requests n=0, 1, 2 were made; the third 302 is returned.
		if resp.Status != http.StatusFound || resp.Header.Get("Location") != "/?n=3" {
			t.Errorf("resp = %d Location %q, want 302 /?n=3", resp.Status, resp.Header.Get("Location"))
		}
	})
}

func TestDoInvalidRequests(t *testing.T) {
	srv, hits := server(t, ok)
	tests := []struct {
		name    string
		req     Request
		message string
	}{
		{"ftp scheme", Request{URL: "ftp://" + strings.TrimPrefix(srv.URL, "http://")}, `URL scheme "ftp" is not supported: only http and https are`},
		{"no scheme", Request{URL: "example.com/hook"}, "URL must start with http:// or https://"},
		{"userinfo", Request{URL: "http://user:secret@" + strings.TrimPrefix(srv.URL, "http://")}, "URL must not contain a user name or password: send credentials in a header instead"},
		{"no host", Request{URL: "http:///path"}, "URL has no host name"},
		{"port out of range", Request{URL: "http://127.0.0.1:70000/"}, `URL port "70000" is not a number from 1 to 65535`},
		{"unparsable", Request{URL: "http://[::1/?token=secret"}, `invalid URL: missing ']' in host`},
		{"method CONNECT", Request{Method: "CONNECT", URL: srv.URL}, `unsupported HTTP method "CONNECT": use GET, POST, PUT, PATCH, DELETE or HEAD`},
		{"method with space", Request{Method: "GET /x", URL: srv.URL}, `unsupported HTTP method "GET /x": use GET, POST, PUT, PATCH, DELETE or HEAD`},
		{"header name", Request{URL: srv.URL, Header: http.Header{"Bad Name": {"x"}}}, `invalid header name "Bad Name": use letters, digits and - only`},
		{"header value", Request{URL: srv.URL, Header: http.Header{"X-A": {"a\r\nX-Injected: 1"}}}, `header "X-A" has an invalid value: it contains a line break or another control character`},
	}
	c := client(t, "127.0.0.1")
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := c.Do(context.Background(), tt.req)
			e := wantKind(t, err, KindInvalid)
			if e.Message != tt.message {
				t.Errorf("message\n got %q\nwant %q", e.Message, tt.message)
			}
			if strings.Contains(e.Error(), "secret") {
				t.Errorf("error %q leaks a secret from the URL", e)
			}
			if Retryable(err, 0) {
				t.Error("Retryable = true, want false")
			}
		})
	}
	if n := hits.Load(); n != 0 {
		t.Errorf("server saw %d requests, want 0", n)
	}
}

func TestDoHostNameAllowEntry(t *testing.T) {
	srv, hits := server(t, ok)
	p := port(t, srv)
	tests := []struct {
		allow string
		url   string
		ok    bool
	}{
		{"localhost", "http://localhost:" + p + "/", true},
		{"localhost:" + p, "http://localhost:" + p + "/", true},
		{"LOCALHOST", "http://LocalHost:" + p + "/", true},
		{"localhost:1", "http://localhost:" + p + "/", false},
		{"localhost", "http://127.0.0.1:" + p + "/", false},
		{"hooks.internal", "http://localhost:" + p + "/", false},
	}
	var want int64
	for _, tt := range tests {
		t.Run(tt.allow+" "+tt.url, func(t *testing.T) {
			resp, err := client(t, tt.allow).Do(context.Background(), Request{URL: tt.url})
			if !tt.ok {
				wantKind(t, err, KindRefused)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			want++
			if resp.Status != http.StatusOK || string(resp.Body) != "ok" {
				t.Errorf("resp = %d %q, want 200 ok", resp.Status, resp.Body)
			}
		})
	}
	if n := hits.Load(); n != want {
		t.Errorf("server saw %d requests, want %d", n, want)
	}
}
