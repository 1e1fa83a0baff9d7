// Package session owns conversations: their state, the event log that
// records every change to them, the session tokens widgets hold, and the
// fan-out that streams new events to subscribers on every replica.
//
// Every change goes through Service.Apply: it locks the session, applies a
// Change, appends the resulting events with the next sequence numbers,
// saves the new state and hands trigger-worthy events to the TriggerSinks,
// all in one transaction.
package session
