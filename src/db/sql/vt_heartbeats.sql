-- Heartbeats (docs/architecture.md, "heartbeat"), a group-commit batch in one statement and one
-- transaction, in one round trip whatever the caller has cached: ownership, the account's active
-- flag, the title and today's row are all read here. Beat i of the arrays answers as row `ord` = i
-- (the caller sorts beats by profile, each profile's in arrival order, so that concurrent batches
-- lock rows in one order). p_day_*[i] is the viewing day containing p_now[i] as the service's time
-- rules computed it from settings version p_config_version[i]; it is used only to create that row.
--
-- The steady beat, nearly every beat there is, is done for the whole batch at once, in one SQL
-- statement: the first beat of a profile in the batch whose session is live, fresh and of that kids
-- profile, with a new seq, on a day row that exists and has no allowed hours. Their sessions are
-- locked in profile order, their credit is clamped by one set-based vt_credit, and their sessions
-- are written by one UPDATE.
-- Every other beat (starts, resumes, retries, superseded devices, a new day, allowed hours, adults,
-- errors) then goes through vt_beat one at a time, in ord order. Live events are written last
-- (vt_emit's lock is taken last): a start that supersedes another device's session writes
-- session_superseded, a credit that spends the last of the budget writes limit_reached.
create or replace function vt_heartbeats(
  p_user uuid[], p_profile uuid[], p_session uuid[], p_title uuid[], p_device_id text[], p_device_type text[],
  p_paused boolean[], p_seq bigint[], p_now timestamptz[],
  p_day_date date[], p_day_start timestamptz[], p_day_end timestamptz[], p_day_limit integer[], p_day_exempt boolean[],
  p_config_version integer[], p_day_allowed text[], p_day_ignores boolean[])
returns table (ord integer, outcome text, session_id uuid, is_kids boolean, is_educational boolean, used_seconds integer,
               educational_seconds integer, bonus_seconds integer, unlimited_override boolean, limit_minutes integer,
               educational_exempt boolean, day_end timestamptz, remaining_seconds integer, hours_apply boolean,
               allowed text, config json)
language plpgsql
as $function$
#variable_conflict use_column
declare
  s_ord integer[];
  s_session uuid[];
  s_edu boolean[];
  s_household uuid[];
  g_granted integer[];
  g_used integer[];
  g_edu integer[];
  g_bonus integer[];
  g_unlimited boolean[];
  g_limit integer[];
  g_exempt boolean[];
  g_end timestamptz[];
  r record;
  ev_household uuid[] := '{}';
  ev_profile uuid[] := '{}';
  ev_type text[] := '{}';
  ev_payload jsonb[] := '{}';
begin
  -- the steady beats, in one statement: their sessions locked in profile order, the credit each
  -- stretch earns clamped by one set-based vt_credit, their sessions written by one UPDATE (joined to
  -- the credits by id, so each session is an index lookup); their answers in profile order
  with locked as (
    select b.ord, v.id as sid, x.id as balance, vt_interval_credit(v.last_heartbeat_at, v.paused_at, b.at) as credit,
           v.is_educational as edu, p.user_id as household, b.at, b.seq, b.paused
      from (select u.*, row_number() over (partition by u.profile order by u.ord) as nth
              from unnest(p_user, p_profile, p_session, p_title, p_seq, p_now, p_paused) with ordinality as u(usr, profile, session, title, seq, at, paused, ord)) b
      join profiles p on p.id = b.profile and p.user_id = b.usr and p.is_kids
      join users u on u.id = b.usr and u.is_active
      join titles t on t.id = b.title
      join viewing_sessions v on v.id = b.session and v.profile_id = b.profile and v.ended_at is null
      join vt_day_of(b.profile, b.at) x on x.allowed is null
     where b.nth = 1 and not vt_is_stale(v.last_heartbeat_at, b.at) and (b.seq is null or v.last_seq is null or b.seq > v.last_seq)
     order by b.profile
     for update of v),
  credited as (
    select l.*, c.granted, c.used_seconds, c.educational_seconds, c.bonus_seconds, c.unlimited_override, c.limit_minutes, c.educational_exempt, c.day_end
      from vt_credit((select array_agg(balance) from locked), (select array_agg(credit) from locked), (select array_agg(edu) from locked),
                     (select array_agg(at) from locked)) c
      join locked l on l.balance = c.balance),
  written as (
    update viewing_sessions v set last_heartbeat_at = c.at, last_seq = coalesce(c.seq, v.last_seq),
           paused_at = case when c.paused then coalesce(v.paused_at, c.at) end, last_credit_seconds = c.granted, total_seconds = v.total_seconds + c.granted
      from credited c where v.id = c.sid)
  select coalesce(array_agg(c.ord), '{}'), array_agg(c.sid), array_agg(c.edu), array_agg(c.household),
         array_agg(c.granted), array_agg(c.used_seconds), array_agg(c.educational_seconds), array_agg(c.bonus_seconds),
         array_agg(c.unlimited_override), array_agg(c.limit_minutes), array_agg(c.educational_exempt), array_agg(c.day_end)
    into s_ord, s_session, s_edu, s_household, g_granted, g_used, g_edu, g_bonus, g_unlimited, g_limit, g_exempt, g_end
    from (select * from credited order by ord) c;

  if cardinality(s_ord) > 0 then
    return query
      select s_ord[n], 'ok'::text, s_session[n], true, s_edu[n], g_used[n], g_edu[n], g_bonus[n], g_unlimited[n], g_limit[n], g_exempt[n], g_end[n],
             vt_remaining(g_used[n], g_bonus[n], g_limit[n], g_unlimited[n]), false, null::text, null::json
        from generate_subscripts(s_ord, 1) n;
    -- a credit that spent the last of a day's budget: limit_reached (rare, so looked for one by one)
    for n in 1 .. cardinality(s_ord) loop
      continue when g_granted[n] = 0 or (g_exempt[n] and s_edu[n]) or vt_remaining(g_used[n], g_bonus[n], g_limit[n], g_unlimited[n]) is distinct from 0;
      ev_household := ev_household || s_household[n]; ev_profile := ev_profile || p_profile[s_ord[n]]; ev_type := ev_type || 'limit_reached'::text;
      ev_payload := ev_payload || jsonb_build_object('session_id', s_session[n], 'used_minutes', vt_minutes(g_used[n]), 'limit_minutes', g_limit[n],
                                                      'bonus_minutes', vt_minutes(g_bonus[n]), 'next_reset_at', g_end[n]);
    end loop;
  end if;

  -- every other beat, one at a time, in ord (profile) order
  for i in 1 .. coalesce(array_length(p_profile, 1), 0) loop
    continue when i = any(s_ord);
    select * into r from vt_beat(p_user[i], p_profile[i], p_session[i], p_title[i], p_device_id[i], p_device_type[i], p_paused[i], p_seq[i], p_now[i],
                                 p_day_date[i], p_day_start[i], p_day_end[i], p_day_limit[i], p_day_exempt[i], p_config_version[i], p_day_allowed[i], p_day_ignores[i]);
    ord := i; outcome := r.outcome; session_id := r.session_id; is_kids := r.is_kids; is_educational := r.is_educational;
    used_seconds := r.used_seconds; educational_seconds := r.educational_seconds; bonus_seconds := r.bonus_seconds;
    unlimited_override := r.unlimited_override; limit_minutes := r.limit_minutes; educational_exempt := r.educational_exempt;
    day_end := r.day_end; remaining_seconds := r.remaining_seconds; hours_apply := r.hours_apply; allowed := r.allowed; config := r.config;
    return next;
    for e in 1 .. coalesce(array_length(r.ev_type, 1), 0) loop
      ev_household := ev_household || p_user[i]; ev_profile := ev_profile || p_profile[i]; ev_type := ev_type || r.ev_type[e]; ev_payload := ev_payload || r.ev_payload[e];
    end loop;
  end loop;
  if cardinality(ev_type) > 0 then
    perform vt_emit(ev_household, ev_profile, ev_type, ev_payload);
  end if;
end
$function$;
