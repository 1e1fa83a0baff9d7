// Package domain holds the types every other Parley package shares: error
// kinds, identifiers and the caller (principal) of a request. It is a leaf:
// it imports no other Parley package.
package domain
