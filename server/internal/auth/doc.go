// Package auth owns credentials: workspaces' public keys, API tokens (created,
// hashed, scoped, revoked) and the resolution of a Bearer header into the
// domain.Principal that every service checks.
package auth
