import { Migration } from '@mikro-orm/migrations';

/**
 * Cheaper credit: the day's balance row is locked with SELECT … FOR UPDATE and written once (the
 * first version upserted, updated and re-read it: three row operations per heartbeat), and the
 * new counters come back from vt_credit itself. Same rules, same results.
 */
export class Migration20261123205000_cheaper_credit extends Migration {
  override name = 'Migration20261123205000_cheaper_credit';

  override up(): void {
    this.addSql('drop function vt_credit(uuid, date, timestamptz, timestamptz, int, timestamptz, int, boolean);');
    // credits the day's balance (creating it), never past limit + bonus; returns the counters and what was granted
    this.addSql(`
create function vt_credit(p_profile uuid, p_day date, p_day_start timestamptz, p_day_end timestamptz, p_limit int,
                          p_now timestamptz, p_seconds int, p_educational boolean)
returns table (used_seconds int, educational_seconds int, bonus_seconds int, unlimited_override boolean, granted int)
language plpgsql as $$
declare
  b viewing_time_balances;
  g int;
begin
  select * into b from viewing_time_balances x where x.profile_id = p_profile and x.reset_date = p_day for update;
  if not found then
    insert into viewing_time_balances as x (id, profile_id, reset_date, day_start, day_end, limit_minutes, updated_at)
    values (gen_random_uuid(), p_profile, p_day, p_day_start, p_day_end, p_limit, p_now)
    on conflict (profile_id, reset_date) do update set limit_minutes = excluded.limit_minutes
    returning * into b;
  end if;
  g := case when p_seconds <= 0 then 0
            when p_educational or b.is_unlimited_override or p_limit is null then p_seconds
            else least(p_seconds, greatest(0, p_limit * 60 + b.bonus_seconds - b.used_seconds)) end;
  if g > 0 or b.limit_minutes is distinct from p_limit then
    update viewing_time_balances x
       set used_seconds = x.used_seconds + case when p_educational then 0 else g end,
           educational_seconds = x.educational_seconds + case when p_educational then g else 0 end,
           limit_minutes = p_limit, updated_at = p_now
     where x.id = b.id
    returning * into b;
  end if;
  return query select b.used_seconds, b.educational_seconds, b.bonus_seconds, b.is_unlimited_override, g;
end $$;`);
    this.addSql(`
create or replace function vt_close_session(s viewing_sessions, p_now timestamptz, p_reason text, p_day date, p_day_start timestamptz,
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
  granted := case when p_counts then (select c.granted from vt_credit(s.profile_id, p_day, p_day_start, p_day_end, p_limit, p_now, raw, s.is_educational and p_exempt) c)
                  else raw end;
  update viewing_sessions set ended_at = p_now, end_reason = p_reason, total_seconds = total_seconds + granted
   where id = s.id returning * into s;
  return s;
end $$;`);
    this.addSql(`
create or replace function vt_heartbeat(
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
  b record;
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
    select * into b from vt_credit(p_profile, p_day, p_day_start, p_day_end, p_limit, p_now, credit, s.is_educational and p_exempt);
    credit := b.granted;
  end if;
  if result = 'ok' then
    update viewing_sessions set last_heartbeat_at = p_now, last_seq = coalesce(p_seq, last_seq),
           paused_at = case when p_paused then coalesce(paused_at, p_now) end, total_seconds = total_seconds + credit
     where id = s.id;
  end if;
  if not p_counts then
    return query select s.id, result, s.is_educational, 0, 0, 0, false, cfg;
    return;
  end if;
  return query select s.id, result, s.is_educational, b.used_seconds, b.educational_seconds, b.bonus_seconds, b.unlimited_override, cfg;
end $$;`);
  }

  override down(): void {
    throw new Error('irreversible: restore from a backup or re-create the functions of Migration20261123200000');
  }
}
