-- FROZEN: src/db/sql/vt_heartbeat.sql as of round 2 (identical on main from 1882c38 to 223ab76), table and function names qualified with vt_r2.
-- Do not update it with the service: it is the raw baseline's yardstick (see ../README.md).
-- One heartbeat on its own: vt_heartbeats with a batch of one (the statement a lone beat sends,
-- and what the raw-PostgreSQL baseline runs once per call). PL/pgSQL so that its plan is cached.
create or replace function vt_r2.vt_heartbeat(
  p_user uuid, p_profile uuid, p_session uuid, p_title uuid, p_device_id text, p_device_type text,
  p_paused boolean, p_seq bigint, p_now timestamptz,
  p_day_date date, p_day_start timestamptz, p_day_end timestamptz, p_day_limit integer, p_day_exempt boolean,
  p_config_version integer, p_day_allowed text, p_day_ignores boolean)
returns table (outcome text, session_id uuid, is_kids boolean, is_educational boolean, used_seconds integer,
               educational_seconds integer, bonus_seconds integer, unlimited_override boolean, limit_minutes integer,
               educational_exempt boolean, day_end timestamptz, remaining_seconds integer, hours_apply boolean,
               allowed text, config json)
language plpgsql
as $function$
begin
  return query select h.outcome, h.session_id, h.is_kids, h.is_educational, h.used_seconds, h.educational_seconds, h.bonus_seconds,
         h.unlimited_override, h.limit_minutes, h.educational_exempt, h.day_end, h.remaining_seconds, h.hours_apply,
         h.allowed, h.config
    from vt_r2.vt_heartbeats(array[p_user], array[p_profile], array[p_session], array[p_title], array[p_device_id], array[p_device_type],
                       array[p_paused], array[p_seq], array[p_now], array[p_day_date], array[p_day_start], array[p_day_end],
                       array[p_day_limit], array[p_day_exempt], array[p_config_version], array[p_day_allowed], array[p_day_ignores]) h;
end
$function$;
