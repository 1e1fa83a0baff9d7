package store_test

import (
	"context"
	"slices"
	"testing"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/parleyhq/parley/server/internal/pgtest"
	"github.com/parleyhq/parley/server/internal/store"
)

// TestUUIDsRoundTripAsPostgreSQLReadsThem: with the store's uuid codec,
// uuid.UUID values, nil and non-nil *uuid.UUID and []uuid.UUID go to
// PostgreSQL as the same uuids (checked by their text there) and come back
// equal; NULL into a uuid.UUID is an error.
func TestUUIDsRoundTripAsPostgreSQLReadsThem(t *testing.T) {
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, pgtest.URL(t))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	store.RegisterUUID(conn.TypeMap())

	a, b := uuid.MustParse("00112233-4455-6677-8899-aabbccddeeff"), uuid.New()
	var (
		gotA        uuid.UUID
		gotText     string
		gotPtr      *uuid.UUID
		gotNil      *uuid.UUID
		gotArr      []uuid.UUID
		gotArrTexts []string
	)
	err = conn.QueryRow(ctx, `SELECT $1::uuid, $1::uuid::text, $2::uuid, $3::uuid, $4::uuid[], $4::uuid[]::text[]`,
		a, &b, (*uuid.UUID)(nil), []uuid.UUID{b, a}).Scan(&gotA, &gotText, &gotPtr, &gotNil, &gotArr, &gotArrTexts)
	if err != nil {
		t.Fatal(err)
	}
	if gotA != a || gotText != a.String() {
		t.Errorf("uuid: got %v, PostgreSQL read %s; want %v", gotA, gotText, a)
	}
	if gotPtr == nil || *gotPtr != b || gotNil != nil {
		t.Errorf("*uuid.UUID: got %v and %v, want %v and nil", gotPtr, gotNil, b)
	}
	if !slices.Equal(gotArr, []uuid.UUID{b, a}) || !slices.Equal(gotArrTexts, []string{b.String(), a.String()}) {
		t.Errorf("uuid[]: got %v, PostgreSQL read %v; want [%v %v]", gotArr, gotArrTexts, b, a)
	}

	var fromText uuid.UUID
	if err := conn.QueryRow(ctx, `SELECT $1::text::uuid`, a.String()).Scan(&fromText); err != nil || fromText != a {
		t.Errorf("uuid from text: got %v, %v; want %v", fromText, err, a)
	}
	var empty []uuid.UUID
	var cardinality int
	if err := conn.QueryRow(ctx, `SELECT $1::uuid[], cardinality($1::uuid[])`, []uuid.UUID{}).
		Scan(&empty, &cardinality); err != nil || empty == nil || len(empty) != 0 || cardinality != 0 {
		t.Errorf("empty uuid[]: got %v (cardinality %d), %v; want an empty array", empty, cardinality, err)
	}
	var isNull bool
	if err := conn.QueryRow(ctx, `SELECT $1::uuid[] IS NULL`, []uuid.UUID(nil)).Scan(&isNull); err != nil || !isNull {
		t.Errorf("nil []uuid.UUID: IS NULL %v, %v; want NULL", isNull, err)
	}
	var null uuid.UUID
	if err := conn.QueryRow(ctx, `SELECT NULL::uuid`).Scan(&null); err == nil {
		t.Errorf("NULL scanned into a uuid.UUID as %v, want an error", null)
	}
}

// BenchmarkUUIDEncodeScan encodes a uuid parameter and scans a uuid
// result with pgx's type map, as pgx does for every query, with and
// without the store's codec.
func BenchmarkUUIDEncodeScan(b *testing.B) {
	for _, tc := range []struct {
		name     string
		register bool
	}{{"pgx-default", false}, {"store-codec", true}} {
		b.Run(tc.name, func(b *testing.B) {
			m := pgtype.NewMap()
			if tc.register {
				store.RegisterUUID(m)
			}
			id := uuid.New()
			var buf []byte
			var got uuid.UUID
			b.ReportAllocs()
			for b.Loop() {
				var err error
				buf, err = m.Encode(pgtype.UUIDOID, pgtype.BinaryFormatCode, id, buf[:0])
				if err != nil {
					b.Fatal(err)
				}
				if err := m.Scan(pgtype.UUIDOID, pgtype.BinaryFormatCode, buf, &got); err != nil || got != id {
					b.Fatalf("scanned %v, %v; want %v", got, err, id)
				}
			}
		})
	}
}

// BenchmarkUUIDArrayEncode encodes a thousand uuids as a uuid[] parameter
// (a resync query's), with pgx's array codec over the store's uuid codec
// and with the store's array codec.
func BenchmarkUUIDArrayEncode(b *testing.B) {
	ids := make([]uuid.UUID, 1000)
	for i := range ids {
		ids[i] = uuid.New()
	}
	for _, tc := range []struct {
		name  string
		array func(m *pgtype.Map)
	}{
		{"pgx-array-codec", func(m *pgtype.Map) {
			t, _ := m.TypeForOID(pgtype.UUIDOID)
			m.RegisterType(&pgtype.Type{Name: "_uuid", OID: pgtype.UUIDArrayOID, Codec: &pgtype.ArrayCodec{ElementType: t}})
		}},
		{"store-codec", func(*pgtype.Map) {}},
	} {
		b.Run(tc.name, func(b *testing.B) {
			m := pgtype.NewMap()
			store.RegisterUUID(m)
			tc.array(m)
			b.ReportAllocs()
			for b.Loop() {
				if _, err := m.Encode(pgtype.UUIDArrayOID, pgtype.BinaryFormatCode, ids, nil); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
