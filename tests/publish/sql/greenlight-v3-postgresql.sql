-- Greenlight v3 (master, db/schema.rb version 2023_07_05_183747): the tables bbb-migrate reads
-- and those they reference, as Rails 7 creates them on PostgreSQL (uuid ids from
-- gen_random_uuid(), timestamp(6), the foreign keys schema.rb declares). Columns, NULL-ability,
-- defaults and indexes as in schema.rb.

CREATE TABLE roles (
    id uuid DEFAULT gen_random_uuid() PRIMARY KEY,
    name character varying NOT NULL,
    color character varying DEFAULT '' NOT NULL,
    provider character varying NOT NULL,
    created_at timestamp(6) without time zone NOT NULL,
    updated_at timestamp(6) without time zone NOT NULL
);
CREATE UNIQUE INDEX index_roles_on_name_and_provider ON roles (name, provider);

CREATE TABLE users (
    id uuid DEFAULT gen_random_uuid() PRIMARY KEY,
    name character varying NOT NULL,
    email character varying NOT NULL,
    external_id character varying,
    provider character varying NOT NULL,
    password_digest character varying,
    last_login timestamp(6) without time zone,
    created_at timestamp(6) without time zone NOT NULL,
    updated_at timestamp(6) without time zone NOT NULL,
    role_id uuid REFERENCES roles (id),
    language character varying NOT NULL,
    reset_digest character varying,
    reset_sent_at timestamp without time zone,
    verified boolean DEFAULT false,
    verification_digest character varying,
    verification_sent_at timestamp without time zone,
    session_token character varying,
    session_expiry timestamp without time zone,
    status integer DEFAULT 0
);
CREATE UNIQUE INDEX index_users_on_email_and_provider ON users (email, provider);
CREATE UNIQUE INDEX index_users_on_reset_digest ON users (reset_digest);
CREATE INDEX index_users_on_role_id ON users (role_id);
CREATE UNIQUE INDEX index_users_on_session_token ON users (session_token);
CREATE UNIQUE INDEX index_users_on_verification_digest ON users (verification_digest);

CREATE TABLE rooms (
    id uuid DEFAULT gen_random_uuid() PRIMARY KEY,
    user_id uuid REFERENCES users (id),
    name character varying NOT NULL,
    friendly_id character varying NOT NULL,
    meeting_id character varying NOT NULL,
    last_session timestamp(6) without time zone,
    created_at timestamp(6) without time zone NOT NULL,
    updated_at timestamp(6) without time zone NOT NULL,
    recordings_processing integer DEFAULT 0,
    online boolean DEFAULT false
);
CREATE UNIQUE INDEX index_rooms_on_friendly_id ON rooms (friendly_id);
CREATE UNIQUE INDEX index_rooms_on_meeting_id ON rooms (meeting_id);
CREATE INDEX index_rooms_on_user_id ON rooms (user_id);

CREATE TABLE shared_accesses (
    id uuid DEFAULT gen_random_uuid() PRIMARY KEY,
    user_id uuid NOT NULL REFERENCES users (id),
    room_id uuid NOT NULL REFERENCES rooms (id),
    created_at timestamp(6) without time zone NOT NULL,
    updated_at timestamp(6) without time zone NOT NULL
);
CREATE INDEX index_shared_accesses_on_room_id ON shared_accesses (room_id);
CREATE UNIQUE INDEX index_shared_accesses_on_user_id_and_room_id ON shared_accesses (user_id, room_id);
CREATE INDEX index_shared_accesses_on_user_id ON shared_accesses (user_id);
