-- One player heartbeat (SPEC §3), in one round trip whatever the caller has cached: the caller's
-- ownership of the profile, the account's active flag, the title and the viewing day's balance
-- row are all read here. The session row is locked before its credit is computed and the balance
-- row before the credit is clamped to limit + bonus. Outcomes:
--   ok, retry (seq not above last_seq: nothing credited), started, resumed (a stale or ended
--   session of the same device: a new session, the gap uncredited), superseded (another device
--   took over: nothing credited), need_day (no balance row contains p_now and the caller passed
--   no current day: nothing written, `config` carries the settings to compute it from),
--   no_profile, inactive, no_title, not_found (unknown session, or another profile's).
-- p_day_* is the viewing day containing p_now as the service's time rules computed it from
-- settings version p_config_version; it is used only to create that day's row.
create or replace function vt_heartbeat(
  p_user uuid, p_profile uuid, p_session uuid, p_title uuid, p_device_id text, p_device_type text,
  p_paused boolean, p_seq bigint, p_now timestamptz,
  p_day_date date, p_day_start timestamptz, p_day_end timestamptz, p_day_limit integer, p_day_exempt boolean,
  p_config_version integer)
returns table (outcome text, session_id uuid, is_kids boolean, is_educational boolean, used_seconds integer,
               educational_seconds integer, bonus_seconds integer, unlimited_override boolean, limit_minutes integer,
               educational_exempt boolean, day_end timestamptz, remaining_seconds integer, config json)
language plpgsql
as $function$
#variable_conflict use_column
declare
  v_owner uuid;
  v_active boolean;
  v_title_edu boolean;
  v_balance uuid;
  v_start boolean := p_session is null;
  v_credit integer := 0;
  v_granted integer;
  s_profile uuid;
  s_device text;
  s_last timestamptz;
  s_paused timestamptz;
  s_ended timestamptz;
  s_reason text;
  prev_id uuid;
  prev_last timestamptz;
  prev_paused timestamptz;
  prev_edu boolean;
begin
  select p.user_id, u.is_active, p.is_kids, t.is_educational, b.id, b.used_seconds, b.educational_seconds, b.bonus_seconds,
         b.is_unlimited_override, b.limit_minutes, b.educational_exempt, b.day_end
    into v_owner, v_active, is_kids, v_title_edu, v_balance, used_seconds, educational_seconds, bonus_seconds,
         unlimited_override, limit_minutes, educational_exempt, day_end
    from profiles p
    join users u on u.id = p.user_id
    left join titles t on t.id = p_title
    left join viewing_time_balances b on b.profile_id = p.id and b.day_end > p_now and b.day_start <= p_now
   where p.id = p_profile;
  if not found or v_owner <> p_user then
    outcome := 'no_profile'; return next; return;
  elsif not v_active then
    outcome := 'inactive'; return next; return;
  elsif v_title_edu is null then
    outcome := 'no_title'; return next; return;
  end if;

  if is_kids and v_balance is null then
    v_balance := vt_day_balance(p_profile, p_now, p_day_date, p_day_start, p_day_end, p_day_limit, p_day_exempt, p_config_version);
    if v_balance is null then
      outcome := 'need_day'; config := vt_config_json(p_profile); return next; return;
    end if;
    select b.used_seconds, b.educational_seconds, b.bonus_seconds, b.is_unlimited_override, b.limit_minutes, b.educational_exempt, b.day_end
      into used_seconds, educational_seconds, bonus_seconds, unlimited_override, limit_minutes, educational_exempt, day_end
      from viewing_time_balances b where b.id = v_balance;
  end if;

  if not v_start then
    -- the common case in one row operation: this profile's active, fresh session and a new seq;
    -- the credit is added now and taken back below if the balance clamps it
    update viewing_sessions v set last_heartbeat_at = p_now, last_seq = coalesce(p_seq, v.last_seq),
           paused_at = case when p_paused then coalesce(v.paused_at, p_now) end,
           last_credit_seconds = vt_interval_credit(v.last_heartbeat_at, v.paused_at, p_now),
           total_seconds = v.total_seconds + vt_interval_credit(v.last_heartbeat_at, v.paused_at, p_now)
     where v.id = p_session and v.profile_id = p_profile and v.ended_at is null and not vt_is_stale(v.last_heartbeat_at, p_now)
       and (p_seq is null or v.last_seq is null or p_seq > v.last_seq)
    returning v.last_credit_seconds, v.is_educational into v_credit, is_educational;
    session_id := p_session;
    if found then
      outcome := 'ok';
    else
      select v.profile_id, v.device_id, v.last_heartbeat_at, v.paused_at, v.ended_at, v.end_reason, v.is_educational
        into s_profile, s_device, s_last, s_paused, s_ended, s_reason, is_educational
        from viewing_sessions v where v.id = p_session for update;
      if not found or s_profile <> p_profile then
        outcome := 'not_found'; session_id := null; return next; return;
      end if;
      if s_ended is null and vt_is_stale(s_last, p_now) then
        perform vt_close_session(p_session, s_last, s_paused, is_educational, is_kids, v_balance, p_now, 'stale');
        s_ended := s_last;
        s_reason := 'stale';
      end if;
      if s_ended is null then
        outcome := 'retry'; -- active and fresh, so the update above refused it for its seq
      elsif s_reason = 'superseded' or s_device <> p_device_id then
        outcome := 'superseded';
        remaining_seconds := vt_remaining(used_seconds, bonus_seconds, limit_minutes, unlimited_override);
        return next; return;
      else
        v_start := true;
        outcome := 'resumed';
      end if;
    end if;
  end if;

  if v_start then
    loop
      select v.id, v.last_heartbeat_at, v.paused_at, v.is_educational into prev_id, prev_last, prev_paused, prev_edu
        from viewing_sessions v where v.profile_id = p_profile and v.ended_at is null for update;
      if found then
        perform vt_close_session(prev_id, prev_last, prev_paused, prev_edu, is_kids, v_balance, p_now, 'superseded');
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
    if is_kids then
      select b.used_seconds, b.educational_seconds, b.bonus_seconds, b.is_unlimited_override
        into used_seconds, educational_seconds, bonus_seconds, unlimited_override
        from viewing_time_balances b where b.id = v_balance;
      remaining_seconds := vt_remaining(used_seconds, bonus_seconds, limit_minutes, unlimited_override);
    end if;
    return next; return;
  end if;

  if outcome = 'ok' and is_kids and v_credit > 0 then
    select c.granted, c.used_seconds, c.educational_seconds, c.bonus_seconds, c.unlimited_override, c.limit_minutes, c.educational_exempt
      into v_granted, used_seconds, educational_seconds, bonus_seconds, unlimited_override, limit_minutes, educational_exempt
      from vt_credit(v_balance, v_credit, is_educational, p_now) c;
    if v_granted < v_credit then -- the budget ran out within this stretch: the session keeps what was granted
      update viewing_sessions v set total_seconds = v.total_seconds - (v_credit - v_granted), last_credit_seconds = v_granted where v.id = p_session;
    end if;
  end if;
  if is_kids then
    remaining_seconds := vt_remaining(used_seconds, bonus_seconds, limit_minutes, unlimited_override);
  end if;
  return next;
end
$function$;
