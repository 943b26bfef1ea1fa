-- Moodle 4.x tables the publisher reads or writes (mod_bigbluebuttonbn 4.2-4.5 and core),
-- as Moodle's XMLDB generator creates them on PostgreSQL: int(<=4) -> smallint, int(5-9) ->
-- integer, int(>=10) -> bigint, char(n) -> varchar(n), text -> text, id -> bigserial, NOT NULL
-- char columns DEFAULT ''. Columns and defaults from db/install.xml and a real 4.x dump
-- (research/bbb-moodle-anchor.md §3.1 and §3.4). Moodle creates no FOREIGN KEY constraints.
-- The table prefix mdl_ is replaced by the tests when they try another prefix.
CREATE TABLE mdl_bigbluebuttonbn (
  id BIGSERIAL PRIMARY KEY, type SMALLINT NOT NULL DEFAULT 0, course BIGINT NOT NULL DEFAULT 0,
  name VARCHAR(255) NOT NULL DEFAULT '', intro TEXT, introformat SMALLINT NOT NULL DEFAULT 1,
  meetingid VARCHAR(255) NOT NULL DEFAULT '', moderatorpass VARCHAR(255) NOT NULL DEFAULT '',
  viewerpass VARCHAR(255) NOT NULL DEFAULT '', wait SMALLINT NOT NULL DEFAULT 0,
  record SMALLINT NOT NULL DEFAULT 0, recordallfromstart SMALLINT NOT NULL DEFAULT 0,
  recordhidebutton SMALLINT NOT NULL DEFAULT 0, welcome TEXT,
  voicebridge INTEGER NOT NULL DEFAULT 0, openingtime BIGINT NOT NULL DEFAULT 0,
  closingtime BIGINT NOT NULL DEFAULT 0, timecreated BIGINT NOT NULL DEFAULT 0,
  timemodified BIGINT NOT NULL DEFAULT 0, presentation TEXT, participants TEXT,
  userlimit SMALLINT NOT NULL DEFAULT 0, recordings_html SMALLINT NOT NULL DEFAULT 0,
  recordings_deleted SMALLINT NOT NULL DEFAULT 1, recordings_imported SMALLINT NOT NULL DEFAULT 0,
  recordings_preview SMALLINT NOT NULL DEFAULT 0, clienttype SMALLINT NOT NULL DEFAULT 0,
  muteonstart SMALLINT NOT NULL DEFAULT 0, disablecam SMALLINT NOT NULL DEFAULT 0,
  disablemic SMALLINT NOT NULL DEFAULT 0, disableprivatechat SMALLINT NOT NULL DEFAULT 0,
  disablepublicchat SMALLINT NOT NULL DEFAULT 0, disablenote SMALLINT NOT NULL DEFAULT 0,
  hideuserlist SMALLINT NOT NULL DEFAULT 0, completionattendance INTEGER NOT NULL DEFAULT 0,
  completionengagementchats INTEGER NOT NULL DEFAULT 0,
  completionengagementtalks INTEGER NOT NULL DEFAULT 0,
  completionengagementraisehand INTEGER NOT NULL DEFAULT 0,
  completionengagementpollvotes INTEGER NOT NULL DEFAULT 0,
  completionengagementemojis INTEGER NOT NULL DEFAULT 0,
  guestallowed SMALLINT DEFAULT 0, mustapproveuser SMALLINT DEFAULT 1,
  guestlinkuid VARCHAR(1024), guestpassword VARCHAR(255),
  showpresentation SMALLINT NOT NULL DEFAULT 1);
CREATE INDEX mdl_bigb_cou_ix ON mdl_bigbluebuttonbn (course);
CREATE TABLE mdl_bigbluebuttonbn_logs (
  id BIGSERIAL PRIMARY KEY, courseid BIGINT NOT NULL, bigbluebuttonbnid BIGINT NOT NULL,
  userid BIGINT, timecreated BIGINT NOT NULL DEFAULT 0, meetingid VARCHAR(256) NOT NULL DEFAULT '',
  log VARCHAR(32) NOT NULL DEFAULT '', meta TEXT);
CREATE INDEX mdl_bigblogs_cou_ix ON mdl_bigbluebuttonbn_logs (courseid);
CREATE INDEX mdl_bigblogs_log_ix ON mdl_bigbluebuttonbn_logs (log);
CREATE INDEX mdl_bigblogs_coubiguselog_ix ON mdl_bigbluebuttonbn_logs (courseid, bigbluebuttonbnid, userid, log);
CREATE INDEX mdl_bigblogs_uselog_ix ON mdl_bigbluebuttonbn_logs (userid, log);
CREATE INDEX mdl_bigblogs_coubig_ix ON mdl_bigbluebuttonbn_logs (courseid, bigbluebuttonbnid);
CREATE TABLE mdl_bigbluebuttonbn_recordings (
  id BIGSERIAL PRIMARY KEY, courseid BIGINT NOT NULL, bigbluebuttonbnid BIGINT NOT NULL,
  groupid BIGINT, recordingid VARCHAR(64) NOT NULL DEFAULT '', headless SMALLINT NOT NULL DEFAULT 0,
  imported SMALLINT NOT NULL DEFAULT 0, status SMALLINT NOT NULL DEFAULT 0, importeddata TEXT,
  timecreated BIGINT NOT NULL DEFAULT 0, usermodified BIGINT NOT NULL DEFAULT 0,
  timemodified BIGINT NOT NULL DEFAULT 0);
CREATE INDEX mdl_bigbreco_cou_ix ON mdl_bigbluebuttonbn_recordings (courseid);
CREATE INDEX mdl_bigbreco_rec_ix ON mdl_bigbluebuttonbn_recordings (recordingid);
CREATE INDEX mdl_bigbreco_big_ix ON mdl_bigbluebuttonbn_recordings (bigbluebuttonbnid);
CREATE INDEX mdl_bigbreco_use_ix ON mdl_bigbluebuttonbn_recordings (usermodified);
CREATE TABLE mdl_user (
  id BIGSERIAL PRIMARY KEY, auth VARCHAR(20) NOT NULL DEFAULT 'manual',
  confirmed SMALLINT NOT NULL DEFAULT 0, policyagreed SMALLINT NOT NULL DEFAULT 0,
  deleted SMALLINT NOT NULL DEFAULT 0, suspended SMALLINT NOT NULL DEFAULT 0,
  mnethostid BIGINT NOT NULL DEFAULT 0, username VARCHAR(100) NOT NULL DEFAULT '',
  password VARCHAR(255) NOT NULL DEFAULT '', idnumber VARCHAR(255) NOT NULL DEFAULT '',
  firstname VARCHAR(100) NOT NULL DEFAULT '', lastname VARCHAR(100) NOT NULL DEFAULT '',
  email VARCHAR(100) NOT NULL DEFAULT '', lang VARCHAR(30) NOT NULL DEFAULT 'en',
  timezone VARCHAR(100) NOT NULL DEFAULT '99', timecreated BIGINT NOT NULL DEFAULT 0,
  timemodified BIGINT NOT NULL DEFAULT 0);
CREATE UNIQUE INDEX mdl_user_mneuse_uix ON mdl_user (mnethostid, username);
CREATE INDEX mdl_user_del_ix ON mdl_user (deleted);
CREATE TABLE mdl_role (
  id BIGSERIAL PRIMARY KEY, name VARCHAR(255) NOT NULL DEFAULT '',
  shortname VARCHAR(100) NOT NULL DEFAULT '', description TEXT NOT NULL,
  sortorder BIGINT NOT NULL DEFAULT 0, archetype VARCHAR(30) NOT NULL DEFAULT '');
CREATE UNIQUE INDEX mdl_role_sho_uix ON mdl_role (shortname);
CREATE UNIQUE INDEX mdl_role_sor_uix ON mdl_role (sortorder);
CREATE TABLE mdl_context (
  id BIGSERIAL PRIMARY KEY, contextlevel BIGINT NOT NULL DEFAULT 0,
  instanceid BIGINT NOT NULL DEFAULT 0, path VARCHAR(255), depth SMALLINT NOT NULL DEFAULT 0,
  locked SMALLINT NOT NULL DEFAULT 0);
CREATE UNIQUE INDEX mdl_cont_conins_uix ON mdl_context (contextlevel, instanceid);
CREATE INDEX mdl_cont_pat_ix ON mdl_context (path);
CREATE TABLE mdl_role_assignments (
  id BIGSERIAL PRIMARY KEY, roleid BIGINT NOT NULL DEFAULT 0, contextid BIGINT NOT NULL DEFAULT 0,
  userid BIGINT NOT NULL DEFAULT 0, timemodified BIGINT NOT NULL DEFAULT 0,
  modifierid BIGINT NOT NULL DEFAULT 0, component VARCHAR(100) NOT NULL DEFAULT '',
  itemid BIGINT NOT NULL DEFAULT 0, sortorder BIGINT NOT NULL DEFAULT 0);
CREATE INDEX mdl_roleassi_useconrol_ix ON mdl_role_assignments (userid, contextid, roleid);
CREATE INDEX mdl_roleassi_rolcon_ix ON mdl_role_assignments (roleid, contextid);
CREATE TABLE mdl_course (
  id BIGSERIAL PRIMARY KEY, category BIGINT NOT NULL DEFAULT 0, sortorder BIGINT NOT NULL DEFAULT 0,
  fullname VARCHAR(254) NOT NULL DEFAULT '', shortname VARCHAR(255) NOT NULL DEFAULT '',
  idnumber VARCHAR(100) NOT NULL DEFAULT '', visible SMALLINT NOT NULL DEFAULT 1,
  groupmode SMALLINT NOT NULL DEFAULT 0, timecreated BIGINT NOT NULL DEFAULT 0,
  timemodified BIGINT NOT NULL DEFAULT 0, cacherev BIGINT NOT NULL DEFAULT 0);
CREATE TABLE mdl_modules (
  id BIGSERIAL PRIMARY KEY, name VARCHAR(20) NOT NULL DEFAULT '', cron BIGINT NOT NULL DEFAULT 0,
  lastcron BIGINT NOT NULL DEFAULT 0, search VARCHAR(255) NOT NULL DEFAULT '',
  visible SMALLINT NOT NULL DEFAULT 1);
CREATE INDEX mdl_modu_nam_ix ON mdl_modules (name);
CREATE TABLE mdl_course_modules (
  id BIGSERIAL PRIMARY KEY, course BIGINT NOT NULL DEFAULT 0, module BIGINT NOT NULL DEFAULT 0,
  instance BIGINT NOT NULL DEFAULT 0, section BIGINT NOT NULL DEFAULT 0, idnumber VARCHAR(100),
  added BIGINT NOT NULL DEFAULT 0, visible SMALLINT NOT NULL DEFAULT 1,
  groupmode SMALLINT NOT NULL DEFAULT 0, groupingid BIGINT NOT NULL DEFAULT 0,
  showdescription SMALLINT NOT NULL DEFAULT 0, deletioninprogress SMALLINT NOT NULL DEFAULT 0);
CREATE INDEX mdl_courmodu_ins_ix ON mdl_course_modules (instance);
CREATE TABLE mdl_enrol (
  id BIGSERIAL PRIMARY KEY, enrol VARCHAR(20) NOT NULL DEFAULT '', status BIGINT NOT NULL DEFAULT 0,
  courseid BIGINT NOT NULL, sortorder BIGINT NOT NULL DEFAULT 0, roleid BIGINT DEFAULT 0,
  timecreated BIGINT NOT NULL DEFAULT 0, timemodified BIGINT NOT NULL DEFAULT 0);
CREATE INDEX mdl_enro_cou_ix ON mdl_enrol (courseid);
CREATE TABLE mdl_user_enrolments (
  id BIGSERIAL PRIMARY KEY, status BIGINT NOT NULL DEFAULT 0, enrolid BIGINT NOT NULL,
  userid BIGINT NOT NULL, timestart BIGINT NOT NULL DEFAULT 0,
  timeend BIGINT NOT NULL DEFAULT 2147483647, modifierid BIGINT NOT NULL DEFAULT 0,
  timecreated BIGINT NOT NULL DEFAULT 0, timemodified BIGINT NOT NULL DEFAULT 0);
CREATE UNIQUE INDEX mdl_userenro_enruse_uix ON mdl_user_enrolments (enrolid, userid);
CREATE TABLE mdl_config (
  id BIGSERIAL PRIMARY KEY, name VARCHAR(255) NOT NULL DEFAULT '', value TEXT NOT NULL);
CREATE UNIQUE INDEX mdl_conf_nam_uix ON mdl_config (name);
