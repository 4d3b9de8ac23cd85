package server

import (
	"net/http"
	"time"
)

// admitted runs the POST requests of an extra face (MCP's calls) through
// the same admission as GraphQL: they share its slots and each client's
// fair share, and are refused OVERLOADED with Retry-After beyond them.
// Other methods (closing a session) pass.
func (s *Server) admitted(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			h.ServeHTTP(w, r)
			return
		}
		release, over := s.admit.acquire(r.Context(), s.admit.clientKey(r), time.Now().Add(s.cfg.Timeouts.Request))
		if over != nil {
			s.metrics.errors.WithLabelValues(CodeOverloaded).Inc()
			w.Header().Set("Retry-After", "1")
			writeError(w, r, over.status, CodeOverloaded, over.msg)
			return
		}
		defer release()
		h.ServeHTTP(w, r)
	})
}
