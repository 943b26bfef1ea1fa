-- Esup-Pod 4.x tables the publisher reads or writes, as Django 4.2's MySQL backend creates them.
-- Translated by hand from Pod's own PostgreSQL DDL (research/pod-schema/pod-4.1.0-full.sql),
-- keeping every column, type length, NULL/NOT NULL, UNIQUE and foreign key, with Django's
-- MySQL type mapping: AutoField → integer AUTO_INCREMENT, BigAutoField → bigint AUTO_INCREMENT,
-- BooleanField → bool (tinyint(1)), DateTimeField → datetime(6) (naive UTC), TextField →
-- longtext, GenericIPAddressField → char(39), DurationField → bigint (microseconds),
-- PositiveIntegerField → integer UNSIGNED + CHECK. Like Django, no column has a DEFAULT and
-- the tables take the database's character set (utf8mb4 unless the database says otherwise).
-- Foreign keys are immediate on MySQL (PostgreSQL's are DEFERRABLE INITIALLY DEFERRED).
-- Only the stub tables main_customimagemodel / main_customfilemodel are reduced to (id, file).

CREATE TABLE django_site (
  id integer AUTO_INCREMENT NOT NULL PRIMARY KEY,
  domain varchar(100) NOT NULL UNIQUE,
  name varchar(50) NOT NULL
) ENGINE=InnoDB;

CREATE TABLE auth_user (
  id integer AUTO_INCREMENT NOT NULL PRIMARY KEY,
  password varchar(128) NOT NULL,
  last_login datetime(6) NULL,
  is_superuser bool NOT NULL,
  username varchar(150) NOT NULL UNIQUE,
  first_name varchar(150) NOT NULL,
  last_name varchar(150) NOT NULL,
  email varchar(254) NOT NULL,
  is_staff bool NOT NULL,
  is_active bool NOT NULL,
  date_joined datetime(6) NOT NULL
) ENGINE=InnoDB;

CREATE TABLE main_customimagemodel (
  id bigint AUTO_INCREMENT NOT NULL PRIMARY KEY,
  file varchar(255) NULL
) ENGINE=InnoDB;

CREATE TABLE main_customfilemodel (
  id bigint AUTO_INCREMENT NOT NULL PRIMARY KEY,
  file varchar(255) NULL
) ENGINE=InnoDB;

CREATE TABLE authentication_owner (
  id bigint AUTO_INCREMENT NOT NULL PRIMARY KEY,
  auth_type varchar(20) NOT NULL,
  affiliation varchar(50) NOT NULL,
  commentaire longtext NOT NULL,
  hashkey varchar(64) NOT NULL UNIQUE,
  establishment varchar(10) NOT NULL,
  accepts_notifications bool NULL,
  user_id integer NOT NULL UNIQUE,
  userpicture_id bigint NULL,
  CONSTRAINT authentication_owner_user_id_45759996_fk_auth_user_id
    FOREIGN KEY (user_id) REFERENCES auth_user (id),
  CONSTRAINT authentication_owner_userpicture_id_58c8f2d8_fk_main_cust
    FOREIGN KEY (userpicture_id) REFERENCES main_customimagemodel (id)
) ENGINE=InnoDB;

CREATE TABLE authentication_owner_sites (
  id integer AUTO_INCREMENT NOT NULL PRIMARY KEY,
  owner_id bigint NOT NULL,
  site_id integer NOT NULL,
  CONSTRAINT authentication_owner_sites_owner_id_site_id_5a4c31d1_uniq UNIQUE (owner_id, site_id),
  CONSTRAINT authentication_owner_owner_id_338c392f_fk_authentic
    FOREIGN KEY (owner_id) REFERENCES authentication_owner (id),
  CONSTRAINT authentication_owner_sites_site_id_9b1616a2_fk_django_site_id
    FOREIGN KEY (site_id) REFERENCES django_site (id)
) ENGINE=InnoDB;

CREATE TABLE import_video_externalrecording (
  id bigint AUTO_INCREMENT NOT NULL PRIMARY KEY,
  name varchar(250) NOT NULL,
  start_at datetime(6) NOT NULL,
  type varchar(50) NOT NULL,
  source_url varchar(500) NOT NULL,
  state varchar(250) NULL,
  owner_id integer NULL,
  site_id integer NOT NULL,
  uploaded_to_pod_by_id integer NULL,
  CONSTRAINT import_video_externa_owner_id_c7e91b3b_fk_auth_user
    FOREIGN KEY (owner_id) REFERENCES auth_user (id),
  CONSTRAINT import_video_externa_site_id_3a9b5e5c_fk_django_si
    FOREIGN KEY (site_id) REFERENCES django_site (id),
  CONSTRAINT import_video_externa_uploaded_to_pod_by_i_b3538b2c_fk_auth_user
    FOREIGN KEY (uploaded_to_pod_by_id) REFERENCES auth_user (id)
) ENGINE=InnoDB;

CREATE TABLE playlist_playlist (
  date_created datetime(6) NOT NULL,
  id bigint AUTO_INCREMENT NOT NULL PRIMARY KEY,
  name varchar(200) NOT NULL,
  description longtext NOT NULL,
  password longtext NOT NULL,
  visibility varchar(9) NOT NULL,
  autoplay bool NOT NULL,
  promoted bool NOT NULL,
  editable bool NOT NULL,
  slug varchar(210) NOT NULL UNIQUE,
  date_updated datetime(6) NOT NULL,
  owner_id integer NOT NULL,
  site_id integer NOT NULL,
  CONSTRAINT playlist_playlist_owner_id_1072c3f8_fk_auth_user_id
    FOREIGN KEY (owner_id) REFERENCES auth_user (id),
  CONSTRAINT playlist_playlist_site_id_a7d9e96a_fk_django_site_id
    FOREIGN KEY (site_id) REFERENCES django_site (id)
) ENGINE=InnoDB;

CREATE TABLE video_type (
  id bigint AUTO_INCREMENT NOT NULL PRIMARY KEY,
  title varchar(100) NOT NULL UNIQUE,
  title_fr varchar(100) NULL UNIQUE,
  title_en varchar(100) NULL UNIQUE,
  slug varchar(100) NOT NULL UNIQUE,
  description longtext NULL,
  description_fr longtext NULL,
  description_en longtext NULL,
  icon_id bigint NULL,
  CONSTRAINT video_type_icon_id_b4aa0630_fk_main_customimagemodel_id
    FOREIGN KEY (icon_id) REFERENCES main_customimagemodel (id)
) ENGINE=InnoDB;

CREATE TABLE recorder_recorder (
  id bigint AUTO_INCREMENT NOT NULL PRIMARY KEY,
  name varchar(200) NOT NULL UNIQUE,
  description longtext NOT NULL,
  address_ip char(39) NOT NULL UNIQUE,
  salt varchar(50) NOT NULL,
  credentials_login varchar(255) NOT NULL,
  credentials_password varchar(255) NOT NULL,
  recording_type varchar(50) NOT NULL,
  publication_auto bool NOT NULL,
  is_draft bool NOT NULL,
  is_restricted bool NOT NULL,
  password varchar(50) NULL,
  cursus varchar(1) NOT NULL,
  main_lang varchar(2) NOT NULL,
  transcript varchar(2) NOT NULL,
  licence varchar(8) NULL,
  allow_downloading bool NOT NULL,
  is_360 bool NOT NULL,
  disable_comment bool NOT NULL,
  directory varchar(50) NOT NULL UNIQUE,
  type_id bigint NOT NULL,
  user_id integer NULL,
  CONSTRAINT recorder_recorder_type_id_3f54e8e1_fk_video_type_id
    FOREIGN KEY (type_id) REFERENCES video_type (id),
  CONSTRAINT recorder_recorder_user_id_52875f0c_fk_auth_user_id
    FOREIGN KEY (user_id) REFERENCES auth_user (id)
) ENGINE=InnoDB;

CREATE TABLE recorder_recorder_sites (
  id integer AUTO_INCREMENT NOT NULL PRIMARY KEY,
  recorder_id bigint NOT NULL,
  site_id integer NOT NULL,
  CONSTRAINT recorder_recorder_sites_recorder_id_site_id_3581a7cc_uniq UNIQUE (recorder_id, site_id),
  CONSTRAINT recorder_recorder_si_recorder_id_81494a9a_fk_recorder_
    FOREIGN KEY (recorder_id) REFERENCES recorder_recorder (id),
  CONSTRAINT recorder_recorder_sites_site_id_38333b77_fk_django_site_id
    FOREIGN KEY (site_id) REFERENCES django_site (id)
) ENGINE=InnoDB;

CREATE TABLE recorder_tagulous_recorder_tags (
  id bigint AUTO_INCREMENT NOT NULL PRIMARY KEY,
  name varchar(80) NOT NULL UNIQUE,
  slug varchar(50) NOT NULL UNIQUE,
  count integer NOT NULL,
  protected bool NOT NULL
) ENGINE=InnoDB;

CREATE TABLE recorder_recorder_tags (
  id integer AUTO_INCREMENT NOT NULL PRIMARY KEY,
  recorder_id bigint NOT NULL,
  tagulous_recorder_tags_id bigint NOT NULL,
  CONSTRAINT recorder_recorder_tags_recorder_id_tagulous_rec_b40c404b_uniq
    UNIQUE (recorder_id, tagulous_recorder_tags_id),
  CONSTRAINT recorder_recorder_ta_recorder_id_82b70513_fk_recorder_
    FOREIGN KEY (recorder_id) REFERENCES recorder_recorder (id),
  CONSTRAINT recorder_recorder_ta_tagulous_recorder_ta_94d0aeca_fk_recorder_
    FOREIGN KEY (tagulous_recorder_tags_id) REFERENCES recorder_tagulous_recorder_tags (id)
) ENGINE=InnoDB;

CREATE TABLE recorder_recordingfiletreatment (
  id bigint AUTO_INCREMENT NOT NULL PRIMARY KEY,
  file varchar(200) NOT NULL UNIQUE,
  file_size bigint NOT NULL,
  date_added datetime(6) NOT NULL,
  require_manual_claim bool NOT NULL,
  email_sent bool NOT NULL,
  date_email_sent datetime(6) NULL,
  type varchar(50) NOT NULL,
  recorder_id bigint NULL,
  CONSTRAINT recorder_recordingfi_recorder_id_ae778b1b_fk_recorder_
    FOREIGN KEY (recorder_id) REFERENCES recorder_recorder (id)
) ENGINE=InnoDB;

CREATE TABLE meeting (
  id bigint AUTO_INCREMENT NOT NULL PRIMARY KEY,
  name varchar(250) NOT NULL,
  meeting_id varchar(255) NOT NULL,
  attendee_password varchar(50) NOT NULL,
  moderator_password varchar(50) NOT NULL,
  start_at datetime(6) NOT NULL,
  expected_duration bigint NOT NULL,
  recurrence varchar(10) NULL,
  frequency integer UNSIGNED NOT NULL CHECK (frequency >= 0),
  recurring_until date NULL,
  nb_occurrences integer UNSIGNED NULL CHECK (nb_occurrences >= 0),
  weekdays varchar(7) NULL,
  monthly_type varchar(10) NOT NULL,
  is_restricted bool NOT NULL,
  is_running bool NOT NULL,
  max_participants integer NOT NULL,
  welcome_text longtext NOT NULL,
  logout_url varchar(500) NULL,
  webcam_only_for_moderators bool NOT NULL,
  record bool NOT NULL,
  auto_start_recording bool NOT NULL,
  allow_start_stop_recording bool NOT NULL,
  guest_policy varchar(50) NULL,
  lock_settings_disable_cam bool NOT NULL,
  lock_settings_disable_mic bool NOT NULL,
  lock_settings_disable_private_chat bool NOT NULL,
  lock_settings_disable_public_chat bool NOT NULL,
  lock_settings_disable_note bool NOT NULL,
  lock_settings_locked_layout bool NOT NULL,
  parent_meeting_id varchar(100) NULL,
  internal_meeting_id varchar(100) NULL,
  voice_bridge integer NULL,
  bbb_create_time varchar(100) NULL,
  is_personal bool NOT NULL,
  created_at datetime(6) NOT NULL,
  updated_at datetime(6) NOT NULL,
  is_webinar bool NOT NULL,
  enable_chat bool NOT NULL,
  owner_id integer NOT NULL,
  site_id integer NOT NULL,
  slides_id bigint NULL,
  CONSTRAINT meeting_unique_slug_site UNIQUE (meeting_id, site_id),
  CONSTRAINT frequency_gte_1 CHECK (frequency >= 1),
  CONSTRAINT recurring_until_and_nb_occurrences_mutually_null_or_not CHECK
    ((nb_occurrences IS NULL AND recurring_until IS NULL)
     OR (nb_occurrences IS NOT NULL AND recurring_until IS NOT NULL)),
  CONSTRAINT recurring_until_greater_than_start CHECK
    (recurring_until >= DATE(start_at) OR recurring_until IS NULL),
  CONSTRAINT meeting_owner_id_9dcb630b_fk_auth_user_id
    FOREIGN KEY (owner_id) REFERENCES auth_user (id),
  CONSTRAINT meeting_site_id_f5b90469_fk_django_site_id
    FOREIGN KEY (site_id) REFERENCES django_site (id),
  CONSTRAINT meeting_slides_id_cff02448_fk_main_customfilemodel_id
    FOREIGN KEY (slides_id) REFERENCES main_customfilemodel (id)
) ENGINE=InnoDB;
