-- Remove from Pod (PostgreSQL) the external recordings that point to a BBB server being shut down.
-- After the shutdown their links are dead; teachers would see them in "Mes vidéos externes".
--
-- Dry run (the default): lists the servers found, then counts and shows what WOULD be deleted.
--   psql "$POD_DATABASE_URL" -v old_prefix='https://bbb.example.org/' -f pod-old-server-recordings.postgresql.sql
-- Delete, in one transaction, once the dry run shows exactly the rows you expect:
--   psql "$POD_DATABASE_URL" -v old_prefix='https://bbb.example.org/' -v confirm=yes -f pod-old-server-recordings.postgresql.sql
--
-- old_prefix is compared as a plain prefix of source_url (no LIKE wildcards) and must look like
-- scheme://host/ (an empty or partial value matches nothing); psql passes it as a quoted literal
-- (:'old_prefix', escaped by libpq), never pasted into the SQL text.
\set ON_ERROR_STOP on
\if :{?old_prefix}
\else
  \echo 'give the old server prefix: -v old_prefix=https://bbb.example.org/'
  \quit
\endif

-- 1. Which servers the BBB external recordings point to (pick the prefix from this list).
SELECT substring(source_url FROM '^[A-Za-z]+://[^/]+/') AS server, count(*) AS recordings
  FROM import_video_externalrecording
 WHERE type = 'bigbluebutton'
 GROUP BY 1 ORDER BY 2 DESC;

BEGIN;

-- 2. What matches the prefix: how many, how many were already uploaded to Pod by someone.
SELECT count(*) AS to_delete, count(uploaded_to_pod_by_id) AS already_uploaded_to_pod
  FROM import_video_externalrecording
 WHERE type = 'bigbluebutton'
   AND :'old_prefix' ~ '^https?://[^/]+/'
   AND left(source_url, length(:'old_prefix')) = :'old_prefix';

SELECT id, owner_id, start_at, name, source_url
  FROM import_video_externalrecording
 WHERE type = 'bigbluebutton'
   AND :'old_prefix' ~ '^https?://[^/]+/'
   AND left(source_url, length(:'old_prefix')) = :'old_prefix'
 ORDER BY start_at DESC
 LIMIT 50;

-- 3. Deletes only with confirm=yes exactly (confirm=no, or any other value, stays a dry run).
\if :{?confirm}
SELECT :'confirm' = 'yes' AS confirmed \gset
\else
\set confirmed false
\endif
\if :confirmed
DELETE FROM import_video_externalrecording
 WHERE type = 'bigbluebutton'
   AND :'old_prefix' ~ '^https?://[^/]+/'
   AND left(source_url, length(:'old_prefix')) = :'old_prefix';
COMMIT;
\echo 'deleted (committed)'
\else
ROLLBACK;
\echo 'dry run: nothing deleted; add -v confirm=yes to delete the rows counted above'
\endif
