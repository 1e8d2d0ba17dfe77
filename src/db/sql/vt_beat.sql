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
-- Finishing the title (SPEC §3a): with position_seconds, the beat whose credit exhausts the
-- allowance, or the first beat after an allowed window's end, starts a grace when the title's rest
-- fits the day's finish_grace_minutes (one for the budget per day, one per window close); its end
-- (that instant + the rest + 60 s) is kept on the session and no later position moves it. The
-- session's beats until then credit overtime_seconds, nothing else; a parental pause ends it.
-- Live events are handed back (ev_type, ev_payload), not written: vt_heartbeats writes them last.
create or replace function vt_beat(
  p_user uuid, p_profile uuid, p_session uuid, p_title uuid, p_device_id text, p_device_type text, p_paused boolean, p_seq bigint,
  p_now timestamptz, p_day_date date, p_day_start timestamptz, p_day_end timestamptz, p_day_limit integer, p_day_exempt boolean,
  p_config_version integer, p_day_allowed text, p_day_ignores boolean, p_day_break_after integer, p_day_break_minutes integer,
  p_day_weekly integer, p_day_week_end timestamptz, p_day_bank_cap integer, p_day_grace integer, p_position integer,
  out outcome text, out session_id uuid, out is_kids boolean, out is_educational boolean, out used_seconds integer,
  out educational_seconds integer, out bonus_seconds integer, out unlimited_override boolean, out limit_minutes integer,
  out educational_exempt boolean, out day_end timestamptz, out remaining_seconds integer, out hours_apply boolean,
  out allowed text, out config json, out paused boolean, out paused_until timestamptz, out break_after_minutes integer,
  out break_minutes integer, out continuous_seconds integer, out counted_at timestamptz, out break_until timestamptz,
  out break_started boolean, out weekly_limit_minutes integer, out week_end timestamptz, out bank_cap_minutes integer,
  out bank_seconds integer, out week_used_seconds integer, out week_bonus_seconds integer, out finish_grace_minutes smallint,
  out overtime_seconds integer, out grace_until timestamptz, out grace_kind text, out grace_started boolean, out overtime_credited integer,
  out credited integer, out ev_type text[], out ev_payload jsonb[])
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
  v_duration integer;
  v_rest integer;
  v_day record;
  v_window_end timestamptz;
  c record;
  s record;
  prev record;
begin
  ev_type := '{}';
  ev_payload := '{}';
  break_started := false;
  grace_started := false;
  overtime_credited := 0;
  select p.user_id, u.is_active, p.is_kids, t.is_educational, t.duration_minutes into v_owner, v_active, is_kids, v_title_edu, v_duration
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
                              p_day_allowed::tstzmultirange, p_day_ignores, p_day_break_after, p_day_break_minutes, p_day_weekly, p_day_week_end,
                              p_day_bank_cap, p_day_grace);
    if v_balance is null then
      outcome := 'need_day'; config := vt_config_json(p_profile); return;
    end if;
    select b.allowed, b.educational_ignores_hours into v_allowed, v_ignores from viewing_time_balances b where b.id = v_balance;
    select true, s.ends_at into paused, paused_until from vt_pause_of(p_profile, p_now) s;
  end if;
  paused := coalesce(paused, false);

  if not v_start then
    select v.profile_id, v.device_id, v.last_heartbeat_at, v.paused_at, v.last_seq, v.ended_at, v.end_reason, v.is_educational,
           v.title_id, v.grace_until, v.grace_kind
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
    elsif paused then -- a parent's pause also ends a grace (it does not resume)
      update viewing_sessions v set last_heartbeat_at = p_now, last_seq = coalesce(p_seq, v.last_seq),
             paused_at = case when p_paused then coalesce(v.paused_at, p_now) end, last_credit_seconds = 0, grace_until = null, grace_kind = null
       where v.id = p_session;
      outcome := 'ok';
    elsif is_kids and s.grace_until is not null then
      -- a grace running: the stretch up to its end is overtime, counted towards nothing else; past its end the grace is over
      v_raw := vt_interval_credit(s.last_heartbeat_at, s.paused_at, p_now);
      v_credit := case when p_title is distinct from s.title_id then 0
                       else greatest(0, least(v_raw, floor(extract(epoch from s.grace_until - (p_now - make_interval(secs => v_raw))))::integer)) end;
      overtime_credited := v_credit;
      if v_credit > 0 then
        update viewing_time_balances b set overtime_seconds = b.overtime_seconds + v_credit, updated_at = p_now where b.id = v_balance;
      end if;
      update viewing_sessions v set last_heartbeat_at = p_now, last_seq = coalesce(p_seq, v.last_seq),
             paused_at = case when p_paused then coalesce(v.paused_at, p_now) end,
             last_credit_seconds = v_credit, total_seconds = v.total_seconds + v_credit,
             grace_until = case when p_now < v.grace_until and p_title is not distinct from s.title_id then v.grace_until end,
             grace_kind = case when p_now < v.grace_until and p_title is not distinct from s.title_id then v.grace_kind end
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
        v_raw := v_credit;
        select * into c from vt_credit(array[v_balance], array[v_credit], array[s.is_educational], array[p_now],
                                       array[(select r.percent_used::integer from alert_rules r where r.user_id = p_user)]);
        v_credit := c.granted; -- the budget may run out within this stretch: the session keeps what was granted
        -- the credit that exhausts the allowance starts the budget's grace, when the title's rest fits it
        if c.granted > 0 and c.remaining = 0 and not c.break_started and not (c.educational_exempt and s.is_educational)
           and p_position is not null and p_title is not distinct from s.title_id and v_duration is not null and c.finish_grace_minutes > 0 then
          v_rest := vt_rest(v_duration, p_position);
          if v_rest <= c.finish_grace_minutes * 60 then
            update viewing_time_balances b set grace_budget_used = true where b.id = v_balance and not b.grace_budget_used;
            if found then
              grace_started := true;
              overtime_credited := v_raw - c.granted; -- the rest of the stretch, after the allowance ran out
              update viewing_time_balances b set overtime_seconds = b.overtime_seconds + overtime_credited where b.id = v_balance;
              update viewing_sessions v set grace_kind = 'budget',
                     grace_until = p_now - make_interval(secs => v_raw - c.granted) + make_interval(secs => v_rest + vt_rule('grace_slack_seconds'))
               where v.id = p_session;
              v_credit := v_raw;
            end if;
          end if;
        end if;
        if c.granted > 0 and not (c.educational_exempt and s.is_educational)
           and c.remaining = 0 then
          ev_type := ev_type || 'limit_reached'::text;
          ev_payload := ev_payload || jsonb_build_object('session_id', p_session, 'used_minutes', vt_minutes(c.used_seconds),
            'limit_minutes', c.limit_minutes, 'bonus_minutes', vt_minutes(c.bonus_seconds), 'next_reset_at', c.day_end);
        end if;
        break_started := c.break_started;
        if c.alerted_percent then
          ev_type := ev_type || 'limit_percent_used'::text;
          ev_payload := ev_payload || jsonb_build_object('session_id', p_session, 'percent', c.percent_alerted, 'used_minutes', vt_minutes(c.used_seconds),
            'allowance_minutes', vt_minutes(c.limit_minutes * 60 + c.bonus_seconds));
        end if;
        if c.break_started then
          ev_type := ev_type || 'break_started'::text;
          ev_payload := ev_payload || jsonb_build_object('session_id', p_session, 'break_until', c.break_until, 'break_minutes', c.break_minutes);
        end if;
      end if;
      -- the first beat after an allowed window's end (its last beat inside, or at the end) starts that window's grace, when
      -- the title's rest fits it and allowance is left
      if v_allowed is not null and not v_allowed @> p_now and not (s.is_educational and v_ignores) and is_kids and not grace_started
         and p_position is not null and p_title is not distinct from s.title_id and v_duration is not null then
        select upper(w) into v_window_end from unnest(v_allowed) w
         where lower(w) < s.last_heartbeat_at and upper(w) >= s.last_heartbeat_at and upper(w) <= p_now;
        select b.finish_grace_minutes, b.grace_window_ends, vt_remaining(b) as remaining into v_day from viewing_time_balances b where b.id = v_balance;
        v_rest := vt_rest(v_duration, p_position);
        if v_window_end is not null and v_window_end <= p_now and v_day.finish_grace_minutes > 0 and v_rest <= v_day.finish_grace_minutes * 60
           and not (v_window_end = any(v_day.grace_window_ends)) and coalesce(v_day.remaining, 1) > 0 then
          grace_started := true;
          overtime_credited := v_refused;
          update viewing_time_balances b set grace_window_ends = b.grace_window_ends || v_window_end, overtime_seconds = b.overtime_seconds + v_refused
           where b.id = v_balance;
          update viewing_sessions v set grace_kind = 'window', grace_until = v_window_end + make_interval(secs => v_rest + vt_rule('grace_slack_seconds')) where v.id = p_session;
          v_credit := v_credit + v_refused;
          v_refused := 0;
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
           vt_remaining(b), b.break_after_minutes, b.break_minutes, b.continuous_seconds, b.counted_at, b.break_until,
           b.weekly_limit_minutes, b.week_end, b.bank_cap_minutes, b.bank_seconds, b.week_used_seconds, b.week_bonus_seconds,
           b.finish_grace_minutes, b.overtime_seconds
      into used_seconds, educational_seconds, bonus_seconds, unlimited_override, limit_minutes, educational_exempt, day_end, remaining_seconds,
           break_after_minutes, break_minutes, continuous_seconds, counted_at, break_until,
           weekly_limit_minutes, week_end, bank_cap_minutes, bank_seconds, week_used_seconds, week_bonus_seconds,
           finish_grace_minutes, overtime_seconds
      from viewing_time_balances b where b.id = v_balance;
    select v.grace_until, v.grace_kind into grace_until, grace_kind from viewing_sessions v where v.id = session_id;
    credited := v_credit - overtime_credited; -- what the day's count took
    hours_apply := v_allowed is not null and not (coalesce(is_educational, false) and v_ignores);
    allowed := v_allowed::text;
  end if;
end
$function$;
