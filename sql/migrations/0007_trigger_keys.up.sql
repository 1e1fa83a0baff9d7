-- Which events a published version can start on, as exact keys, so an
-- event finds its candidate workflows through an index instead of reading
-- every active workflow of its kind: a label-added trigger for "vip" and
-- "gold" has the keys 'vip' and 'gold', a custom-data trigger its data key,
-- a trigger without a filter, or with one an exact key cannot express (a
-- message text test, a lead stage compared ignoring case), the key ''. An
-- event looks up its own key and ''; the engine still applies the full
-- filter to what it finds.
-- Versions never change, so their keys are written once, with the version.

-- trigger_keys returns the keys of a version's trigger (the first node whose
-- config is the version's trigger kind) from its stored graph.
CREATE FUNCTION trigger_keys(kind text, graph jsonb) RETURNS SETOF text
LANGUAGE sql IMMUTABLE AS $$
    WITH t AS (
        SELECT n -> kind AS c
        FROM jsonb_array_elements(graph -> 'nodes') WITH ORDINALITY AS e (n, i)
        WHERE n ? kind
        ORDER BY i
        LIMIT 1
    ), keys AS (
        SELECT CASE kind
            WHEN 'custom_data_updated'  THEN ARRAY[c ->> 'key']
            WHEN 'button_answered'      THEN ARRAY[c ->> 'value']
            WHEN 'ai_agent_assigned'    THEN ARRAY[c ->> 'persona_id']
            WHEN 'human_agent_assigned' THEN ARRAY[c ->> 'operator_id']
            WHEN 'label_added'          THEN ARRAY(SELECT jsonb_array_elements_text(c -> 'labels'))
            WHEN 'label_removed'        THEN ARRAY(SELECT jsonb_array_elements_text(c -> 'labels'))
            WHEN 'segment_updated'      THEN ARRAY(SELECT jsonb_array_elements_text(c -> 'segments'))
        END AS ks
        FROM t
    )
    SELECT DISTINCT k
    FROM keys, array_remove(ks, NULL) AS given,
         unnest(CASE WHEN coalesce(cardinality(given), 0) = 0 OR '' = ANY (given) THEN ARRAY[''] ELSE given END) AS k
    UNION
    SELECT '' WHERE NOT EXISTS (SELECT 1 FROM t)
$$;

CREATE TABLE workflow_trigger_keys (
    workspace_id uuid NOT NULL,
    trigger_kind text NOT NULL,
    key          text NOT NULL,
    workflow_id  uuid NOT NULL,
    number       integer NOT NULL,
    PRIMARY KEY (workspace_id, trigger_kind, key, workflow_id, number),
    FOREIGN KEY (workspace_id, workflow_id, number)
        REFERENCES workflow_versions (workspace_id, workflow_id, number) ON DELETE CASCADE
);

INSERT INTO workflow_trigger_keys (workspace_id, trigger_kind, key, workflow_id, number)
SELECT v.workspace_id, v.trigger_kind, k, v.workflow_id, v.number
FROM workflow_versions v, trigger_keys(v.trigger_kind, v.graph) AS k
WHERE v.trigger_kind <> '';
