package outbound

import (
	"errors"
	"net/netip"
	"strings"
	"testing"
)

func TestGuardRefusesByDefault(t *testing.T) {
	tests := []struct {
		ip     string
		reason string
	}{
		{"127.0.0.1", "loopback address"},
		{"127.255.255.254", "loopback address"},
		{"::1", "loopback address"},
		{"10.1.2.3", "private network address"},
		{"172.16.0.1", "private network address"},
		{"172.31.255.255", "private network address"},
		{"192.168.1.1", "private network address"},
		{"fc00::1", "private network address"},
		{"fd12:3456::1", "private network address"},
		{"100.64.0.1", "private network address (carrier-grade NAT)"},
		{"100.127.255.255", "private network address (carrier-grade NAT)"},
		{"169.254.0.1", "link-local address"},
		{"169.254.169.254", "link-local address (cloud metadata service)"},
		{"fe80::1", "link-local address"},
		{"fe80::1%eth0", "link-local address"},
		{"0.0.0.0", "unspecified address"},
		{"::", "unspecified address"},
		{"224.0.0.1", "multicast address"},
		{"239.255.255.250", "multicast address"},
		{"ff02::1", "multicast address"},
		{"255.255.255.255", "broadcast address"},
		{"::ffff:127.0.0.1", "loopback address"},
		{"::ffff:10.0.0.1", "private network address"},
		{"::ffff:192.168.0.1", "private network address"},
		{"::ffff:100.64.0.1", "private network address (carrier-grade NAT)"},
		{"::ffff:169.254.169.254", "link-local address (cloud metadata service)"},
		{"::ffff:0.0.0.0", "unspecified address"},
		{"::ffff:224.0.0.1", "multicast address"},
		{"::ffff:255.255.255.255", "broadcast address"},
	}
	g, err := NewGuard(nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range tests {
		t.Run(tt.ip, func(t *testing.T) {
			ip := netip.MustParseAddr(tt.ip)
			err := g.Check(tt.ip, ip, 443)
			if err == nil {
				t.Fatalf("Check(%s) allowed, want refused", tt.ip)
			}
			var e *Error
			if !errors.As(err, &e) || e.Kind != KindRefused {
				t.Fatalf("Check(%s) = %#v, want *Error of KindRefused", tt.ip, err)
			}
			want := "refused to call " + netip.AddrPortFrom(ip, 443).String() + ": " + tt.reason + " (allow it with --outbound-allow)"
			if err.Error() != want {
				t.Errorf("Check(%s) error\n got %q\nwant %q", tt.ip, err, want)
			}
		})
	}
}

func TestGuardRefusalMessage(t *testing.T) {
	g, _ := NewGuard(nil)
	err := g.Check("127.0.0.1", netip.MustParseAddr("127.0.0.1"), 8080)
	want := "refused to call 127.0.0.1:8080: loopback address (allow it with --outbound-allow)"
	if err == nil || err.Error() != want {
		t.Errorf("got %v, want %q", err, want)
	}
	// A name that resolved to a refused address is named with the address.
	err = g.Check("hooks.example.com", netip.MustParseAddr("10.0.0.5"), 443)
	want = "refused to call hooks.example.com (10.0.0.5:443): private network address (allow it with --outbound-allow)"
	if err == nil || err.Error() != want {
		t.Errorf("got %v, want %q", err, want)
	}
}

func TestGuardAllowsPublic(t *testing.T) {
	public := []string{
		"93.184.216.34", "8.8.8.8", "1.1.1.1",
		"172.32.0.1",     // just above 172.16/12
		"172.15.255.255", // just below it
		"100.128.0.1",    // just above CGNAT
		"11.0.0.1", "169.255.0.1",
		"2606:4700::1111", "2001:4860:4860::8888",
		"::ffff:93.184.216.34",
	}
	var zero Guard
	g, _ := NewGuard(nil)
	for _, s := range public {
		ip := netip.MustParseAddr(s)
		if err := g.Check("", ip, 443); err != nil {
			t.Errorf("Check(%s) = %v, want allowed", s, err)
		}
		if err := zero.Check("", ip, 443); err != nil {
			t.Errorf("zero Guard: Check(%s) = %v, want allowed", s, err)
		}
	}
}

func TestGuardZeroAndNilRefuse(t *testing.T) {
	ip := netip.MustParseAddr("127.0.0.1")
	var nilGuard *Guard
	if err := nilGuard.Check("", ip, 80); err == nil {
		t.Error("nil Guard allowed 127.0.0.1")
	}
	if err := (&Guard{}).Check("", ip, 80); err == nil {
		t.Error("zero Guard allowed 127.0.0.1")
	}
}

func TestGuardAllowList(t *testing.T) {
	tests := []struct {
		name  string
		allow []string
		host  string
		ip    string
		port  uint16
		ok    bool
	}{
		{"cidr inside", []string{"10.0.0.0/8"}, "", "10.20.30.40", 80, true},
		{"cidr outside", []string{"10.0.0.0/8"}, "", "192.168.1.1", 80, false},
		{"cidr mapped", []string{"10.0.0.0/8"}, "", "::ffff:10.1.1.1", 80, true},
		{"cidr v6", []string{"fd00::/8"}, "", "fd00::42", 80, true},
		{"cidr with port", []string{"10.0.0.0/8:443"}, "", "10.1.1.1", 443, true},
		{"cidr with other port", []string{"10.0.0.0/8:443"}, "", "10.1.1.1", 80, false},
		{"mapped cidr", []string{"::ffff:10.0.0.0/104"}, "", "10.9.9.9", 80, true},
		{"single ip", []string{"127.0.0.1"}, "", "127.0.0.1", 9999, true},
		{"single ip other ip", []string{"127.0.0.1"}, "", "127.0.0.2", 9999, false},
		{"single ip mapped", []string{"127.0.0.1"}, "", "::ffff:127.0.0.1", 80, true},
		{"single v6", []string{"::1"}, "", "::1", 80, true},
		{"bracketed v6", []string{"[::1]"}, "", "::1", 80, true},
		{"ip port", []string{"127.0.0.1:8080"}, "", "127.0.0.1", 8080, true},
		{"ip other port", []string{"127.0.0.1:8080"}, "", "127.0.0.1", 8081, false},
		{"v6 port", []string{"[::1]:8080"}, "", "::1", 8080, true},
		{"v6 other port", []string{"[::1]:8080"}, "", "::1", 8081, false},
		{"host", []string{"hooks.internal"}, "hooks.internal", "10.0.0.5", 443, true},
		{"host any case and trailing dot", []string{"Hooks.Internal."}, "HOOKS.internal.", "10.0.0.5", 443, true},
		{"host other name", []string{"hooks.internal"}, "evil.example", "10.0.0.5", 443, false},
		{"host does not allow its ip directly", []string{"localhost"}, "127.0.0.1", "127.0.0.1", 80, false},
		{"host port", []string{"localhost:8080"}, "localhost", "127.0.0.1", 8080, true},
		{"host other port", []string{"localhost:8080"}, "localhost", "::1", 8081, false},
		{"several entries", []string{"hooks.internal", " 192.168.0.0/16 ", ""}, "x.example", "192.168.7.7", 80, true},
		{"other categories stay refused", []string{"10.0.0.0/8"}, "", "169.254.169.254", 80, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g, err := NewGuard(tt.allow)
			if err != nil {
				t.Fatalf("NewGuard(%q): %v", tt.allow, err)
			}
			err = g.Check(tt.host, netip.MustParseAddr(tt.ip), tt.port)
			if tt.ok && err != nil {
				t.Errorf("Check(%q, %s, %d) = %v, want allowed", tt.host, tt.ip, tt.port, err)
			}
			if !tt.ok && err == nil {
				t.Errorf("Check(%q, %s, %d) allowed, want refused", tt.host, tt.ip, tt.port)
			}
		})
	}
}

func TestNewGuardInvalidEntries(t *testing.T) {
	bad := []string{
		"10.0.0.0/33", "::1/129", "10.0.0.0/8:x", "300.1.1.1", "127.0.0.1:0",
		"127.0.0.1:99999", "localhost:", "localhost:http", "http://example.com",
		"has space", "under/score", "a..b", "[::1",
	}
	for _, entry := range bad {
		g, err := NewGuard([]string{"127.0.0.1", entry})
		if err == nil {
			t.Errorf("NewGuard(%q) = %+v, want error", entry, g)
			continue
		}
		if !strings.Contains(err.Error(), `"`+entry+`"`) {
			t.Errorf("NewGuard(%q) error %q does not name the entry", entry, err)
		}
	}
}
