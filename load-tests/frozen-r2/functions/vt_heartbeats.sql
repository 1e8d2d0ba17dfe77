-- FROZEN: src/db/sql/vt_heartbeats.sql as of round 2 (identical on main from 1882c38 to 223ab76), table and function names qualified with vt_r2.
-- Do not update it with the service: it is the raw baseline's yardstick (see ../README.md).
-- Heartbeats (SPEC §3), in one statement for a group-commit batch (SPEC §7: one transaction and
-- one commit for every beat of the batch) and in one round trip whatever the caller has cached: the
-- caller's ownership of each profile, the account's active flag, the title and the viewing day's
-- balance row are all read here. Beat i of the arrays answers as row `ord` = i, in array order (the
-- caller keeps each session's beats in seq order and sorts profiles, so that concurrent batches
-- lock rows in one order). The session row is locked before its credit is computed and the balance
-- row before the credit is clamped to limit + bonus. Outcomes:
--   ok, retry (seq not above last_seq: nothing credited), started, resumed (a stale or ended
--   session of the same device: a new session, the gap uncredited), superseded (another device
--   took over: nothing credited), need_day (no balance row contains the beat's instant and the
--   caller passed no current day: nothing written, `config` carries the settings to compute it
--   from), no_profile, inactive, no_title, not_found (unknown session, or another profile's).
-- Allowed hours: the day's row holds its allowed instants; only time inside them is credited, a
-- beat answered outside them adds its stretch to refused_seconds, and each answer hands back the
-- day's instants (`allowed`, null: any time) and whether they apply to the session (hours_apply:
-- not to an educational title when the settings say educational viewing ignores them).
-- Live events, written at the end of the statement (vt_emit: its lock is taken last): a start that
-- supersedes another device's session writes session_superseded, and a credit that spends the last
-- of the budget writes limit_reached, in the batch's own transaction.
-- p_day_*[i] is the viewing day containing p_now[i] as the service's time rules computed it from
-- settings version p_config_version[i]; it is used only to create that day's row.
create or replace function vt_r2.vt_heartbeats(
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
  b_session uuid;
  b_profile uuid;
  b_now timestamptz;
  b_seq bigint;
  b_device_id text;
  v_owner uuid;
  v_active boolean;
  v_title_edu boolean;
  v_balance uuid;
  v_allowed tstzmultirange;
  v_ignores boolean;
  v_start boolean;
  v_edu boolean;
  v_raw integer;
  v_credit integer;
  v_refused integer;
  v_granted integer;
  s_profile uuid;
  s_device text;
  s_last timestamptz;
  s_paused timestamptz;
  s_seq bigint;
  s_ended timestamptz;
  s_reason text;
  prev_id uuid;
  prev_last timestamptz;
  prev_paused timestamptz;
  prev_edu boolean;
  prev_device text;
  ev_household uuid[] := '{}';
  ev_profile uuid[] := '{}';
  ev_type text[] := '{}';
  ev_payload jsonb[] := '{}';
begin
  for i in 1 .. coalesce(array_length(p_profile, 1), 0) loop
    ord := i;
    outcome := null; session_id := null; is_kids := null; is_educational := null; used_seconds := null; educational_seconds := null;
    bonus_seconds := null; unlimited_override := null; limit_minutes := null; educational_exempt := null; day_end := null;
    remaining_seconds := null; hours_apply := null; allowed := null; config := null;
    v_credit := 0; v_refused := 0; v_granted := null; v_balance := null; v_title_edu := null; v_allowed := null; v_ignores := false;
    b_session := p_session[i];
    b_profile := p_profile[i];
    b_now := p_now[i];
    b_seq := p_seq[i];
    b_device_id := p_device_id[i];
    v_start := b_session is null;

    <<beat>>
    begin
      select p.user_id, u.is_active, p.is_kids, t.is_educational, b.id, b.used_seconds, b.educational_seconds, b.bonus_seconds,
             b.is_unlimited_override, b.limit_minutes, b.educational_exempt, b.day_end, b.allowed, b.educational_ignores_hours
        into v_owner, v_active, is_kids, v_title_edu, v_balance, used_seconds, educational_seconds, bonus_seconds,
             unlimited_override, limit_minutes, educational_exempt, day_end, v_allowed, v_ignores
        from vt_r2.profiles p
        join vt_r2.users u on u.id = p.user_id
        left join vt_r2.titles t on t.id = p_title[i]
        left join vt_r2.viewing_time_balances b on b.profile_id = p.id and b.day_end > b_now and b.day_start <= b_now
       where p.id = b_profile;
      if not found or v_owner <> p_user[i] then
        outcome := 'no_profile'; exit beat;
      elsif not v_active then
        outcome := 'inactive'; exit beat;
      elsif v_title_edu is null then
        outcome := 'no_title'; exit beat;
      end if;

      if is_kids and v_balance is null then
        v_balance := vt_r2.vt_day_balance(b_profile, b_now, p_day_date[i], p_day_start[i], p_day_end[i], p_day_limit[i], p_day_exempt[i],
                                    p_config_version[i], p_day_allowed[i]::tstzmultirange, p_day_ignores[i]);
        if v_balance is null then
          outcome := 'need_day'; config := vt_r2.vt_config_json(b_profile); exit beat;
        end if;
        select b.used_seconds, b.educational_seconds, b.bonus_seconds, b.is_unlimited_override, b.limit_minutes, b.educational_exempt,
               b.day_end, b.allowed, b.educational_ignores_hours
          into used_seconds, educational_seconds, bonus_seconds, unlimited_override, limit_minutes, educational_exempt,
               day_end, v_allowed, v_ignores
          from vt_r2.viewing_time_balances b where b.id = v_balance;
      end if;

      if not v_start and v_allowed is null then
        -- the common case in one row operation: this profile's active, fresh session and a new seq;
        -- the credit is added now and taken back below if the balance clamps it
        update vt_r2.viewing_sessions v set last_heartbeat_at = b_now, last_seq = coalesce(b_seq, v.last_seq),
               paused_at = case when p_paused[i] then coalesce(v.paused_at, b_now) end,
               last_credit_seconds = vt_r2.vt_interval_credit(v.last_heartbeat_at, v.paused_at, b_now),
               total_seconds = v.total_seconds + vt_r2.vt_interval_credit(v.last_heartbeat_at, v.paused_at, b_now)
         where v.id = b_session and v.profile_id = b_profile and v.ended_at is null and not vt_r2.vt_is_stale(v.last_heartbeat_at, b_now)
           and (b_seq is null or v.last_seq is null or b_seq > v.last_seq)
        returning v.last_credit_seconds, v.is_educational into v_credit, is_educational;
        session_id := b_session;
        if found then
          outcome := 'ok';
        end if;
      end if;

      if not v_start and outcome is null then
        -- everything else, and every beat under allowed hours: lock the session and look
        select v.profile_id, v.device_id, v.last_heartbeat_at, v.paused_at, v.last_seq, v.ended_at, v.end_reason, v.is_educational
          into s_profile, s_device, s_last, s_paused, s_seq, s_ended, s_reason, is_educational
          from vt_r2.viewing_sessions v where v.id = b_session for update;
        if not found or s_profile <> b_profile then
          outcome := 'not_found'; session_id := null; exit beat;
        end if;
        session_id := b_session;
        if s_ended is null and vt_r2.vt_is_stale(s_last, b_now) then
          perform vt_r2.vt_close_session(b_session, s_last, s_paused, is_educational, is_kids, v_balance, b_now, 'stale');
          s_ended := s_last;
          s_reason := 'stale';
        end if;
        if s_ended is not null then
          if s_reason = 'superseded' or s_device <> b_device_id then
            outcome := 'superseded'; exit beat;
          end if;
          v_start := true;
          outcome := 'resumed';
        elsif b_seq is not null and s_seq is not null and b_seq <= s_seq then
          outcome := 'retry';
        else
          v_raw := vt_r2.vt_interval_credit(s_last, s_paused, b_now);
          v_credit := v_raw;
          if v_allowed is not null and not (is_educational and v_ignores) then
            v_credit := vt_r2.vt_windowed_credit(s_last, s_paused, b_now, v_allowed);
            if not v_allowed @> b_now then v_refused := v_raw - v_credit; end if; -- answered outside the hours
          end if;
          update vt_r2.viewing_sessions v set last_heartbeat_at = b_now, last_seq = coalesce(b_seq, v.last_seq),
                 paused_at = case when p_paused[i] then coalesce(v.paused_at, b_now) end,
                 last_credit_seconds = v_credit, total_seconds = v.total_seconds + v_credit
           where v.id = b_session;
          outcome := 'ok';
        end if;
      end if;

      if v_start then
        loop
          select v.id, v.last_heartbeat_at, v.paused_at, v.is_educational, v.device_id into prev_id, prev_last, prev_paused, prev_edu, prev_device
            from vt_r2.viewing_sessions v where v.profile_id = b_profile and v.ended_at is null for update;
          if found then
            perform vt_r2.vt_close_session(prev_id, prev_last, prev_paused, prev_edu, is_kids, v_balance, b_now, 'superseded');
            if prev_device <> b_device_id and not vt_r2.vt_is_stale(prev_last, b_now) then
              ev_household := ev_household || p_user[i]; ev_profile := ev_profile || b_profile; ev_type := ev_type || 'session_superseded'::text;
              ev_payload := ev_payload || jsonb_build_object('session_id', prev_id, 'device_id', prev_device, 'by_device_id', b_device_id);
            end if;
          end if;
          -- a racing start that committed first makes this a no-op: go round, supersede it, start again
          insert into vt_r2.viewing_sessions as v (id, profile_id, title_id, device_id, device_type, is_educational, started_at,
                                             last_heartbeat_at, last_seq, paused_at, total_seconds)
          values (gen_random_uuid(), b_profile, p_title[i], b_device_id, p_device_type[i], v_title_edu, b_now,
                  b_now, b_seq, case when p_paused[i] then b_now end, 0)
          on conflict (profile_id) where ended_at is null do nothing
          returning v.id into session_id;
          exit when session_id is not null;
        end loop;
        is_educational := v_title_edu;
        outcome := coalesce(outcome, 'started');
        if is_kids then
          select b.used_seconds, b.educational_seconds, b.bonus_seconds, b.is_unlimited_override
            into used_seconds, educational_seconds, bonus_seconds, unlimited_override
            from vt_r2.viewing_time_balances b where b.id = v_balance;
        end if;
        exit beat;
      end if;

      if outcome = 'ok' and is_kids and (v_credit > 0 or v_refused > 0) then
        v_edu := is_educational;
        update vt_r2.viewing_time_balances b set
          credited_seconds = vt_r2.vt_grantable(v_credit, b.educational_exempt and v_edu, b.used_seconds, b.bonus_seconds, b.limit_minutes, b.is_unlimited_override),
          used_seconds = b.used_seconds + case when b.educational_exempt and v_edu then 0
            else vt_r2.vt_grantable(v_credit, false, b.used_seconds, b.bonus_seconds, b.limit_minutes, b.is_unlimited_override) end,
          educational_seconds = b.educational_seconds + case when b.educational_exempt and v_edu then v_credit else 0 end,
          refused_seconds = b.refused_seconds + v_refused,
          updated_at = b_now
         where b.id = v_balance
        returning b.credited_seconds, b.used_seconds, b.educational_seconds, b.bonus_seconds, b.is_unlimited_override, b.limit_minutes, b.educational_exempt
             into v_granted, used_seconds, educational_seconds, bonus_seconds, unlimited_override, limit_minutes, educational_exempt;
        if v_granted < v_credit then -- the budget ran out within this stretch: the session keeps what was granted
          update vt_r2.viewing_sessions v set total_seconds = v.total_seconds - (v_credit - v_granted), last_credit_seconds = v_granted where v.id = b_session;
        end if;
        if v_granted > 0 and not (educational_exempt and v_edu) and vt_r2.vt_remaining(used_seconds, bonus_seconds, limit_minutes, unlimited_override) = 0 then
          ev_household := ev_household || p_user[i]; ev_profile := ev_profile || b_profile; ev_type := ev_type || 'limit_reached'::text;
          ev_payload := ev_payload || jsonb_build_object('session_id', b_session, 'used_minutes', vt_r2.vt_minutes(used_seconds), 'limit_minutes', limit_minutes,
                                                          'bonus_minutes', vt_r2.vt_minutes(bonus_seconds), 'next_reset_at', day_end);
        end if;
      end if;
    end beat;

    if is_kids and outcome in ('ok', 'retry', 'started', 'resumed', 'superseded') then
      remaining_seconds := vt_r2.vt_remaining(used_seconds, bonus_seconds, limit_minutes, unlimited_override);
      hours_apply := v_allowed is not null and not (coalesce(is_educational, false) and v_ignores);
      allowed := v_allowed::text;
    end if;
    return next;
  end loop;
  perform vt_r2.vt_emit(ev_household, ev_profile, ev_type, ev_payload);
end
$function$;
