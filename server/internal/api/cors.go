package api

import (
	"net/http"
	"strings"

	connectcors "connectrpc.com/cors"
)

// corsMaxAge is how long browsers may cache a preflight answer (seconds).
const corsMaxAge = "7200"

// withCORS lets web pages on any origin call the RPCs: the widget runs on
// customers' sites. No cookies are involved (credentials are bearer tokens
// in the Authorization header), so any origin may call without
// credentials; the JSON trigger endpoints, meant for backends holding API
// tokens, get no CORS headers.
func withCORS(next http.Handler) http.Handler {
	methods := strings.Join(connectcors.AllowedMethods(), ", ")
	headers := strings.Join(append(connectcors.AllowedHeaders(), "Authorization"), ", ")
	exposed := strings.Join(connectcors.ExposedHeaders(), ", ")
	c := corsHeaders{methods: methods, headers: headers, exposed: exposed}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if c.answered(w, r) {
			return
		}
		next.ServeHTTP(w, r)
	})
}

// corsHeaders are the CORS answers of withCORS.
type corsHeaders struct{ methods, headers, exposed string }

// answered sets the CORS headers of a cross-origin RPC and reports whether
// it answered a preflight. It is kept out of line so that its frame is not
// on the stack of a stream while it idles (see
// SessionHandler.openSubscription).
//
//go:noinline
func (c corsHeaders) answered(w http.ResponseWriter, r *http.Request) bool {
	if r.Header.Get("Origin") == "" || !isRPCPath(r.URL.Path) {
		return false
	}
	h := w.Header()
	h.Set("Access-Control-Allow-Origin", "*")
	h.Add("Vary", "Origin")
	if r.Method == http.MethodOptions && r.Header.Get("Access-Control-Request-Method") != "" {
		h.Set("Access-Control-Allow-Methods", c.methods)
		h.Set("Access-Control-Allow-Headers", c.headers)
		h.Set("Access-Control-Max-Age", corsMaxAge)
		w.WriteHeader(http.StatusNoContent)
		return true
	}
	h.Set("Access-Control-Expose-Headers", c.exposed)
	return false
}

// isRPCPath reports whether path is a Connect, gRPC or gRPC-Web procedure
// of one of Parley's services.
func isRPCPath(path string) bool { return strings.HasPrefix(path, "/parley.") }
