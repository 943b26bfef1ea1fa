-- Remove from Pod (MySQL / MariaDB) the external recordings that point to a BBB server being
-- shut down. After the shutdown their links are dead; teachers would see them in
-- "Mes vidéos externes".
--
-- Dry run (the default, @confirm unset): lists the servers found, then counts and shows what
-- WOULD be deleted, and deletes nothing:
--   mariadb --init-command="SET @old_prefix = 'https://bbb.example.org/'" pod < pod-old-server-recordings.mysql.sql
-- Delete, in one transaction, once the dry run shows exactly the rows you expect:
--   mariadb --init-command="SET @old_prefix = 'https://bbb.example.org/', @confirm = 'yes'" pod < pod-old-server-recordings.mysql.sql
--
-- The prefix goes to the server as a bound parameter of prepared statements (EXECUTE ... USING),
-- compared as a plain prefix of source_url (no LIKE wildcards); it must look like
-- scheme://host/ so that an empty or partial value cannot match every row.

-- 1. Which servers the BBB external recordings point to (pick the prefix from this list).
SELECT CONCAT(SUBSTRING_INDEX(source_url, '/', 3), '/') AS server, COUNT(*) AS recordings
  FROM import_video_externalrecording
 WHERE type = 'bigbluebutton'
 GROUP BY server ORDER BY recordings DESC;

START TRANSACTION;

-- 2. What matches the prefix: how many, how many were already uploaded to Pod by someone.
PREPARE counted FROM
  'SELECT COUNT(*) AS to_delete, COUNT(uploaded_to_pod_by_id) AS already_uploaded_to_pod
     FROM import_video_externalrecording
    WHERE type = ''bigbluebutton'' AND ? REGEXP ''^https?://[^/]+/''
      AND LEFT(source_url, CHAR_LENGTH(?)) = ?';
EXECUTE counted USING @old_prefix, @old_prefix, @old_prefix;

PREPARE listed FROM
  'SELECT id, owner_id, start_at, name, source_url
     FROM import_video_externalrecording
    WHERE type = ''bigbluebutton'' AND ? REGEXP ''^https?://[^/]+/''
      AND LEFT(source_url, CHAR_LENGTH(?)) = ?
    ORDER BY start_at DESC LIMIT 50';
EXECUTE listed USING @old_prefix, @old_prefix, @old_prefix;

-- 3. Deletes only with @confirm = 'yes' and a prefix that names a server (scheme://host/).
PREPARE removed FROM
  'DELETE FROM import_video_externalrecording
    WHERE type = ''bigbluebutton'' AND ? = ''yes'' AND ? REGEXP ''^https?://[^/]+/''
      AND LEFT(source_url, CHAR_LENGTH(?)) = ?';
EXECUTE removed USING @confirm, @old_prefix, @old_prefix, @old_prefix;
SELECT ROW_COUNT() AS deleted;

COMMIT;
