package store

// RegisterUUID is registerUUID, for the tests of package store_test.
var RegisterUUID = registerUUID
