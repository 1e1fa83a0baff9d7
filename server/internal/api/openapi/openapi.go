// Package openapi holds the OpenAPI 3 document of the JSON trigger
// endpoints, served at /api/openapi.json.
package openapi

import _ "embed"

// Document is the OpenAPI document, with servers "/" (the server that
// serves it).
//
//go:embed openapi.json
var Document []byte
