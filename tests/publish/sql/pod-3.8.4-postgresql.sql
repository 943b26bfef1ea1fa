-- Esup-Pod 3.8.4: the 13 tables bbb-migrate reads or writes and the
-- tables they reference, cut unchanged from pg_dump --schema-only of a default
-- Pod 3.8.4 install by tests/publish/podddl.py. Do not edit: regenerate.

SET statement_timeout = 0;
SET lock_timeout = 0;
SET idle_in_transaction_session_timeout = 0;
SET client_encoding = 'UTF8';
SET standard_conforming_strings = on;
SELECT pg_catalog.set_config('search_path', '', false);
SET check_function_bodies = false;
SET xmloption = content;
SET client_min_messages = warning;
SET row_security = off;

SET default_tablespace = '';

SET default_table_access_method = heap;

--
-- Name: auth_user; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.auth_user (
    id integer NOT NULL,
    password character varying(128) NOT NULL,
    last_login timestamp with time zone,
    is_superuser boolean NOT NULL,
    username character varying(150) NOT NULL,
    first_name character varying(150) NOT NULL,
    last_name character varying(150) NOT NULL,
    email character varying(254) NOT NULL,
    is_staff boolean NOT NULL,
    is_active boolean NOT NULL,
    date_joined timestamp with time zone NOT NULL
);


--
-- Name: auth_user_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.auth_user_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
-- Name: auth_user_id_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: -
--

ALTER SEQUENCE public.auth_user_id_seq OWNED BY public.auth_user.id;


--
-- Name: authentication_owner; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.authentication_owner (
    id bigint NOT NULL,
    auth_type character varying(20) NOT NULL,
    affiliation character varying(50) NOT NULL,
    commentaire text NOT NULL,
    hashkey character varying(64) NOT NULL,
    establishment character varying(10) NOT NULL,
    accepts_notifications boolean,
    user_id integer NOT NULL,
    userpicture_id bigint
);


--
-- Name: authentication_owner_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.authentication_owner_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
-- Name: authentication_owner_id_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: -
--

ALTER SEQUENCE public.authentication_owner_id_seq OWNED BY public.authentication_owner.id;


--
-- Name: authentication_owner_sites; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.authentication_owner_sites (
    id integer NOT NULL,
    owner_id bigint NOT NULL,
    site_id integer NOT NULL
);


--
-- Name: authentication_owner_sites_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.authentication_owner_sites_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
-- Name: authentication_owner_sites_id_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: -
--

ALTER SEQUENCE public.authentication_owner_sites_id_seq OWNED BY public.authentication_owner_sites.id;


--
-- Name: django_site; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.django_site (
    id integer NOT NULL,
    domain character varying(100) NOT NULL,
    name character varying(50) NOT NULL
);


--
-- Name: django_site_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.django_site_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
-- Name: django_site_id_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: -
--

ALTER SEQUENCE public.django_site_id_seq OWNED BY public.django_site.id;


--
-- Name: import_video_externalrecording; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.import_video_externalrecording (
    id bigint NOT NULL,
    name character varying(250) NOT NULL,
    start_at timestamp with time zone NOT NULL,
    type character varying(50) NOT NULL,
    source_url character varying(500) NOT NULL,
    state character varying(250),
    owner_id integer,
    site_id integer NOT NULL,
    uploaded_to_pod_by_id integer
);


--
-- Name: import_video_externalrecording_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.import_video_externalrecording_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
-- Name: import_video_externalrecording_id_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: -
--

ALTER SEQUENCE public.import_video_externalrecording_id_seq OWNED BY public.import_video_externalrecording.id;


--
-- Name: main_customfilemodel; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.main_customfilemodel (
    id bigint NOT NULL,
    file character varying(255)
);


--
-- Name: main_customfilemodel_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.main_customfilemodel_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
-- Name: main_customfilemodel_id_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: -
--

ALTER SEQUENCE public.main_customfilemodel_id_seq OWNED BY public.main_customfilemodel.id;


--
-- Name: main_customimagemodel; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.main_customimagemodel (
    id bigint NOT NULL,
    file character varying(255)
);


--
-- Name: main_customimagemodel_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.main_customimagemodel_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
-- Name: main_customimagemodel_id_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: -
--

ALTER SEQUENCE public.main_customimagemodel_id_seq OWNED BY public.main_customimagemodel.id;


--
-- Name: meeting; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.meeting (
    id bigint NOT NULL,
    name character varying(250) NOT NULL,
    meeting_id character varying(255) NOT NULL,
    attendee_password character varying(50) NOT NULL,
    moderator_password character varying(50) NOT NULL,
    start_at timestamp with time zone NOT NULL,
    expected_duration interval NOT NULL,
    recurrence character varying(10),
    frequency integer NOT NULL,
    recurring_until date,
    nb_occurrences integer,
    weekdays character varying(7),
    monthly_type character varying(10) NOT NULL,
    is_restricted boolean NOT NULL,
    is_running boolean NOT NULL,
    max_participants integer NOT NULL,
    welcome_text text NOT NULL,
    logout_url character varying(500),
    webcam_only_for_moderators boolean NOT NULL,
    record boolean NOT NULL,
    auto_start_recording boolean NOT NULL,
    allow_start_stop_recording boolean NOT NULL,
    guest_policy character varying(50),
    lock_settings_disable_cam boolean NOT NULL,
    lock_settings_disable_mic boolean NOT NULL,
    lock_settings_disable_private_chat boolean NOT NULL,
    lock_settings_disable_public_chat boolean NOT NULL,
    lock_settings_disable_note boolean NOT NULL,
    lock_settings_locked_layout boolean NOT NULL,
    parent_meeting_id character varying(100),
    internal_meeting_id character varying(100),
    voice_bridge integer,
    bbb_create_time character varying(100),
    is_personal boolean NOT NULL,
    created_at timestamp with time zone NOT NULL,
    updated_at timestamp with time zone NOT NULL,
    is_webinar boolean NOT NULL,
    enable_chat boolean NOT NULL,
    owner_id integer NOT NULL,
    site_id integer NOT NULL,
    slides_id bigint,
    CONSTRAINT frequency_gte_1 CHECK ((frequency >= 1)),
    CONSTRAINT meeting_frequency_check CHECK ((frequency >= 0)),
    CONSTRAINT meeting_nb_occurrences_check CHECK ((nb_occurrences >= 0)),
    CONSTRAINT recurring_until_and_nb_occurrences_mutually_null_or_not CHECK ((((nb_occurrences IS NULL) AND (recurring_until IS NULL)) OR ((nb_occurrences IS NOT NULL) AND (recurring_until IS NOT NULL)))),
    CONSTRAINT recurring_until_greater_than_start CHECK (((recurring_until >= ((start_at AT TIME ZONE 'UTC'::text))::date) OR (recurring_until IS NULL)))
);


--
-- Name: meeting_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.meeting_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
-- Name: meeting_id_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: -
--

ALTER SEQUENCE public.meeting_id_seq OWNED BY public.meeting.id;


--
-- Name: playlist_playlist; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.playlist_playlist (
    date_created timestamp with time zone NOT NULL,
    id bigint NOT NULL,
    name character varying(200) NOT NULL,
    description text NOT NULL,
    password text NOT NULL,
    visibility character varying(9) NOT NULL,
    autoplay boolean NOT NULL,
    promoted boolean NOT NULL,
    editable boolean NOT NULL,
    slug character varying(210) NOT NULL,
    date_updated timestamp with time zone NOT NULL,
    owner_id integer NOT NULL,
    site_id integer NOT NULL
);


--
-- Name: playlist_playlist_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.playlist_playlist_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
-- Name: playlist_playlist_id_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: -
--

ALTER SEQUENCE public.playlist_playlist_id_seq OWNED BY public.playlist_playlist.id;


--
-- Name: recorder_recorder; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.recorder_recorder (
    id bigint NOT NULL,
    name character varying(200) NOT NULL,
    description text NOT NULL,
    address_ip inet NOT NULL,
    salt character varying(50) NOT NULL,
    credentials_login character varying(255) NOT NULL,
    credentials_password character varying(255) NOT NULL,
    recording_type character varying(50) NOT NULL,
    publication_auto boolean NOT NULL,
    is_draft boolean NOT NULL,
    is_restricted boolean NOT NULL,
    password character varying(50),
    cursus character varying(1) NOT NULL,
    main_lang character varying(2) NOT NULL,
    transcript character varying(2) NOT NULL,
    tags character varying(255) NOT NULL,
    licence character varying(8),
    allow_downloading boolean NOT NULL,
    is_360 boolean NOT NULL,
    disable_comment boolean NOT NULL,
    directory character varying(50) NOT NULL,
    type_id bigint NOT NULL,
    user_id integer
);


--
-- Name: recorder_recorder_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.recorder_recorder_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
-- Name: recorder_recorder_id_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: -
--

ALTER SEQUENCE public.recorder_recorder_id_seq OWNED BY public.recorder_recorder.id;


--
-- Name: recorder_recorder_sites; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.recorder_recorder_sites (
    id integer NOT NULL,
    recorder_id bigint NOT NULL,
    site_id integer NOT NULL
);


--
-- Name: recorder_recorder_sites_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.recorder_recorder_sites_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
-- Name: recorder_recorder_sites_id_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: -
--

ALTER SEQUENCE public.recorder_recorder_sites_id_seq OWNED BY public.recorder_recorder_sites.id;


--
-- Name: recorder_recordingfiletreatment; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.recorder_recordingfiletreatment (
    id bigint NOT NULL,
    file character varying(100) NOT NULL,
    file_size bigint NOT NULL,
    date_added timestamp with time zone NOT NULL,
    require_manual_claim boolean NOT NULL,
    email_sent boolean NOT NULL,
    date_email_sent timestamp with time zone,
    type character varying(50) NOT NULL,
    recorder_id bigint
);


--
-- Name: recorder_recordingfiletreatment_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.recorder_recordingfiletreatment_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
-- Name: recorder_recordingfiletreatment_id_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: -
--

ALTER SEQUENCE public.recorder_recordingfiletreatment_id_seq OWNED BY public.recorder_recordingfiletreatment.id;


--
-- Name: video_type; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.video_type (
    id bigint NOT NULL,
    title character varying(100) NOT NULL,
    title_fr character varying(100),
    title_en character varying(100),
    slug character varying(100) NOT NULL,
    description text,
    description_fr text,
    description_en text,
    icon_id bigint
);


--
-- Name: video_type_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.video_type_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
-- Name: video_type_id_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: -
--

ALTER SEQUENCE public.video_type_id_seq OWNED BY public.video_type.id;


--
-- Name: auth_user id; Type: DEFAULT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.auth_user ALTER COLUMN id SET DEFAULT nextval('public.auth_user_id_seq'::regclass);


--
-- Name: authentication_owner id; Type: DEFAULT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.authentication_owner ALTER COLUMN id SET DEFAULT nextval('public.authentication_owner_id_seq'::regclass);


--
-- Name: authentication_owner_sites id; Type: DEFAULT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.authentication_owner_sites ALTER COLUMN id SET DEFAULT nextval('public.authentication_owner_sites_id_seq'::regclass);


--
-- Name: django_site id; Type: DEFAULT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.django_site ALTER COLUMN id SET DEFAULT nextval('public.django_site_id_seq'::regclass);


--
-- Name: import_video_externalrecording id; Type: DEFAULT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.import_video_externalrecording ALTER COLUMN id SET DEFAULT nextval('public.import_video_externalrecording_id_seq'::regclass);


--
-- Name: main_customfilemodel id; Type: DEFAULT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.main_customfilemodel ALTER COLUMN id SET DEFAULT nextval('public.main_customfilemodel_id_seq'::regclass);


--
-- Name: main_customimagemodel id; Type: DEFAULT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.main_customimagemodel ALTER COLUMN id SET DEFAULT nextval('public.main_customimagemodel_id_seq'::regclass);


--
-- Name: meeting id; Type: DEFAULT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.meeting ALTER COLUMN id SET DEFAULT nextval('public.meeting_id_seq'::regclass);


--
-- Name: playlist_playlist id; Type: DEFAULT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.playlist_playlist ALTER COLUMN id SET DEFAULT nextval('public.playlist_playlist_id_seq'::regclass);


--
-- Name: recorder_recorder id; Type: DEFAULT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.recorder_recorder ALTER COLUMN id SET DEFAULT nextval('public.recorder_recorder_id_seq'::regclass);


--
-- Name: recorder_recorder_sites id; Type: DEFAULT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.recorder_recorder_sites ALTER COLUMN id SET DEFAULT nextval('public.recorder_recorder_sites_id_seq'::regclass);


--
-- Name: recorder_recordingfiletreatment id; Type: DEFAULT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.recorder_recordingfiletreatment ALTER COLUMN id SET DEFAULT nextval('public.recorder_recordingfiletreatment_id_seq'::regclass);


--
-- Name: video_type id; Type: DEFAULT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.video_type ALTER COLUMN id SET DEFAULT nextval('public.video_type_id_seq'::regclass);


--
-- Name: auth_user auth_user_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.auth_user
    ADD CONSTRAINT auth_user_pkey PRIMARY KEY (id);


--
-- Name: auth_user auth_user_username_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.auth_user
    ADD CONSTRAINT auth_user_username_key UNIQUE (username);


--
-- Name: authentication_owner authentication_owner_hashkey_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.authentication_owner
    ADD CONSTRAINT authentication_owner_hashkey_key UNIQUE (hashkey);


--
-- Name: authentication_owner authentication_owner_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.authentication_owner
    ADD CONSTRAINT authentication_owner_pkey PRIMARY KEY (id);


--
-- Name: authentication_owner_sites authentication_owner_sites_owner_id_site_id_5a4c31d1_uniq; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.authentication_owner_sites
    ADD CONSTRAINT authentication_owner_sites_owner_id_site_id_5a4c31d1_uniq UNIQUE (owner_id, site_id);


--
-- Name: authentication_owner_sites authentication_owner_sites_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.authentication_owner_sites
    ADD CONSTRAINT authentication_owner_sites_pkey PRIMARY KEY (id);


--
-- Name: authentication_owner authentication_owner_user_id_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.authentication_owner
    ADD CONSTRAINT authentication_owner_user_id_key UNIQUE (user_id);


--
-- Name: django_site django_site_domain_a2e37b91_uniq; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.django_site
    ADD CONSTRAINT django_site_domain_a2e37b91_uniq UNIQUE (domain);


--
-- Name: django_site django_site_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.django_site
    ADD CONSTRAINT django_site_pkey PRIMARY KEY (id);


--
-- Name: import_video_externalrecording import_video_externalrecording_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.import_video_externalrecording
    ADD CONSTRAINT import_video_externalrecording_pkey PRIMARY KEY (id);


--
-- Name: main_customfilemodel main_customfilemodel_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.main_customfilemodel
    ADD CONSTRAINT main_customfilemodel_pkey PRIMARY KEY (id);


--
-- Name: main_customimagemodel main_customimagemodel_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.main_customimagemodel
    ADD CONSTRAINT main_customimagemodel_pkey PRIMARY KEY (id);


--
-- Name: meeting meeting_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.meeting
    ADD CONSTRAINT meeting_pkey PRIMARY KEY (id);


--
-- Name: meeting meeting_unique_slug_site; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.meeting
    ADD CONSTRAINT meeting_unique_slug_site UNIQUE (meeting_id, site_id);


--
-- Name: playlist_playlist playlist_playlist_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.playlist_playlist
    ADD CONSTRAINT playlist_playlist_pkey PRIMARY KEY (id);


--
-- Name: playlist_playlist playlist_playlist_slug_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.playlist_playlist
    ADD CONSTRAINT playlist_playlist_slug_key UNIQUE (slug);


--
-- Name: recorder_recorder recorder_recorder_address_ip_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.recorder_recorder
    ADD CONSTRAINT recorder_recorder_address_ip_key UNIQUE (address_ip);


--
-- Name: recorder_recorder recorder_recorder_directory_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.recorder_recorder
    ADD CONSTRAINT recorder_recorder_directory_key UNIQUE (directory);


--
-- Name: recorder_recorder recorder_recorder_name_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.recorder_recorder
    ADD CONSTRAINT recorder_recorder_name_key UNIQUE (name);


--
-- Name: recorder_recorder recorder_recorder_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.recorder_recorder
    ADD CONSTRAINT recorder_recorder_pkey PRIMARY KEY (id);


--
-- Name: recorder_recorder_sites recorder_recorder_sites_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.recorder_recorder_sites
    ADD CONSTRAINT recorder_recorder_sites_pkey PRIMARY KEY (id);


--
-- Name: recorder_recorder_sites recorder_recorder_sites_recorder_id_site_id_3581a7cc_uniq; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.recorder_recorder_sites
    ADD CONSTRAINT recorder_recorder_sites_recorder_id_site_id_3581a7cc_uniq UNIQUE (recorder_id, site_id);


--
-- Name: recorder_recordingfiletreatment recorder_recordingfiletreatment_file_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.recorder_recordingfiletreatment
    ADD CONSTRAINT recorder_recordingfiletreatment_file_key UNIQUE (file);


--
-- Name: recorder_recordingfiletreatment recorder_recordingfiletreatment_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.recorder_recordingfiletreatment
    ADD CONSTRAINT recorder_recordingfiletreatment_pkey PRIMARY KEY (id);


--
-- Name: video_type video_type_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.video_type
    ADD CONSTRAINT video_type_pkey PRIMARY KEY (id);


--
-- Name: video_type video_type_slug_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.video_type
    ADD CONSTRAINT video_type_slug_key UNIQUE (slug);


--
-- Name: video_type video_type_title_en_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.video_type
    ADD CONSTRAINT video_type_title_en_key UNIQUE (title_en);


--
-- Name: video_type video_type_title_fr_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.video_type
    ADD CONSTRAINT video_type_title_fr_key UNIQUE (title_fr);


--
-- Name: video_type video_type_title_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.video_type
    ADD CONSTRAINT video_type_title_key UNIQUE (title);


--
-- Name: auth_user_username_6821ab7c_like; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX auth_user_username_6821ab7c_like ON public.auth_user USING btree (username varchar_pattern_ops);


--
-- Name: authentication_owner_hashkey_da699f1d_like; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX authentication_owner_hashkey_da699f1d_like ON public.authentication_owner USING btree (hashkey varchar_pattern_ops);


--
-- Name: authentication_owner_sites_owner_id_338c392f; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX authentication_owner_sites_owner_id_338c392f ON public.authentication_owner_sites USING btree (owner_id);


--
-- Name: authentication_owner_sites_site_id_9b1616a2; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX authentication_owner_sites_site_id_9b1616a2 ON public.authentication_owner_sites USING btree (site_id);


--
-- Name: authentication_owner_userpicture_id_58c8f2d8; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX authentication_owner_userpicture_id_58c8f2d8 ON public.authentication_owner USING btree (userpicture_id);


--
-- Name: django_site_domain_a2e37b91_like; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX django_site_domain_a2e37b91_like ON public.django_site USING btree (domain varchar_pattern_ops);


--
-- Name: import_video_externalrecording_owner_id_c7e91b3b; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX import_video_externalrecording_owner_id_c7e91b3b ON public.import_video_externalrecording USING btree (owner_id);


--
-- Name: import_video_externalrecording_site_id_3a9b5e5c; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX import_video_externalrecording_site_id_3a9b5e5c ON public.import_video_externalrecording USING btree (site_id);


--
-- Name: import_video_externalrecording_uploaded_to_pod_by_id_b3538b2c; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX import_video_externalrecording_uploaded_to_pod_by_id_b3538b2c ON public.import_video_externalrecording USING btree (uploaded_to_pod_by_id);


--
-- Name: meeting_meeting_id_6e0b52d3; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX meeting_meeting_id_6e0b52d3 ON public.meeting USING btree (meeting_id);


--
-- Name: meeting_meeting_id_6e0b52d3_like; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX meeting_meeting_id_6e0b52d3_like ON public.meeting USING btree (meeting_id varchar_pattern_ops);


--
-- Name: meeting_owner_id_9dcb630b; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX meeting_owner_id_9dcb630b ON public.meeting USING btree (owner_id);


--
-- Name: meeting_site_id_f5b90469; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX meeting_site_id_f5b90469 ON public.meeting USING btree (site_id);


--
-- Name: meeting_slides_id_cff02448; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX meeting_slides_id_cff02448 ON public.meeting USING btree (slides_id);


--
-- Name: playlist_playlist_owner_id_1072c3f8; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX playlist_playlist_owner_id_1072c3f8 ON public.playlist_playlist USING btree (owner_id);


--
-- Name: playlist_playlist_site_id_a7d9e96a; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX playlist_playlist_site_id_a7d9e96a ON public.playlist_playlist USING btree (site_id);


--
-- Name: playlist_playlist_slug_711cbad5_like; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX playlist_playlist_slug_711cbad5_like ON public.playlist_playlist USING btree (slug varchar_pattern_ops);


--
-- Name: recorder_recorder_directory_966eb725_like; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX recorder_recorder_directory_966eb725_like ON public.recorder_recorder USING btree (directory varchar_pattern_ops);


--
-- Name: recorder_recorder_name_2562d406_like; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX recorder_recorder_name_2562d406_like ON public.recorder_recorder USING btree (name varchar_pattern_ops);


--
-- Name: recorder_recorder_sites_recorder_id_81494a9a; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX recorder_recorder_sites_recorder_id_81494a9a ON public.recorder_recorder_sites USING btree (recorder_id);


--
-- Name: recorder_recorder_sites_site_id_38333b77; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX recorder_recorder_sites_site_id_38333b77 ON public.recorder_recorder_sites USING btree (site_id);


--
-- Name: recorder_recorder_type_id_3f54e8e1; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX recorder_recorder_type_id_3f54e8e1 ON public.recorder_recorder USING btree (type_id);


--
-- Name: recorder_recorder_user_id_52875f0c; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX recorder_recorder_user_id_52875f0c ON public.recorder_recorder USING btree (user_id);


--
-- Name: recorder_recordingfiletreatment_file_e94691ee_like; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX recorder_recordingfiletreatment_file_e94691ee_like ON public.recorder_recordingfiletreatment USING btree (file varchar_pattern_ops);


--
-- Name: recorder_recordingfiletreatment_recorder_id_ae778b1b; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX recorder_recordingfiletreatment_recorder_id_ae778b1b ON public.recorder_recordingfiletreatment USING btree (recorder_id);


--
-- Name: video_type_icon_id_b4aa0630; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX video_type_icon_id_b4aa0630 ON public.video_type USING btree (icon_id);


--
-- Name: video_type_slug_12cdb259_like; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX video_type_slug_12cdb259_like ON public.video_type USING btree (slug varchar_pattern_ops);


--
-- Name: video_type_title_a42a8f7e_like; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX video_type_title_a42a8f7e_like ON public.video_type USING btree (title varchar_pattern_ops);


--
-- Name: video_type_title_en_05cdb113_like; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX video_type_title_en_05cdb113_like ON public.video_type USING btree (title_en varchar_pattern_ops);


--
-- Name: video_type_title_fr_1679a84b_like; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX video_type_title_fr_1679a84b_like ON public.video_type USING btree (title_fr varchar_pattern_ops);


--
-- Name: authentication_owner_sites authentication_owner_owner_id_338c392f_fk_authentic; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.authentication_owner_sites
    ADD CONSTRAINT authentication_owner_owner_id_338c392f_fk_authentic FOREIGN KEY (owner_id) REFERENCES public.authentication_owner(id) DEFERRABLE INITIALLY DEFERRED;


--
-- Name: authentication_owner_sites authentication_owner_sites_site_id_9b1616a2_fk_django_site_id; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.authentication_owner_sites
    ADD CONSTRAINT authentication_owner_sites_site_id_9b1616a2_fk_django_site_id FOREIGN KEY (site_id) REFERENCES public.django_site(id) DEFERRABLE INITIALLY DEFERRED;


--
-- Name: authentication_owner authentication_owner_user_id_45759996_fk_auth_user_id; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.authentication_owner
    ADD CONSTRAINT authentication_owner_user_id_45759996_fk_auth_user_id FOREIGN KEY (user_id) REFERENCES public.auth_user(id) DEFERRABLE INITIALLY DEFERRED;


--
-- Name: authentication_owner authentication_owner_userpicture_id_58c8f2d8_fk_main_cust; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.authentication_owner
    ADD CONSTRAINT authentication_owner_userpicture_id_58c8f2d8_fk_main_cust FOREIGN KEY (userpicture_id) REFERENCES public.main_customimagemodel(id) DEFERRABLE INITIALLY DEFERRED;


--
-- Name: import_video_externalrecording import_video_externa_owner_id_c7e91b3b_fk_auth_user; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.import_video_externalrecording
    ADD CONSTRAINT import_video_externa_owner_id_c7e91b3b_fk_auth_user FOREIGN KEY (owner_id) REFERENCES public.auth_user(id) DEFERRABLE INITIALLY DEFERRED;


--
-- Name: import_video_externalrecording import_video_externa_site_id_3a9b5e5c_fk_django_si; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.import_video_externalrecording
    ADD CONSTRAINT import_video_externa_site_id_3a9b5e5c_fk_django_si FOREIGN KEY (site_id) REFERENCES public.django_site(id) DEFERRABLE INITIALLY DEFERRED;


--
-- Name: import_video_externalrecording import_video_externa_uploaded_to_pod_by_i_b3538b2c_fk_auth_user; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.import_video_externalrecording
    ADD CONSTRAINT import_video_externa_uploaded_to_pod_by_i_b3538b2c_fk_auth_user FOREIGN KEY (uploaded_to_pod_by_id) REFERENCES public.auth_user(id) DEFERRABLE INITIALLY DEFERRED;


--
-- Name: meeting meeting_owner_id_9dcb630b_fk_auth_user_id; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.meeting
    ADD CONSTRAINT meeting_owner_id_9dcb630b_fk_auth_user_id FOREIGN KEY (owner_id) REFERENCES public.auth_user(id) DEFERRABLE INITIALLY DEFERRED;


--
-- Name: meeting meeting_site_id_f5b90469_fk_django_site_id; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.meeting
    ADD CONSTRAINT meeting_site_id_f5b90469_fk_django_site_id FOREIGN KEY (site_id) REFERENCES public.django_site(id) DEFERRABLE INITIALLY DEFERRED;


--
-- Name: meeting meeting_slides_id_cff02448_fk_main_customfilemodel_id; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.meeting
    ADD CONSTRAINT meeting_slides_id_cff02448_fk_main_customfilemodel_id FOREIGN KEY (slides_id) REFERENCES public.main_customfilemodel(id) DEFERRABLE INITIALLY DEFERRED;


--
-- Name: playlist_playlist playlist_playlist_owner_id_1072c3f8_fk_auth_user_id; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.playlist_playlist
    ADD CONSTRAINT playlist_playlist_owner_id_1072c3f8_fk_auth_user_id FOREIGN KEY (owner_id) REFERENCES public.auth_user(id) DEFERRABLE INITIALLY DEFERRED;


--
-- Name: playlist_playlist playlist_playlist_site_id_a7d9e96a_fk_django_site_id; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.playlist_playlist
    ADD CONSTRAINT playlist_playlist_site_id_a7d9e96a_fk_django_site_id FOREIGN KEY (site_id) REFERENCES public.django_site(id) DEFERRABLE INITIALLY DEFERRED;


--
-- Name: recorder_recorder_sites recorder_recorder_si_recorder_id_81494a9a_fk_recorder_; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.recorder_recorder_sites
    ADD CONSTRAINT recorder_recorder_si_recorder_id_81494a9a_fk_recorder_ FOREIGN KEY (recorder_id) REFERENCES public.recorder_recorder(id) DEFERRABLE INITIALLY DEFERRED;


--
-- Name: recorder_recorder_sites recorder_recorder_sites_site_id_38333b77_fk_django_site_id; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.recorder_recorder_sites
    ADD CONSTRAINT recorder_recorder_sites_site_id_38333b77_fk_django_site_id FOREIGN KEY (site_id) REFERENCES public.django_site(id) DEFERRABLE INITIALLY DEFERRED;


--
-- Name: recorder_recorder recorder_recorder_type_id_3f54e8e1_fk_video_type_id; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.recorder_recorder
    ADD CONSTRAINT recorder_recorder_type_id_3f54e8e1_fk_video_type_id FOREIGN KEY (type_id) REFERENCES public.video_type(id) DEFERRABLE INITIALLY DEFERRED;


--
-- Name: recorder_recorder recorder_recorder_user_id_52875f0c_fk_auth_user_id; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.recorder_recorder
    ADD CONSTRAINT recorder_recorder_user_id_52875f0c_fk_auth_user_id FOREIGN KEY (user_id) REFERENCES public.auth_user(id) DEFERRABLE INITIALLY DEFERRED;


--
-- Name: recorder_recordingfiletreatment recorder_recordingfi_recorder_id_ae778b1b_fk_recorder_; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.recorder_recordingfiletreatment
    ADD CONSTRAINT recorder_recordingfi_recorder_id_ae778b1b_fk_recorder_ FOREIGN KEY (recorder_id) REFERENCES public.recorder_recorder(id) DEFERRABLE INITIALLY DEFERRED;


--
-- Name: video_type video_type_icon_id_b4aa0630_fk_main_customimagemodel_id; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.video_type
    ADD CONSTRAINT video_type_icon_id_b4aa0630_fk_main_customimagemodel_id FOREIGN KEY (icon_id) REFERENCES public.main_customimagemodel(id) DEFERRABLE INITIALLY DEFERRED;
