DROP TABLE session_events;
DROP FUNCTION parley_notify_session_event();
DROP TABLE sessions;
DROP TABLE operators;
