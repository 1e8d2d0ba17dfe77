-- Heartbeats (docs/architecture.md, "heartbeat"), a group-commit batch in one statement and one
-- transaction, in one round trip whatever the caller has cached: ownership, the account's active
-- flag, the title and today's row are all read here. Beat i of the arrays answers as row `ord` = i
-- (the caller sorts beats by profile, each profile's in arrival order, so that concurrent batches
-- lock rows in one order). p_day_*[i] is the viewing day containing p_now[i] as the service's time
-- rules computed it from settings version p_config_version[i]; it is used only to create that row.
--
-- The steady beat, nearly every beat there is, is done for the whole batch at once, in one SQL
-- statement: the first beat of a profile in the batch whose session is live, fresh and of that kids
-- profile, with a new seq, on a day row that exists and has no allowed hours, of a profile no parent
-- paused, with no finishing grace running and none it could start (no position, no grace that
-- day, or more allowance left than one beat can credit). Their sessions are locked in profile order, their credit is clamped by one set-based
-- vt_credit (the budget and breaks: a beat during a break credits nothing), and their sessions are
-- written by one UPDATE.
-- Every other beat (starts, resumes, retries, superseded devices, a new day, allowed hours, a
-- parental pause, adults, errors) then goes through vt_beat one at a time, in ord order. Live
-- events are written last (vt_emit's lock is taken last): a start that supersedes another device's
-- session writes session_superseded, a credit that spends the last of the budget writes
-- limit_reached, one that starts a break writes break_started.
create or replace function vt_heartbeats(
  p_user uuid[], p_profile uuid[], p_session uuid[], p_title uuid[], p_device_id text[], p_device_type text[],
  p_paused boolean[], p_seq bigint[], p_now timestamptz[],
  p_day_date date[], p_day_start timestamptz[], p_day_end timestamptz[], p_day_limit integer[], p_day_exempt boolean[],
  p_config_version integer[], p_day_allowed text[], p_day_ignores boolean[], p_day_break_after integer[], p_day_break_minutes integer[],
  p_day_weekly integer[], p_day_week_end timestamptz[], p_day_bank_cap integer[], p_day_grace integer[], p_position integer[])
returns table (ord integer, outcome text, session_id uuid, is_kids boolean, is_educational boolean, used_seconds integer,
               educational_seconds integer, bonus_seconds integer, unlimited_override boolean, limit_minutes integer,
               educational_exempt boolean, day_end timestamptz, remaining_seconds integer, hours_apply boolean,
               allowed text, config json, paused boolean, paused_until timestamptz, break_after_minutes integer,
               break_minutes integer, continuous_seconds integer, counted_at timestamptz, break_until timestamptz, break_started boolean,
               weekly_limit_minutes integer, week_end timestamptz, bank_cap_minutes integer, bank_seconds integer, week_used_seconds integer,
               week_bonus_seconds integer, finish_grace_minutes smallint, overtime_seconds integer, grace_until timestamptz, grace_kind text,
               grace_started boolean, overtime_credited integer, credited integer)
language plpgsql
-- join by nested loops: a batch is a handful of rows, for which building hash tables costs more
-- than the work. (Not force_generic_plan: a generic plan made while the tables were nearly empty
-- scanned them whole forever after, 100 ms a batch once they had filled.)
set enable_hashjoin = off
as $function$
#variable_conflict use_column
declare
  s_ord integer[];
  r record;
  ev_household uuid[];
  ev_profile uuid[];
  ev_type text[];
  ev_payload jsonb[];
begin
  -- the steady beats, in one statement: their sessions locked in profile order, the credit each
  -- stretch earns clamped by one set-based vt_credit, their sessions written by one UPDATE, their
  -- answers returned, and the events of the credits that spent a budget's last second or started a break
  -- (plpgsql itself evaluates next to nothing here: its expressions are compiled anew in every
  -- transaction, and that cost more than the statement)
  for r in
    with locked as (
      select b.ord, v.id as sid, x.id as balance, vt_interval_credit(v.last_heartbeat_at, v.paused_at, b.at) as credit,
             v.is_educational as edu, p.user_id as household, b.profile, b.at, b.seq, b.paused, ar.percent_used as pct
        from (select u.*, row_number() over (partition by u.profile order by u.ord) as nth
                from unnest(p_user, p_profile, p_session, p_title, p_seq, p_now, p_paused, p_position) with ordinality as u(usr, profile, session, title, seq, at, paused, position, ord)) b
        join profiles p on p.id = b.profile and p.user_id = b.usr and p.is_kids
        left join alert_rules ar on ar.user_id = b.usr
        join users u on u.id = b.usr and u.is_active
        join titles t on t.id = b.title
        join viewing_sessions v on v.id = b.session and v.profile_id = b.profile and v.ended_at is null
        join vt_day_of(b.profile, b.at) x on x.allowed is null
       where b.nth = 1 and not vt_is_stale(v.last_heartbeat_at, b.at) and (b.seq is null or v.last_seq is null or b.seq > v.last_seq)
         and v.grace_until is null and (b.position is null or x.finish_grace_minutes = 0 or coalesce(vt_remaining(x), 61) > 60)
         and not exists (select from vt_pause_of(b.profile, b.at))
       order by b.profile
       for update of v),
    credited as (
      select l.*, c.granted, c.used_seconds, c.educational_seconds, c.bonus_seconds, c.unlimited_override, c.limit_minutes, c.educational_exempt, c.day_end,
             c.break_after_minutes, c.break_minutes, c.continuous_seconds, c.counted_at, c.break_until, c.break_started, c.remaining,
             c.weekly_limit_minutes, c.week_end, c.bank_cap_minutes, c.bank_seconds, c.week_used_seconds, c.week_bonus_seconds,
             c.finish_grace_minutes, c.overtime_seconds, c.alerted_percent, c.percent_alerted
        from vt_credit((select array_agg(balance) from locked), (select array_agg(credit) from locked), (select array_agg(edu) from locked),
                       (select array_agg(at) from locked), (select array_agg(pct) from locked)) c
        join locked l on l.balance = c.balance),
    written as (
      update viewing_sessions v set last_heartbeat_at = c.at, last_seq = coalesce(c.seq, v.last_seq),
             paused_at = case when c.paused then coalesce(v.paused_at, c.at) end, last_credit_seconds = c.granted, total_seconds = v.total_seconds + c.granted
        from credited c where v.id = c.sid),
    events as (
      select c.ord, 1 as nth, c.household, c.profile, 'limit_reached'::text as type,
             jsonb_build_object('session_id', c.sid, 'used_minutes', vt_minutes(c.used_seconds), 'limit_minutes', c.limit_minutes,
                                'bonus_minutes', vt_minutes(c.bonus_seconds), 'next_reset_at', c.day_end) as payload
        from credited c where c.granted > 0 and not (c.educational_exempt and c.edu) and c.remaining = 0
      union all
      select c.ord, 0, c.household, c.profile, 'break_started',
             jsonb_build_object('session_id', c.sid, 'break_until', c.break_until, 'break_minutes', c.break_minutes)
        from credited c where c.break_started
      union all
      select c.ord, 2, c.household, c.profile, 'limit_percent_used',
             jsonb_build_object('session_id', c.sid, 'percent', c.percent_alerted, 'used_minutes', vt_minutes(c.used_seconds),
                                'allowance_minutes', vt_minutes(c.limit_minutes * 60 + c.bonus_seconds))
        from credited c where c.alerted_percent)
    select (select coalesce(array_agg(c.ord::integer), '{}') from credited c) as ords,
           (select array_agg(e.household order by e.ord, e.nth) from events e) as hh, (select array_agg(e.profile order by e.ord, e.nth) from events e) as pr,
           (select array_agg(e.type order by e.ord, e.nth) from events e) as types, (select array_agg(e.payload order by e.ord, e.nth) from events e) as payloads,
           (select array_agg(row(c.ord::integer, 'ok'::text, c.sid, true, c.edu, c.used_seconds, c.educational_seconds, c.bonus_seconds, c.unlimited_override,
                                 c.limit_minutes, c.educational_exempt, c.day_end, c.remaining, false, null::text, null::json, false, null::timestamptz,
                                 c.break_after_minutes, c.break_minutes, c.continuous_seconds, c.counted_at, c.break_until, c.break_started,
                                 c.weekly_limit_minutes, c.week_end, c.bank_cap_minutes, c.bank_seconds, c.week_used_seconds, c.week_bonus_seconds,
                                 c.finish_grace_minutes, c.overtime_seconds, null::timestamptz, null::text, false, 0, c.granted)) from credited c) as answers
  loop
    s_ord := r.ords;
    ev_household := r.hh; ev_profile := r.pr; ev_type := r.types; ev_payload := r.payloads;
    return query select a.* from unnest(r.answers) as a(ord integer, outcome text, session_id uuid, is_kids boolean, is_educational boolean, used_seconds integer,
      educational_seconds integer, bonus_seconds integer, unlimited_override boolean, limit_minutes integer, educational_exempt boolean, day_end timestamptz,
      remaining_seconds integer, hours_apply boolean, allowed text, config json, paused boolean, paused_until timestamptz, break_after_minutes integer,
      break_minutes integer, continuous_seconds integer, counted_at timestamptz, break_until timestamptz, break_started boolean,
      weekly_limit_minutes integer, week_end timestamptz, bank_cap_minutes integer, bank_seconds integer, week_used_seconds integer,
      week_bonus_seconds integer, finish_grace_minutes smallint, overtime_seconds integer, grace_until timestamptz, grace_kind text,
      grace_started boolean, overtime_credited integer, credited integer);
  end loop;

  -- every other beat, one at a time, in ord (profile) order (mostly there is none: then not even a query)
  if cardinality(s_ord) < cardinality(p_profile) then
    for i in 1 .. cardinality(p_profile) loop
      continue when i = any(s_ord);
      select * into r from vt_beat(p_user[i], p_profile[i], p_session[i], p_title[i], p_device_id[i], p_device_type[i], p_paused[i], p_seq[i], p_now[i],
                                   p_day_date[i], p_day_start[i], p_day_end[i], p_day_limit[i], p_day_exempt[i], p_config_version[i], p_day_allowed[i], p_day_ignores[i],
                                   p_day_break_after[i], p_day_break_minutes[i], p_day_weekly[i], p_day_week_end[i], p_day_bank_cap[i], p_day_grace[i],
                                   p_position[i]);
      ord := i; outcome := r.outcome; session_id := r.session_id; is_kids := r.is_kids; is_educational := r.is_educational;
      used_seconds := r.used_seconds; educational_seconds := r.educational_seconds; bonus_seconds := r.bonus_seconds;
      unlimited_override := r.unlimited_override; limit_minutes := r.limit_minutes; educational_exempt := r.educational_exempt;
      day_end := r.day_end; remaining_seconds := r.remaining_seconds; hours_apply := r.hours_apply; allowed := r.allowed; config := r.config;
      paused := r.paused; paused_until := r.paused_until; break_after_minutes := r.break_after_minutes; break_minutes := r.break_minutes;
      continuous_seconds := r.continuous_seconds; counted_at := r.counted_at; break_until := r.break_until; break_started := r.break_started;
      weekly_limit_minutes := r.weekly_limit_minutes; week_end := r.week_end; bank_cap_minutes := r.bank_cap_minutes; bank_seconds := r.bank_seconds;
      week_used_seconds := r.week_used_seconds; week_bonus_seconds := r.week_bonus_seconds; finish_grace_minutes := r.finish_grace_minutes;
      overtime_seconds := r.overtime_seconds; grace_until := r.grace_until; grace_kind := r.grace_kind; grace_started := r.grace_started;
      overtime_credited := r.overtime_credited; credited := r.credited;
      return next;
      if cardinality(r.ev_type) > 0 then
        ev_household := coalesce(ev_household, '{}') || array_fill(p_user[i], array[cardinality(r.ev_type)]);
        ev_profile := coalesce(ev_profile, '{}') || array_fill(p_profile[i], array[cardinality(r.ev_type)]);
        ev_type := coalesce(ev_type, '{}') || r.ev_type; ev_payload := coalesce(ev_payload, '{}') || r.ev_payload;
      end if;
    end loop;
  end if;
  if ev_type is not null then
    perform vt_emit(ev_household, ev_profile, ev_type, ev_payload);
  end if;
end
$function$;
