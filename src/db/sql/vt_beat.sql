-- One heartbeat, one statement at a time: every case but the steady one, which vt_heartbeats
-- handles for a whole batch at once. The session row is locked before its credit is computed, the
-- day row while the credit is clamped (vt_credit). Outcomes:
--   ok, retry (seq not above last_seq: nothing credited), started, resumed (a stale or ended
--   session of the same device: a new session, the gap uncredited), superseded (another device
--   took over: nothing credited), need_day (no row holds the beat's instant and the caller passed
--   no current day: nothing written, `config` carries the settings to compute it from), no_profile,
--   inactive, no_title, not_found (unknown session, or another profile's).
-- A parental pause (vt_pause_of) credits nothing: the beat is answered with `paused` and its end.
-- Allowed hours: only time inside the day's allowed instants is credited; a beat answered outside
-- them adds its stretch to refused_seconds. The answer hands back the day's instants (`allowed`,
-- null: any time) and whether they apply to the session (`hours_apply`: not to an educational
-- title when the settings say educational viewing ignores them).
-- Live events are handed back (ev_type, ev_payload), not written: vt_heartbeats writes them last.
create or replace function vt_beat(
  p_user uuid, p_profile uuid, p_session uuid, p_title uuid, p_device_id text, p_device_type text, p_paused boolean, p_seq bigint,
  p_now timestamptz, p_day_date date, p_day_start timestamptz, p_day_end timestamptz, p_day_limit integer, p_day_exempt boolean,
  p_config_version integer, p_day_allowed text, p_day_ignores boolean, p_day_break_after integer, p_day_break_minutes integer,
  out outcome text, out session_id uuid, out is_kids boolean, out is_educational boolean, out used_seconds integer,
  out educational_seconds integer, out bonus_seconds integer, out unlimited_override boolean, out limit_minutes integer,
  out educational_exempt boolean, out day_end timestamptz, out remaining_seconds integer, out hours_apply boolean,
  out allowed text, out config json, out paused boolean, out paused_until timestamptz, out break_after_minutes integer,
  out break_minutes integer, out continuous_seconds integer, out counted_at timestamptz, out break_until timestamptz,
  out break_started boolean, out ev_type text[], out ev_payload jsonb[])
language plpgsql
as $function$
#variable_conflict use_column
declare
  v_owner uuid;
  v_active boolean;
  v_title_edu boolean;
  v_balance uuid;
  v_allowed tstzmultirange;
  v_ignores boolean := false;
  v_start boolean := p_session is null;
  v_raw integer;
  v_credit integer := 0;
  v_refused integer := 0;
  c record;
  s record;
  prev record;
begin
  ev_type := '{}';
  ev_payload := '{}';
  break_started := false;
  select p.user_id, u.is_active, p.is_kids, t.is_educational into v_owner, v_active, is_kids, v_title_edu
    from profiles p join users u on u.id = p.user_id left join titles t on t.id = p_title
   where p.id = p_profile;
  if not found or v_owner <> p_user then
    outcome := 'no_profile'; return;
  elsif not v_active then
    outcome := 'inactive'; return;
  elsif v_title_edu is null then
    outcome := 'no_title'; return;
  end if;

  if is_kids then
    v_balance := vt_today_row(p_profile, p_now, p_day_date, p_day_start, p_day_end, p_day_limit, p_day_exempt, p_config_version,
                              p_day_allowed::tstzmultirange, p_day_ignores, p_day_break_after, p_day_break_minutes);
    if v_balance is null then
      outcome := 'need_day'; config := vt_config_json(p_profile); return;
    end if;
    select b.allowed, b.educational_ignores_hours into v_allowed, v_ignores from viewing_time_balances b where b.id = v_balance;
    select true, s.ends_at into paused, paused_until from vt_pause_of(p_profile, p_now) s;
  end if;
  paused := coalesce(paused, false);

  if not v_start then
    select v.profile_id, v.device_id, v.last_heartbeat_at, v.paused_at, v.last_seq, v.ended_at, v.end_reason, v.is_educational
      into s from viewing_sessions v where v.id = p_session for update;
    if not found or s.profile_id <> p_profile then
      outcome := 'not_found'; return;
    end if;
    session_id := p_session;
    is_educational := s.is_educational;
    if s.ended_at is null and vt_is_stale(s.last_heartbeat_at, p_now) then
      perform vt_close_session(p_session, p_profile, s.last_heartbeat_at, s.paused_at, s.is_educational, is_kids, v_balance, p_now, 'stale');
      s.ended_at := s.last_heartbeat_at;
      s.end_reason := 'stale';
    end if;
    if s.ended_at is not null then
      if s.end_reason = 'superseded' or s.device_id <> p_device_id then
        outcome := 'superseded';
      else
        v_start := true;
        outcome := 'resumed';
      end if;
    elsif p_seq is not null and s.last_seq is not null and p_seq <= s.last_seq then
      outcome := 'retry';
    elsif paused then
      update viewing_sessions v set last_heartbeat_at = p_now, last_seq = coalesce(p_seq, v.last_seq),
             paused_at = case when p_paused then coalesce(v.paused_at, p_now) end, last_credit_seconds = 0
       where v.id = p_session;
      outcome := 'ok';
    else
      v_raw := vt_interval_credit(s.last_heartbeat_at, s.paused_at, p_now);
      v_credit := v_raw;
      if v_allowed is not null and not (s.is_educational and v_ignores) then
        v_credit := vt_windowed_credit(s.last_heartbeat_at, s.paused_at, p_now, v_allowed);
        if not v_allowed @> p_now then v_refused := v_raw - v_credit; end if; -- answered outside the hours
      end if;
      if is_kids and v_credit > 0 then
        select * into c from vt_credit(array[v_balance], array[v_credit], array[s.is_educational], array[p_now]);
        v_credit := c.granted; -- the budget may run out within this stretch: the session keeps what was granted
        if c.granted > 0 and not (c.educational_exempt and s.is_educational)
           and vt_remaining(c.used_seconds, c.bonus_seconds, c.limit_minutes, c.unlimited_override) = 0 then
          ev_type := ev_type || 'limit_reached'::text;
          ev_payload := ev_payload || jsonb_build_object('session_id', p_session, 'used_minutes', vt_minutes(c.used_seconds),
            'limit_minutes', c.limit_minutes, 'bonus_minutes', vt_minutes(c.bonus_seconds), 'next_reset_at', c.day_end);
        end if;
        break_started := c.break_started;
        if c.break_started then
          ev_type := ev_type || 'break_started'::text;
          ev_payload := ev_payload || jsonb_build_object('session_id', p_session, 'break_until', c.break_until, 'break_minutes', c.break_minutes);
        end if;
      end if;
      if v_refused > 0 then
        update viewing_time_balances b set refused_seconds = b.refused_seconds + v_refused, updated_at = p_now where b.id = v_balance;
      end if;
      update viewing_sessions v set last_heartbeat_at = p_now, last_seq = coalesce(p_seq, v.last_seq),
             paused_at = case when p_paused then coalesce(v.paused_at, p_now) end,
             last_credit_seconds = v_credit, total_seconds = v.total_seconds + v_credit
       where v.id = p_session;
      outcome := 'ok';
    end if;
  end if;

  if v_start then
    loop
      select v.id, v.last_heartbeat_at, v.paused_at, v.is_educational, v.device_id into prev
        from viewing_sessions v where v.profile_id = p_profile and v.ended_at is null for update;
      if found then
        perform vt_close_session(prev.id, p_profile, prev.last_heartbeat_at, prev.paused_at, prev.is_educational, is_kids, v_balance, p_now, 'superseded');
        if prev.device_id <> p_device_id and not vt_is_stale(prev.last_heartbeat_at, p_now) then
          ev_type := ev_type || 'session_superseded'::text;
          ev_payload := ev_payload || jsonb_build_object('session_id', prev.id, 'device_id', prev.device_id, 'by_device_id', p_device_id);
        end if;
      end if;
      -- a racing start that committed first makes this a no-op: go round, supersede it, start again
      insert into viewing_sessions as v (id, profile_id, title_id, device_id, device_type, is_educational, started_at,
                                         last_heartbeat_at, last_seq, paused_at, total_seconds)
      values (gen_random_uuid(), p_profile, p_title, p_device_id, p_device_type, v_title_edu, p_now,
              p_now, p_seq, case when p_paused then p_now end, 0)
      on conflict (profile_id) where ended_at is null do nothing
      returning v.id into session_id;
      exit when session_id is not null;
    end loop;
    is_educational := v_title_edu;
    outcome := coalesce(outcome, 'started');
  end if;

  if is_kids then
    select b.used_seconds, b.educational_seconds, b.bonus_seconds, b.is_unlimited_override, b.limit_minutes, b.educational_exempt, b.day_end,
           vt_remaining(b.used_seconds, b.bonus_seconds, b.limit_minutes, b.is_unlimited_override),
           b.break_after_minutes, b.break_minutes, b.continuous_seconds, b.counted_at, b.break_until
      into used_seconds, educational_seconds, bonus_seconds, unlimited_override, limit_minutes, educational_exempt, day_end, remaining_seconds,
           break_after_minutes, break_minutes, continuous_seconds, counted_at, break_until
      from viewing_time_balances b where b.id = v_balance;
    hours_apply := v_allowed is not null and not (coalesce(is_educational, false) and v_ignores);
    allowed := v_allowed::text;
  end if;
end
$function$;
