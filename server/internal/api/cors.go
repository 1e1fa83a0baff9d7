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
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Origin") == "" || !isRPCPath(r.URL.Path) {
			next.ServeHTTP(w, r)
			return
		}
		h := w.Header()
		h.Set("Access-Control-Allow-Origin", "*")
		h.Add("Vary", "Origin")
		if r.Method == http.MethodOptions && r.Header.Get("Access-Control-Request-Method") != "" {
			h.Set("Access-Control-Allow-Methods", methods)
			h.Set("Access-Control-Allow-Headers", headers)
			h.Set("Access-Control-Max-Age", corsMaxAge)
			w.WriteHeader(http.StatusNoContent)
			return
		}
		h.Set("Access-Control-Expose-Headers", exposed)
		next.ServeHTTP(w, r)
	})
}

// isRPCPath reports whether path is a Connect, gRPC or gRPC-Web procedure
// of one of Parley's services.
func isRPCPath(path string) bool { return strings.HasPrefix(path, "/parley.") }
