-- Committed events are announced by the server that wrote them, after the
-- commit, instead of by a trigger: a transaction that sends a notification
-- holds a database-wide lock from its commit until the commit is flushed,
-- so every event-writing commit of every replica waited for the previous
-- one's disk flush. The server now wakes its own streams directly and tells
-- the other replicas in batches, from transactions that write nothing.
DROP TRIGGER IF EXISTS session_events_notify ON session_events;
DROP FUNCTION IF EXISTS parley_notify_session_event();
