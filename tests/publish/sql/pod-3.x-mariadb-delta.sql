-- Turns pod-4.x-mariadb.sql into the Pod 3.8 shape, using the differences measured between the
-- 3.8.4 and 4.1.0 PostgreSQL dumps (research/pod-real.md §4.9 item 18): django-tagging's
-- recorder_recorder.tags column instead of the tagulous tables, and
-- recorder_recordingfiletreatment.file varchar(100) instead of varchar(200).
DROP TABLE recorder_recorder_tags;
DROP TABLE recorder_tagulous_recorder_tags;
ALTER TABLE recorder_recorder ADD COLUMN tags varchar(255) NOT NULL AFTER transcript;
ALTER TABLE recorder_recordingfiletreatment MODIFY file varchar(100) NOT NULL;
