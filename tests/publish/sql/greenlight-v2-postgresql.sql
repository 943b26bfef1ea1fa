-- Greenlight v2 (branch v2, db/schema.rb version 2022_02_09_094148): the tables bbb-migrate
-- reads, as Rails 5 creates them on PostgreSQL (bigserial ids, integer references, no foreign
-- keys: v2's schema.rb declares none). Columns, NULL-ability, defaults and indexes as in
-- schema.rb; tables bbb-migrate never reads (features, invitations, settings...) are left out.

CREATE TABLE roles (
    id bigserial PRIMARY KEY,
    name character varying,
    priority integer DEFAULT 9999,
    can_create_rooms boolean DEFAULT false,
    send_promoted_email boolean DEFAULT false,
    send_demoted_email boolean DEFAULT false,
    can_edit_site_settings boolean DEFAULT false,
    can_edit_roles boolean DEFAULT false,
    can_manage_users boolean DEFAULT false,
    colour character varying,
    provider character varying,
    created_at timestamp without time zone NOT NULL,
    updated_at timestamp without time zone NOT NULL
);
CREATE UNIQUE INDEX index_roles_on_name_and_provider ON roles (name, provider);
CREATE INDEX index_roles_on_name ON roles (name);
CREATE UNIQUE INDEX index_roles_on_priority_and_provider ON roles (priority, provider);

CREATE TABLE rooms (
    id bigserial PRIMARY KEY,
    user_id integer,
    name character varying,
    uid character varying,
    bbb_id character varying,
    sessions integer DEFAULT 0,
    last_session timestamp without time zone,
    created_at timestamp without time zone NOT NULL,
    updated_at timestamp without time zone NOT NULL,
    room_settings character varying DEFAULT '{ }',
    moderator_pw character varying,
    attendee_pw character varying,
    access_code character varying,
    deleted boolean DEFAULT false NOT NULL,
    moderator_access_code character varying
);
CREATE INDEX index_rooms_on_bbb_id ON rooms (bbb_id);
CREATE INDEX index_rooms_on_deleted ON rooms (deleted);
CREATE INDEX index_rooms_on_last_session ON rooms (last_session);
CREATE INDEX index_rooms_on_name ON rooms (name);
CREATE INDEX index_rooms_on_sessions ON rooms (sessions);
CREATE INDEX index_rooms_on_uid ON rooms (uid);
CREATE INDEX index_rooms_on_user_id ON rooms (user_id);

CREATE TABLE shared_accesses (
    id bigserial PRIMARY KEY,
    room_id integer,
    user_id integer,
    created_at timestamp without time zone NOT NULL,
    updated_at timestamp without time zone NOT NULL
);
CREATE INDEX index_shared_accesses_on_room_id ON shared_accesses (room_id);
CREATE INDEX index_shared_accesses_on_user_id ON shared_accesses (user_id);

CREATE TABLE users (
    id bigserial PRIMARY KEY,
    room_id integer,
    provider character varying,
    uid character varying,
    name character varying,
    username character varying,
    email character varying,
    social_uid character varying,
    image character varying,
    password_digest character varying,
    accepted_terms boolean DEFAULT false,
    created_at timestamp without time zone NOT NULL,
    updated_at timestamp without time zone NOT NULL,
    email_verified boolean DEFAULT false,
    language character varying DEFAULT 'default',
    reset_digest character varying,
    reset_sent_at timestamp without time zone,
    activation_digest character varying,
    activated_at timestamp without time zone,
    deleted boolean DEFAULT false NOT NULL,
    role_id integer,
    last_login timestamp without time zone,
    failed_attempts integer,
    last_failed_attempt timestamp without time zone,
    last_pwd_update timestamp without time zone
);
CREATE INDEX index_users_on_created_at ON users (created_at);
CREATE INDEX index_users_on_deleted ON users (deleted);
CREATE INDEX index_users_on_email ON users (email);
CREATE UNIQUE INDEX index_users_on_password_digest ON users (password_digest);
CREATE INDEX index_users_on_provider ON users (provider);
CREATE INDEX index_users_on_role_id ON users (role_id);
CREATE INDEX index_users_on_room_id ON users (room_id);
