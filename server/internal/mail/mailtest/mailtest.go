// Package mailtest is an SMTP server on loopback that keeps what it is
// sent, standing in for a mail relay in tests.
package mailtest

import (
	"fmt"
	"io"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"net/textproto"
	"strings"
	"sync"
	"testing"
	"time"
)

// Message is one accepted message.
type Message struct {
	From string
	To   []string
	// Header and Body are the parsed DATA.
	Header mail.Header
	Body   string
	Raw    string
}

// Server is a minimal SMTP server: EHLO/HELO, MAIL, RCPT, DATA, RSET,
// NOOP, QUIT.
type Server struct {
	Addr string
	ln   net.Listener

	mu       sync.Mutex
	messages []Message
	// failures is how many DATA commands still get failCode.
	failures, failCode int
	arrived            chan struct{}
}

// Start runs a server until the test ends.
func Start(t testing.TB) *Server {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &Server{Addr: ln.Addr().String(), ln: ln, arrived: make(chan struct{}, 1000)}
	go s.serve()
	t.Cleanup(func() { ln.Close() })
	return s
}

// URL is the server's smtp:// URL.
func (s *Server) URL() string { return "smtp://" + s.Addr }

// FailNext makes the next n messages fail with the SMTP reply code
// (451: try again later; 550: refused for good).
func (s *Server) FailNext(n, code int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failures, s.failCode = n, code
}

// Messages returns what was accepted so far.
func (s *Server) Messages() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Message(nil), s.messages...)
}

// Arrived is signalled once per accepted message.
func (s *Server) Arrived() <-chan struct{} { return s.arrived }

func (s *Server) serve() {
	for {
		conn, err := s.ln.Accept()
		if err != nil {
			return
		}
		go s.session(conn)
	}
}

func (s *Server) session(conn net.Conn) {
	defer conn.Close()
	tp := textproto.NewConn(conn)
	reply := func(code int, msg string) { _ = tp.PrintfLine("%d %s", code, msg) }
	reply(220, "mailtest ready")
	var cur Message
	for {
		line, err := tp.ReadLine()
		if err != nil {
			return
		}
		verb, arg, _ := strings.Cut(line, " ")
		switch strings.ToUpper(verb) {
		case "EHLO", "HELO":
			reply(250, "mailtest")
		case "MAIL":
			cur = Message{From: address(arg)}
			reply(250, "ok")
		case "RCPT":
			cur.To = append(cur.To, address(arg))
			reply(250, "ok")
		case "DATA":
			reply(354, "go ahead")
			raw, err := tp.ReadDotBytes()
			if err != nil {
				return
			}
			s.accept(cur, string(raw), reply)
			cur = Message{}
		case "RSET":
			cur = Message{}
			reply(250, "ok")
		case "NOOP":
			reply(250, "ok")
		case "QUIT":
			reply(221, "bye")
			return
		default:
			reply(502, "not implemented")
		}
	}
}

func (s *Server) accept(m Message, raw string, reply func(int, string)) {
	s.mu.Lock()
	if s.failures > 0 {
		s.failures--
		code := s.failCode
		s.mu.Unlock()
		reply(code, "mailtest was told to refuse this message")
		return
	}
	m.Raw = raw
	if parsed, err := mail.ReadMessage(strings.NewReader(raw)); err == nil {
		m.Header = parsed.Header
		var r io.Reader = parsed.Body
		if strings.EqualFold(parsed.Header.Get("Content-Transfer-Encoding"), "quoted-printable") {
			r = quotedprintable.NewReader(r)
		}
		body, _ := io.ReadAll(r)
		m.Body = string(body)
	}
	s.messages = append(s.messages, m)
	s.mu.Unlock()
	reply(250, fmt.Sprintf("queued as %d", len(s.messages)))
	s.arrived <- struct{}{}
}

// address takes the address out of "FROM:<a@b>" or "TO:<a@b>".
func address(arg string) string {
	_, v, _ := strings.Cut(arg, ":")
	v = strings.TrimSpace(v)
	if i := strings.IndexByte(v, ' '); i >= 0 {
		v = v[:i] // SIZE= and other parameters
	}
	return strings.Trim(v, "<>")
}

// Wait blocks until n messages have arrived in total or the test's patience
// ends.
func (s *Server) Wait(t testing.TB, n int) []Message {
	t.Helper()
	deadline := time.After(10 * time.Second)
	for len(s.Messages()) < n {
		select {
		case <-s.arrived:
		case <-deadline:
			t.Fatalf("mailtest: %d of %d messages arrived", len(s.Messages()), n)
		}
	}
	return s.Messages()
}
