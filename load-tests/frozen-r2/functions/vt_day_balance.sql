-- FROZEN: src/db/sql/vt_day_balance.sql as of round 2 (identical on main from 1882c38 to 223ab76), table and function names qualified with vt_r2.
-- Do not update it with the service: it is the raw baseline's yardstick (see ../README.md).
-- The balance row of the viewing day containing p_now, created from the day the service computed
-- (its time rules live in TypeScript) when that day is current and was computed from the settings
-- version still in force. Returns null when the caller must compute the day first. The FOR SHARE
-- lock orders this against a settings change, which rewrites today's row in its own transaction.
create or replace function vt_r2.vt_day_balance(
  p_profile uuid, p_now timestamptz, p_day_date date, p_day_start timestamptz, p_day_end timestamptz,
  p_day_limit integer, p_day_exempt boolean, p_config_version integer, p_day_allowed tstzmultirange, p_day_ignores boolean)
returns uuid
language plpgsql
as $function$
declare
  v_id uuid;
begin
  if p_day_date is null or p_now < p_day_start or p_now >= p_day_end then
    return null;
  end if;
  perform 1 from vt_r2.viewing_time_configs c where c.profile_id = p_profile and c.version = p_config_version for share;
  if not found then
    return null;
  end if;
  insert into vt_r2.viewing_time_balances as b (id, profile_id, reset_date, day_start, day_end, limit_minutes, educational_exempt,
                                          allowed, educational_ignores_hours, updated_at)
  values (gen_random_uuid(), p_profile, p_day_date, p_day_start, p_day_end, p_day_limit, p_day_exempt,
          p_day_allowed, coalesce(p_day_ignores, false), p_now)
  on conflict (profile_id, reset_date) do nothing
  returning b.id into v_id;
  if v_id is null then
    select b.id into v_id from vt_r2.viewing_time_balances b where b.profile_id = p_profile and b.reset_date = p_day_date;
  end if;
  return v_id;
end
$function$;
