package store

import (
	"encoding/binary"
	"errors"
	"fmt"
	"slices"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgtype"
)

// uuidCodec is pgx's uuid codec that also encodes uuid.UUID and scans into
// it directly, as the 16 bytes of PostgreSQL's binary format.
//
// pgx does not know uuid.UUID; left to itself it goes through the
// type's database/sql methods: every parameter is formatted as a string,
// tried in binary (an error is built and dropped), parsed back and then
// encoded, and every scanned value is formatted and parsed the same way.
// A trigger binds and scans about thirty of them.
type uuidCodec struct{ pgtype.UUIDCodec }

// registerUUID makes m encode and scan uuid.UUID (and []uuid.UUID) with
// uuidCodec.
func registerUUID(m *pgtype.Map) {
	t := &pgtype.Type{Name: "uuid", OID: pgtype.UUIDOID, Codec: uuidCodec{}}
	m.RegisterType(t)
	m.RegisterType(&pgtype.Type{Name: "_uuid", OID: pgtype.UUIDArrayOID, Codec: uuidArrayCodec{&pgtype.ArrayCodec{ElementType: t}}})
}

// uuidArrayCodec is pgx's array codec over uuidCodec that also encodes a
// []uuid.UUID in one pass. pgx's own reaches each element through
// reflection, which copies it to the heap, and grows its buffer as it
// goes: the resync of open streams sends a thousand at a time, every few
// seconds.
type uuidArrayCodec struct{ *pgtype.ArrayCodec }

func (c uuidArrayCodec) PlanEncode(m *pgtype.Map, oid uint32, format int16, value any) pgtype.EncodePlan {
	if _, ok := value.([]uuid.UUID); ok && format == pgtype.BinaryFormatCode {
		return encodeUUIDArrayBinary{}
	}
	return c.ArrayCodec.PlanEncode(m, oid, format, value)
}

type encodeUUIDArrayBinary struct{}

// Encode writes PostgreSQL's binary array format: the number of
// dimensions, whether there are NULLs, the element type, then the length
// and lower bound of the one dimension, then each element, its length
// first. An array without elements has no dimension.
func (encodeUUIDArrayBinary) Encode(value any, buf []byte) ([]byte, error) {
	ids := value.([]uuid.UUID)
	if ids == nil {
		return nil, nil // NULL
	}
	be := binary.BigEndian
	if len(ids) == 0 {
		buf = be.AppendUint32(be.AppendUint32(buf, 0), 0)
		return be.AppendUint32(buf, pgtype.UUIDOID), nil
	}
	buf = slices.Grow(buf, 20+20*len(ids))
	buf = be.AppendUint32(be.AppendUint32(be.AppendUint32(buf, 1), 0), pgtype.UUIDOID)
	buf = be.AppendUint32(be.AppendUint32(buf, uint32(len(ids))), 1)
	for _, id := range ids {
		buf = append(be.AppendUint32(buf, uint32(len(id))), id[:]...)
	}
	return buf, nil
}

func (c uuidCodec) PlanEncode(m *pgtype.Map, oid uint32, format int16, value any) pgtype.EncodePlan {
	if _, ok := value.(uuid.UUID); ok && format == pgtype.BinaryFormatCode {
		return encodeUUIDBinary{}
	}
	return c.UUIDCodec.PlanEncode(m, oid, format, value)
}

func (c uuidCodec) PlanScan(m *pgtype.Map, oid uint32, format int16, target any) pgtype.ScanPlan {
	if _, ok := target.(*uuid.UUID); ok && format == pgtype.BinaryFormatCode {
		return scanUUIDBinary{}
	}
	return c.UUIDCodec.PlanScan(m, oid, format, target)
}

type encodeUUIDBinary struct{}

func (encodeUUIDBinary) Encode(value any, buf []byte) ([]byte, error) {
	u := value.(uuid.UUID)
	return append(buf, u[:]...), nil
}

type scanUUIDBinary struct{}

var errNullUUID = errors.New("cannot scan NULL into uuid.UUID")

func (scanUUIDBinary) Scan(src []byte, dst any) error {
	if src == nil {
		return errNullUUID
	}
	if len(src) != len(uuid.UUID{}) {
		return fmt.Errorf("invalid length for uuid: %d bytes", len(src))
	}
	copy(dst.(*uuid.UUID)[:], src)
	return nil
}
