package outbound

import (
	"fmt"
	"net"
	"net/netip"
	"strconv"
	"strings"
)

// Guard decides which network addresses outbound calls may reach. By
// default it refuses (SSRF protection): loopback (127.0.0.0/8, ::1), private
// (10/8, 172.16/12, 192.168/16, fc00::/7, 100.64.0.0/10 CGNAT), link-local
// (169.254/16 incl. cloud metadata 169.254.169.254, fe80::/10), unspecified
// (0.0.0.0, ::), multicast, broadcast, and IPv4-mapped IPv6 forms of all of
// these (::ffff:127.0.0.1). Everything else is allowed. The allow-list
// re-allows specific targets.
//
// The zero Guard, and a nil *Guard, apply the default policy with an empty
// allow-list. A Guard is immutable and safe for concurrent use.
type Guard struct {
	nets  []netRule
	hosts []hostRule
}

// netRule allows the addresses in prefix, on port (0 means any port).
type netRule struct {
	prefix netip.Prefix
	port   uint16
}

// hostRule allows calls whose URL names host name, on port (0 means any).
type hostRule struct {
	name string // normalized by normalizeHost
	port uint16
}

// NewGuard builds a guard with an allow-list. Each entry is a CIDR
// ("10.0.0.0/8"), a single IP ("127.0.0.1", "::1"), or a host name
// ("localhost", "hooks.internal") optionally with ":port" — a host entry
// allows whatever that name resolves to (and only on that port when one is
// given; an IP or CIDR entry may also be written "127.0.0.1:8080" to allow
// only that port). Invalid entries are an error naming the entry.
//
// A host entry matches calls whose URL (or redirect) names that host,
// compared case-insensitively and ignoring a trailing dot; the operator
// thereby trusts that name's DNS. An IPv6 address with a port is written in
// brackets ("[::1]:8080"), a CIDR with a port after its length
// ("10.0.0.0/8:443"). Blank entries are skipped.
func NewGuard(allow []string) (*Guard, error) {
	g := &Guard{}
	for _, entry := range allow {
		if err := g.add(entry); err != nil {
			return nil, fmt.Errorf("invalid outbound allow-list entry %q: %s; want a CIDR (10.0.0.0/8), an IP (127.0.0.1) or a host name (hooks.internal), optionally followed by :port", entry, err)
		}
	}
	return g, nil
}

// add parses one allow-list entry into g.
func (g *Guard) add(entry string) error {
	s := strings.TrimSpace(entry)
	if s == "" {
		return nil
	}
	host, port, hasPort := s, "", false
	if slash := strings.IndexByte(s, '/'); slash >= 0 {
		// CIDR: a port can only follow the prefix length.
		if colon := strings.IndexByte(s[slash:], ':'); colon >= 0 {
			host, port, hasPort = s[:slash+colon], s[slash+colon+1:], true
		}
	} else if _, err := netip.ParseAddr(s); err != nil {
		if h, p, err := net.SplitHostPort(s); err == nil {
			host, port, hasPort = h, p, true
		} else if strings.HasPrefix(s, "[") && strings.HasSuffix(s, "]") {
			host = s[1 : len(s)-1]
		}
	}

	var portNum uint16
	if hasPort {
		n, err := strconv.ParseUint(port, 10, 16)
		if err != nil || n == 0 {
			return fmt.Errorf("port %q is not a number from 1 to 65535", port)
		}
		portNum = uint16(n)
	}

	switch {
	case strings.Contains(host, "/"):
		p, err := netip.ParsePrefix(host)
		if err != nil {
			return fmt.Errorf("%q is not a valid CIDR", host)
		}
		g.nets = append(g.nets, netRule{unmapPrefix(p.Masked()), portNum})
	case isIP(host):
		ip := netip.MustParseAddr(host).Unmap().WithZone("")
		g.nets = append(g.nets, netRule{netip.PrefixFrom(ip, ip.BitLen()), portNum})
	case validHostName(host):
		g.hosts = append(g.hosts, hostRule{normalizeHost(host), portNum})
	default:
		return fmt.Errorf("%q is not a valid IP address or host name", host)
	}
	return nil
}

// Check reports whether a dial to ip:port, reached through the requested
// host name, is allowed; the error explains the refusal, e.g. `refused to
// call 127.0.0.1:8080: loopback address (allow it with --outbound-allow)`.
//
// host is the name from the URL (it may be an IP literal, or empty when
// unknown); only host entries of the allow-list look at it. A refusal is an
// *Error of kind KindRefused.
func (g *Guard) Check(host string, ip netip.Addr, port uint16) error {
	plain := ip.Unmap().WithZone("")
	if g.allows(host, plain, port) {
		return nil
	}
	reason := refusal(plain)
	if reason == "" {
		return nil
	}
	target := netip.AddrPortFrom(ip, port).String()
	if host != "" && !isIP(host) {
		target = host + " (" + target + ")"
	}
	return &Error{
		Kind:    KindRefused,
		Message: fmt.Sprintf("refused to call %s: %s (allow it with --outbound-allow)", target, reason),
	}
}

// allows reports whether the allow-list covers the call. ip must be unmapped
// and without zone.
func (g *Guard) allows(host string, ip netip.Addr, port uint16) bool {
	if g == nil {
		return false
	}
	for _, r := range g.nets {
		if r.prefix.Contains(ip) && (r.port == 0 || r.port == port) {
			return true
		}
	}
	if name := normalizeHost(host); name != "" {
		for _, r := range g.hosts {
			if r.name == name && (r.port == 0 || r.port == port) {
				return true
			}
		}
	}
	return false
}

var (
	cgnat     = netip.MustParsePrefix("100.64.0.0/10")
	metadata  = netip.AddrFrom4([4]byte{169, 254, 169, 254})
	broadcast = netip.AddrFrom4([4]byte{255, 255, 255, 255})
)

// refusal names the default-refused category of ip, or returns "" when ip is
// a public address. ip must be unmapped and without zone.
func refusal(ip netip.Addr) string {
	switch {
	case !ip.IsValid():
		return "not a valid IP address"
	case ip.IsUnspecified():
		return "unspecified address"
	case ip.IsLoopback():
		return "loopback address"
	case ip == metadata:
		return "link-local address (cloud metadata service)"
	case ip.IsLinkLocalUnicast():
		return "link-local address"
	case ip.IsPrivate():
		return "private network address"
	case cgnat.Contains(ip):
		return "private network address (carrier-grade NAT)"
	case ip == broadcast:
		return "broadcast address"
	case ip.IsMulticast():
		return "multicast address"
	}
	return ""
}

// unmapPrefix turns an IPv4-mapped IPv6 prefix (::ffff:10.0.0.0/104) into
// its IPv4 form, since Check compares unmapped addresses.
func unmapPrefix(p netip.Prefix) netip.Prefix {
	if p.Addr().Is4In6() && p.Bits() >= 96 {
		return netip.PrefixFrom(p.Addr().Unmap(), p.Bits()-96)
	}
	return p
}

func isIP(s string) bool {
	_, err := netip.ParseAddr(s)
	return err == nil
}

func normalizeHost(host string) string {
	return strings.ToLower(strings.TrimSuffix(host, "."))
}

// validHostName reports whether s is a DNS name: dot-separated labels of
// letters, digits, '-' and '_', the last one not all digits (so a mistyped
// IP such as 300.1.1.1 is not taken for a name). One trailing dot is allowed.
func validHostName(s string) bool {
	s = strings.TrimSuffix(s, ".")
	if s == "" || len(s) > 253 {
		return false
	}
	labels := strings.Split(s, ".")
	for _, l := range labels {
		if l == "" || len(l) > 63 {
			return false
		}
		for _, c := range l {
			if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
				return false
			}
		}
	}
	return strings.Trim(labels[len(labels)-1], "0123456789") != ""
}
