package mail_test

import (
	"context"
	"errors"
	"mime"
	"net"
	"strings"
	"testing"

	"github.com/parleyhq/parley/server/internal/mail"
	"github.com/parleyhq/parley/server/internal/mail/mailtest"
)

func TestNewRejectsBadConfiguration(t *testing.T) {
	for _, tc := range []struct{ url, from, want string }{
		{"http://mail.example.com", "a@example.com", "scheme must be smtp or smtps"},
		{"smtp://", "a@example.com", "has no host"},
		{"smtp://mail.example.com/inbox", "a@example.com", "must not have a path"},
		{"smtp://mail.example.com", "not an address", "SMTP sender"},
		{"smtp://user:s3cret@mail.example.com:bad", "a@example.com", "SMTP URL"},
	} {
		_, err := mail.New(tc.url, tc.from)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("New(%q, %q) = %v, want an error containing %q", tc.url, tc.from, err, tc.want)
		}
		if err != nil && strings.Contains(err.Error(), "s3cret") {
			t.Errorf("New(%q): error shows the password: %v", tc.url, err)
		}
	}
	for _, ok := range []string{"smtp://mail.example.com", "smtps://u:p@mail.example.com:2465", "smtp://127.0.0.1:2525/"} {
		if _, err := mail.New(ok, "Parley <parley@example.com>"); err != nil {
			t.Errorf("New(%q) = %v", ok, err)
		}
	}
}

func TestSendDeliversAPlainTextMessage(t *testing.T) {
	srv := mailtest.Start(t)
	s, err := mail.New(srv.URL(), "Parley <parley@example.com>")
	if err != nil {
		t.Fatal(err)
	}
	err = s.Send(context.Background(), mail.Message{
		To:      "Ana <ana@example.com>",
		Subject: "Café order\r\nBcc: everyone@example.com",
		Body:    "Order 12345 needs a look — the visitor asked twice.\nThanks",
		ID:      "run_1.3.ana",
	})
	if err != nil {
		t.Fatal(err)
	}
	m := srv.Wait(t, 1)[0]
	if m.From != "parley@example.com" || len(m.To) != 1 || m.To[0] != "ana@example.com" {
		t.Errorf("envelope from %q to %v", m.From, m.To)
	}
	if got := m.Header.Get("Bcc"); got != "" {
		t.Errorf("a line break in the subject added a Bcc header: %q", got)
	}
	subject, err := new(mime.WordDecoder).DecodeHeader(m.Header.Get("Subject"))
	if err != nil || subject != "Café order Bcc: everyone@example.com" {
		t.Errorf("subject %q (%v)", subject, err)
	}
	if got := m.Header.Get("Message-ID"); got != "<run_1.3.ana@example.com>" {
		t.Errorf("Message-ID %q", got)
	}
	if !strings.Contains(m.Body, "Order 12345 needs a look — the visitor asked twice.") {
		t.Errorf("body %q", m.Body)
	}
}

func TestSendSaysWhetherTryingAgainCanHelp(t *testing.T) {
	srv := mailtest.Start(t)
	s, err := mail.New(srv.URL(), "parley@example.com")
	if err != nil {
		t.Fatal(err)
	}
	msg := mail.Message{To: "ana@example.com", Subject: "s", Body: "b", ID: "x"}
	permanent := func(err error) bool {
		var e *mail.Error
		if !errors.As(err, &e) {
			t.Fatalf("error %v is not a *mail.Error", err)
		}
		return e.Permanent
	}

	srv.FailNext(1, 451)
	if err := s.Send(context.Background(), msg); err == nil || permanent(err) {
		t.Errorf("451: err = %v, want a temporary error", err)
	}
	srv.FailNext(1, 550)
	if err := s.Send(context.Background(), msg); err == nil || !permanent(err) {
		t.Errorf("550: err = %v, want a permanent error", err)
	}
	if err := s.Send(context.Background(), mail.Message{To: "nobody", ID: "x"}); err == nil || !permanent(err) {
		t.Errorf("bad recipient: err = %v, want a permanent error", err)
	}

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := ln.Addr().String()
	ln.Close()
	down, err := mail.New("smtp://"+closed, "parley@example.com")
	if err != nil {
		t.Fatal(err)
	}
	if err := down.Send(context.Background(), msg); err == nil || permanent(err) {
		t.Errorf("relay down: err = %v, want a temporary error", err)
	}
	if n := len(srv.Messages()); n != 0 {
		t.Errorf("%d messages accepted, want 0", n)
	}
}
