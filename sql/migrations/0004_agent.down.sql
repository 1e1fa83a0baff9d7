DROP TABLE articles;
ALTER TABLE sessions DROP CONSTRAINT sessions_workspace_id_assignee_persona_id_fkey;
DROP TABLE personas;
