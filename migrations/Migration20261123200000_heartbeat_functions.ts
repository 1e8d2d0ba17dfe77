import { Migration } from '@mikro-orm/migrations';

/**
 * The heartbeat, session-start and session-end rules as PL/pgSQL functions, so that the player's
 * hot path is ONE round trip (SPEC C-02) and race-free: the session row is locked before its
 * credit is computed, and the balance row before the credit is clamped to limit + bonus.
 * The server passes `now` (its own clock, never the client's) and the viewing day it computed.
 */
export class Migration20261123200000_heartbeat_functions extends Migration {
  override name = 'Migration20261123200000_heartbeat_functions';

  override up(): void {
    // seconds of [last beat, now] that count: at most 60, and while paused only until the pause is 300 s old
    this.addSql(`
create function vt_interval_credit(p_last timestamptz, p_paused_at timestamptz, p_now timestamptz) returns int
language sql immutable as $$
  select greatest(0, round(least(
    extract(epoch from (p_now - p_last)),
    60,
    case when p_paused_at is null then 60 else extract(epoch from (p_paused_at + interval '300 seconds' - p_last)) end
  )))::int
$$;`);

    // adds credit to the day's balance (creating it), never past limit + bonus; returns the seconds granted
    this.addSql(`
create function vt_credit(p_profile uuid, p_day date, p_day_start timestamptz, p_day_end timestamptz, p_limit int,
                          p_now timestamptz, p_seconds int, p_educational boolean) returns int
language plpgsql as $$
declare
  b viewing_time_balances;
  granted int;
begin
  insert into viewing_time_balances as x (id, profile_id, reset_date, day_start, day_end, limit_minutes, updated_at)
  values (gen_random_uuid(), p_profile, p_day, p_day_start, p_day_end, p_limit, p_now)
  on conflict (profile_id, reset_date) do update set limit_minutes = excluded.limit_minutes
  returning * into b;
  if p_seconds <= 0 then
    return 0;
  end if;
  granted := case when p_educational or b.is_unlimited_override or p_limit is null then p_seconds
                  else least(p_seconds, greatest(0, p_limit * 60 + b.bonus_seconds - b.used_seconds)) end;
  update viewing_time_balances
     set used_seconds = used_seconds + case when p_educational then 0 else granted end,
         educational_seconds = educational_seconds + case when p_educational then granted else 0 end,
         updated_at = p_now
   where id = b.id;
  return granted;
end $$;`);

    // ends a locked session: a stale one (no beat for 300 s) at its last beat with no credit,
    // otherwise now, crediting the time since its last beat once
    this.addSql(`
create function vt_close_session(s viewing_sessions, p_now timestamptz, p_reason text, p_day date, p_day_start timestamptz,
                                 p_day_end timestamptz, p_limit int, p_exempt boolean, p_counts boolean)
returns viewing_sessions
language plpgsql as $$
declare
  raw int;
  granted int;
begin
  if s.last_heartbeat_at < p_now - interval '300 seconds' then
    update viewing_sessions set ended_at = s.last_heartbeat_at, end_reason = 'stale' where id = s.id returning * into s;
    return s;
  end if;
  raw := vt_interval_credit(s.last_heartbeat_at, s.paused_at, p_now);
  granted := case when p_counts then vt_credit(s.profile_id, p_day, p_day_start, p_day_end, p_limit, p_now, raw, s.is_educational and p_exempt)
                  else raw end;
  update viewing_sessions set ended_at = p_now, end_reason = p_reason, total_seconds = total_seconds + granted
   where id = s.id returning * into s;
  return s;
end $$;`);

    this.addSql(`
create function vt_heartbeat(
  p_profile uuid, p_session uuid, p_title uuid, p_title_educational boolean, p_device_id text, p_device_type text,
  p_paused boolean, p_seq bigint, p_now timestamptz,
  p_day date, p_day_start timestamptz, p_day_end timestamptz, p_limit int, p_exempt boolean, p_counts boolean,
  p_config_version int)
returns table (session_id uuid, outcome text, is_educational boolean, used_seconds int, educational_seconds int,
               bonus_seconds int, unlimited_override boolean, config jsonb)
language plpgsql as $$
declare
  s viewing_sessions;
  prev viewing_sessions;
  b viewing_time_balances;
  cfg jsonb;
  credit int := 0;
  result text;
begin
  -- the caller's cached config is past its TTL: re-read it here (no extra round trip); if it
  -- changed meanwhile, do nothing and hand it back so the caller recomputes the day and retries
  if p_config_version is not null then
    select to_jsonb(c) into cfg from viewing_time_configs c where c.profile_id = p_profile;
    if (cfg ->> 'version')::int is distinct from p_config_version then
      return query select p_session, 'config_changed'::text, false, 0, 0, 0, false, cfg;
      return;
    end if;
  end if;

  if p_session is null then
    loop
      begin
        select * into prev from viewing_sessions v where v.profile_id = p_profile and v.ended_at is null for update;
        if found then
          perform vt_close_session(prev, p_now, 'superseded', p_day, p_day_start, p_day_end, p_limit, p_exempt, p_counts);
        end if;
        insert into viewing_sessions (id, profile_id, title_id, device_id, device_type, is_educational, started_at,
                                      last_heartbeat_at, last_seq, paused_at, total_seconds)
        values (gen_random_uuid(), p_profile, p_title, p_device_id, p_device_type, p_title_educational, p_now,
                p_now, p_seq, case when p_paused then p_now end, 0)
        returning * into s;
        exit;
      exception when unique_violation then
        -- a racing start for this profile committed first: go round again, end it, start ours
      end;
    end loop;
    result := 'started';
  else
    select * into s from viewing_sessions v where v.id = p_session for update;
    if not found or s.profile_id <> p_profile then
      return query select p_session, 'not_found'::text, false, 0, 0, 0, false, cfg;
      return;
    end if;
    if s.ended_at is not null then
      result := 'ended';
    elsif s.last_heartbeat_at < p_now - interval '300 seconds' then
      s := vt_close_session(s, p_now, 'stale', p_day, p_day_start, p_day_end, p_limit, p_exempt, p_counts);
      result := 'ended';
    elsif p_seq is not null and s.last_seq is not null and p_seq <= s.last_seq then
      result := 'retry';
    else
      credit := vt_interval_credit(s.last_heartbeat_at, s.paused_at, p_now);
      result := 'ok';
    end if;
  end if;

  if p_counts then
    credit := vt_credit(p_profile, p_day, p_day_start, p_day_end, p_limit, p_now, credit, s.is_educational and p_exempt);
    select * into b from viewing_time_balances x where x.profile_id = p_profile and x.reset_date = p_day;
  end if;
  if result = 'ok' then
    update viewing_sessions set last_heartbeat_at = p_now, last_seq = coalesce(p_seq, last_seq),
           paused_at = case when p_paused then coalesce(paused_at, p_now) end, total_seconds = total_seconds + credit
     where id = s.id;
  end if;
  return query select s.id, result, s.is_educational, coalesce(b.used_seconds, 0), coalesce(b.educational_seconds, 0),
                      coalesce(b.bonus_seconds, 0), coalesce(b.is_unlimited_override, false), cfg;
end $$;`);

    // idempotent end: the first call credits the time since the last beat and sets ended_at; later calls return the same
    this.addSql(`
create function vt_end_session(p_session uuid, p_user uuid, p_only_profile uuid, p_now timestamptz)
returns table (session_id uuid, profile_id uuid, ended_at timestamptz, end_reason text, total_seconds int)
language plpgsql as $$
declare
  s viewing_sessions;
  b viewing_time_balances;
  exempt boolean;
begin
  select v.* into s from viewing_sessions v join profiles p on p.id = v.profile_id
   where v.id = p_session and p.user_id = p_user and (p_only_profile is null or v.profile_id = p_only_profile)
   for update of v;
  if not found then
    return;
  end if;
  if s.ended_at is null then
    -- the balance of the viewing day in progress (adults have none: nothing is written for them)
    select * into b from viewing_time_balances x where x.profile_id = s.profile_id and x.day_start <= p_now and x.day_end > p_now;
    select c.educational_exempt into exempt from viewing_time_configs c where c.profile_id = s.profile_id;
    s := vt_close_session(s, p_now, 'ended', b.reset_date, b.day_start, b.day_end, b.limit_minutes, coalesce(exempt, false), b.id is not null);
  end if;
  return query select s.id, s.profile_id, s.ended_at, s.end_reason::text, s.total_seconds;
end $$;`);
  }

  override down(): void {
    this.addSql('drop function if exists vt_end_session(uuid, uuid, uuid, timestamptz);');
    this.addSql('drop function if exists vt_heartbeat(uuid, uuid, uuid, boolean, text, text, boolean, bigint, timestamptz, date, timestamptz, timestamptz, int, boolean, boolean, int);');
    this.addSql('drop function if exists vt_close_session(viewing_sessions, timestamptz, text, date, timestamptz, timestamptz, int, boolean, boolean);');
    this.addSql('drop function if exists vt_credit(uuid, date, timestamptz, timestamptz, int, timestamptz, int, boolean);');
    this.addSql('drop function if exists vt_interval_credit(timestamptz, timestamptz, timestamptz);');
  }
}
