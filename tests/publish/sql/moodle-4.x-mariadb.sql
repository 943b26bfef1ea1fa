-- The same Moodle 4.x tables as moodle-4.x-postgresql.sql, as Moodle's XMLDB generator creates
-- them on MySQL/MariaDB (from a real 4.x MariaDB dump): int(1-2) -> tinyint, int(3-4) ->
-- smallint, int(5) -> mediumint, int(9) -> int, int(10) -> bigint, text -> longtext, id ->
-- bigint AUTO_INCREMENT, utf8mb4 tables with ROW_FORMAT=COMPRESSED (Moodle's default).
-- The table prefix mdl_ is replaced by the tests when they try another prefix.
CREATE TABLE mdl_bigbluebuttonbn (
  id BIGINT(10) NOT NULL AUTO_INCREMENT PRIMARY KEY, type TINYINT(2) NOT NULL DEFAULT 0, course BIGINT(10) NOT NULL DEFAULT 0,
  name VARCHAR(255) NOT NULL DEFAULT '', intro LONGTEXT, introformat SMALLINT(4) NOT NULL DEFAULT 1,
  meetingid VARCHAR(255) NOT NULL DEFAULT '', moderatorpass VARCHAR(255) NOT NULL DEFAULT '',
  viewerpass VARCHAR(255) NOT NULL DEFAULT '', wait TINYINT(2) NOT NULL DEFAULT 0,
  record TINYINT(2) NOT NULL DEFAULT 0, recordallfromstart TINYINT(2) NOT NULL DEFAULT 0,
  recordhidebutton TINYINT(2) NOT NULL DEFAULT 0, welcome LONGTEXT,
  voicebridge MEDIUMINT(5) NOT NULL DEFAULT 0, openingtime BIGINT(10) NOT NULL DEFAULT 0,
  closingtime BIGINT(10) NOT NULL DEFAULT 0, timecreated BIGINT(10) NOT NULL DEFAULT 0,
  timemodified BIGINT(10) NOT NULL DEFAULT 0, presentation LONGTEXT, participants LONGTEXT,
  userlimit SMALLINT(3) NOT NULL DEFAULT 0, recordings_html TINYINT(2) NOT NULL DEFAULT 0,
  recordings_deleted TINYINT(2) NOT NULL DEFAULT 1, recordings_imported TINYINT(2) NOT NULL DEFAULT 0,
  recordings_preview TINYINT(2) NOT NULL DEFAULT 0, clienttype TINYINT(2) NOT NULL DEFAULT 0,
  muteonstart TINYINT(2) NOT NULL DEFAULT 0, disablecam TINYINT(2) NOT NULL DEFAULT 0,
  disablemic TINYINT(2) NOT NULL DEFAULT 0, disableprivatechat TINYINT(2) NOT NULL DEFAULT 0,
  disablepublicchat TINYINT(2) NOT NULL DEFAULT 0, disablenote TINYINT(2) NOT NULL DEFAULT 0,
  hideuserlist TINYINT(2) NOT NULL DEFAULT 0, completionattendance INT(9) NOT NULL DEFAULT 0,
  completionengagementchats INT(9) NOT NULL DEFAULT 0,
  completionengagementtalks INT(9) NOT NULL DEFAULT 0,
  completionengagementraisehand INT(9) NOT NULL DEFAULT 0,
  completionengagementpollvotes INT(9) NOT NULL DEFAULT 0,
  completionengagementemojis INT(9) NOT NULL DEFAULT 0,
  guestallowed TINYINT(2) DEFAULT 0, mustapproveuser TINYINT(2) DEFAULT 1,
  guestlinkuid VARCHAR(1024), guestpassword VARCHAR(255),
  showpresentation TINYINT(2) NOT NULL DEFAULT 1) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci ROW_FORMAT=COMPRESSED;
CREATE INDEX mdl_bigb_cou_ix ON mdl_bigbluebuttonbn (course);
CREATE TABLE mdl_bigbluebuttonbn_logs (
  id BIGINT(10) NOT NULL AUTO_INCREMENT PRIMARY KEY, courseid BIGINT(10) NOT NULL, bigbluebuttonbnid BIGINT(10) NOT NULL,
  userid BIGINT(10), timecreated BIGINT(10) NOT NULL DEFAULT 0, meetingid VARCHAR(256) NOT NULL DEFAULT '',
  log VARCHAR(32) NOT NULL DEFAULT '', meta LONGTEXT) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci ROW_FORMAT=COMPRESSED;
CREATE INDEX mdl_bigblogs_cou_ix ON mdl_bigbluebuttonbn_logs (courseid);
CREATE INDEX mdl_bigblogs_log_ix ON mdl_bigbluebuttonbn_logs (log);
CREATE INDEX mdl_bigblogs_coubiguselog_ix ON mdl_bigbluebuttonbn_logs (courseid, bigbluebuttonbnid, userid, log);
CREATE INDEX mdl_bigblogs_uselog_ix ON mdl_bigbluebuttonbn_logs (userid, log);
CREATE INDEX mdl_bigblogs_coubig_ix ON mdl_bigbluebuttonbn_logs (courseid, bigbluebuttonbnid);
CREATE TABLE mdl_bigbluebuttonbn_recordings (
  id BIGINT(10) NOT NULL AUTO_INCREMENT PRIMARY KEY, courseid BIGINT(10) NOT NULL, bigbluebuttonbnid BIGINT(10) NOT NULL,
  groupid BIGINT(10), recordingid VARCHAR(64) NOT NULL DEFAULT '', headless TINYINT(2) NOT NULL DEFAULT 0,
  imported TINYINT(2) NOT NULL DEFAULT 0, status TINYINT(2) NOT NULL DEFAULT 0, importeddata LONGTEXT,
  timecreated BIGINT(10) NOT NULL DEFAULT 0, usermodified BIGINT(10) NOT NULL DEFAULT 0,
  timemodified BIGINT(10) NOT NULL DEFAULT 0) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci ROW_FORMAT=COMPRESSED;
CREATE INDEX mdl_bigbreco_cou_ix ON mdl_bigbluebuttonbn_recordings (courseid);
CREATE INDEX mdl_bigbreco_rec_ix ON mdl_bigbluebuttonbn_recordings (recordingid);
CREATE INDEX mdl_bigbreco_big_ix ON mdl_bigbluebuttonbn_recordings (bigbluebuttonbnid);
CREATE INDEX mdl_bigbreco_use_ix ON mdl_bigbluebuttonbn_recordings (usermodified);
CREATE TABLE mdl_user (
  id BIGINT(10) NOT NULL AUTO_INCREMENT PRIMARY KEY, auth VARCHAR(20) NOT NULL DEFAULT 'manual',
  confirmed TINYINT(2) NOT NULL DEFAULT 0, policyagreed TINYINT(2) NOT NULL DEFAULT 0,
  deleted TINYINT(2) NOT NULL DEFAULT 0, suspended TINYINT(2) NOT NULL DEFAULT 0,
  mnethostid BIGINT(10) NOT NULL DEFAULT 0, username VARCHAR(100) NOT NULL DEFAULT '',
  password VARCHAR(255) NOT NULL DEFAULT '', idnumber VARCHAR(255) NOT NULL DEFAULT '',
  firstname VARCHAR(100) NOT NULL DEFAULT '', lastname VARCHAR(100) NOT NULL DEFAULT '',
  email VARCHAR(100) NOT NULL DEFAULT '', lang VARCHAR(30) NOT NULL DEFAULT 'en',
  timezone VARCHAR(100) NOT NULL DEFAULT '99', timecreated BIGINT(10) NOT NULL DEFAULT 0,
  timemodified BIGINT(10) NOT NULL DEFAULT 0) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci ROW_FORMAT=COMPRESSED;
CREATE UNIQUE INDEX mdl_user_mneuse_uix ON mdl_user (mnethostid, username);
CREATE INDEX mdl_user_del_ix ON mdl_user (deleted);
CREATE TABLE mdl_role (
  id BIGINT(10) NOT NULL AUTO_INCREMENT PRIMARY KEY, name VARCHAR(255) NOT NULL DEFAULT '',
  shortname VARCHAR(100) NOT NULL DEFAULT '', description LONGTEXT NOT NULL,
  sortorder BIGINT(10) NOT NULL DEFAULT 0, archetype VARCHAR(30) NOT NULL DEFAULT '') ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci ROW_FORMAT=COMPRESSED;
CREATE UNIQUE INDEX mdl_role_sho_uix ON mdl_role (shortname);
CREATE UNIQUE INDEX mdl_role_sor_uix ON mdl_role (sortorder);
CREATE TABLE mdl_context (
  id BIGINT(10) NOT NULL AUTO_INCREMENT PRIMARY KEY, contextlevel BIGINT(10) NOT NULL DEFAULT 0,
  instanceid BIGINT(10) NOT NULL DEFAULT 0, path VARCHAR(255), depth TINYINT(2) NOT NULL DEFAULT 0,
  locked TINYINT(2) NOT NULL DEFAULT 0) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci ROW_FORMAT=COMPRESSED;
CREATE UNIQUE INDEX mdl_cont_conins_uix ON mdl_context (contextlevel, instanceid);
CREATE INDEX mdl_cont_pat_ix ON mdl_context (path);
CREATE TABLE mdl_role_assignments (
  id BIGINT(10) NOT NULL AUTO_INCREMENT PRIMARY KEY, roleid BIGINT(10) NOT NULL DEFAULT 0, contextid BIGINT(10) NOT NULL DEFAULT 0,
  userid BIGINT(10) NOT NULL DEFAULT 0, timemodified BIGINT(10) NOT NULL DEFAULT 0,
  modifierid BIGINT(10) NOT NULL DEFAULT 0, component VARCHAR(100) NOT NULL DEFAULT '',
  itemid BIGINT(10) NOT NULL DEFAULT 0, sortorder BIGINT(10) NOT NULL DEFAULT 0) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci ROW_FORMAT=COMPRESSED;
CREATE INDEX mdl_roleassi_useconrol_ix ON mdl_role_assignments (userid, contextid, roleid);
CREATE INDEX mdl_roleassi_rolcon_ix ON mdl_role_assignments (roleid, contextid);
CREATE TABLE mdl_course (
  id BIGINT(10) NOT NULL AUTO_INCREMENT PRIMARY KEY, category BIGINT(10) NOT NULL DEFAULT 0, sortorder BIGINT(10) NOT NULL DEFAULT 0,
  fullname VARCHAR(254) NOT NULL DEFAULT '', shortname VARCHAR(255) NOT NULL DEFAULT '',
  idnumber VARCHAR(100) NOT NULL DEFAULT '', visible TINYINT(2) NOT NULL DEFAULT 1,
  groupmode TINYINT(2) NOT NULL DEFAULT 0, timecreated BIGINT(10) NOT NULL DEFAULT 0,
  timemodified BIGINT(10) NOT NULL DEFAULT 0, cacherev BIGINT(10) NOT NULL DEFAULT 0) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci ROW_FORMAT=COMPRESSED;
CREATE TABLE mdl_modules (
  id BIGINT(10) NOT NULL AUTO_INCREMENT PRIMARY KEY, name VARCHAR(20) NOT NULL DEFAULT '', cron BIGINT(10) NOT NULL DEFAULT 0,
  lastcron BIGINT(10) NOT NULL DEFAULT 0, search VARCHAR(255) NOT NULL DEFAULT '',
  visible TINYINT(2) NOT NULL DEFAULT 1) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci ROW_FORMAT=COMPRESSED;
CREATE INDEX mdl_modu_nam_ix ON mdl_modules (name);
CREATE TABLE mdl_course_modules (
  id BIGINT(10) NOT NULL AUTO_INCREMENT PRIMARY KEY, course BIGINT(10) NOT NULL DEFAULT 0, module BIGINT(10) NOT NULL DEFAULT 0,
  instance BIGINT(10) NOT NULL DEFAULT 0, section BIGINT(10) NOT NULL DEFAULT 0, idnumber VARCHAR(100),
  added BIGINT(10) NOT NULL DEFAULT 0, visible TINYINT(2) NOT NULL DEFAULT 1,
  groupmode TINYINT(2) NOT NULL DEFAULT 0, groupingid BIGINT(10) NOT NULL DEFAULT 0,
  showdescription TINYINT(2) NOT NULL DEFAULT 0, deletioninprogress TINYINT(2) NOT NULL DEFAULT 0) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci ROW_FORMAT=COMPRESSED;
CREATE INDEX mdl_courmodu_ins_ix ON mdl_course_modules (instance);
CREATE TABLE mdl_enrol (
  id BIGINT(10) NOT NULL AUTO_INCREMENT PRIMARY KEY, enrol VARCHAR(20) NOT NULL DEFAULT '', status BIGINT(10) NOT NULL DEFAULT 0,
  courseid BIGINT(10) NOT NULL, sortorder BIGINT(10) NOT NULL DEFAULT 0, roleid BIGINT(10) DEFAULT 0,
  timecreated BIGINT(10) NOT NULL DEFAULT 0, timemodified BIGINT(10) NOT NULL DEFAULT 0) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci ROW_FORMAT=COMPRESSED;
CREATE INDEX mdl_enro_cou_ix ON mdl_enrol (courseid);
CREATE TABLE mdl_user_enrolments (
  id BIGINT(10) NOT NULL AUTO_INCREMENT PRIMARY KEY, status BIGINT(10) NOT NULL DEFAULT 0, enrolid BIGINT(10) NOT NULL,
  userid BIGINT(10) NOT NULL, timestart BIGINT(10) NOT NULL DEFAULT 0,
  timeend BIGINT(10) NOT NULL DEFAULT 2147483647, modifierid BIGINT(10) NOT NULL DEFAULT 0,
  timecreated BIGINT(10) NOT NULL DEFAULT 0, timemodified BIGINT(10) NOT NULL DEFAULT 0) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci ROW_FORMAT=COMPRESSED;
CREATE UNIQUE INDEX mdl_userenro_enruse_uix ON mdl_user_enrolments (enrolid, userid);
CREATE TABLE mdl_config (
  id BIGINT(10) NOT NULL AUTO_INCREMENT PRIMARY KEY, name VARCHAR(255) NOT NULL DEFAULT '', value LONGTEXT NOT NULL) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci ROW_FORMAT=COMPRESSED;
CREATE UNIQUE INDEX mdl_conf_nam_uix ON mdl_config (name);
