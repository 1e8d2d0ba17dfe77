-- FROZEN: src/db/sql/vt_config_json.sql as of round 2 (identical on main from 1882c38 to 223ab76), table and function names qualified with vt_r2.
-- Do not update it with the service: it is the raw baseline's yardstick (see ../README.md).
-- A profile's viewing-time settings as the service's time rules need them (SPEC §2), handed back
-- when the service must compute a viewing day it has not cached (rare: once per profile per day).
create or replace function vt_r2.vt_config_json(p_profile uuid)
returns json
language sql stable
as $function$
  select json_build_object(
    'timezone', c.timezone, 'reset_hour', c.reset_hour,
    'weekday_limit_minutes', c.weekday_limit_minutes, 'weekend_limit_minutes', c.weekend_limit_minutes,
    'previous_timezone', c.previous_timezone, 'previous_reset_hour', c.previous_reset_hour,
    'settings_effective_at', c.settings_effective_at, 'educational_exempt', c.educational_exempt,
    'allowed_hours', c.allowed_hours, 'educational_ignores_hours', c.educational_ignores_hours,
    'overrides', (select json_object_agg(o.date::text, o.windows) from vt_r2.viewing_time_overrides o
                   where o.profile_id = p_profile and o.date >= current_date - 2),
    'version', c.version, 'updated_at', c.updated_at)
  from vt_r2.viewing_time_configs c where c.profile_id = p_profile
$function$;
