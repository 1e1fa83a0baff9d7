CREATE FUNCTION parley_notify_session_event() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('parley_session_events',
        NEW.workspace_id::text || ' ' || NEW.session_id::text || ' ' || NEW.sequence::text);
    RETURN NULL;
END;
$$;

CREATE TRIGGER session_events_notify AFTER INSERT ON session_events
FOR EACH ROW EXECUTE FUNCTION parley_notify_session_event();
