-- A profile's viewing-time settings as the service's time rules need them, handed back
-- when the service must compute a viewing day it has not cached (rare: once per profile per day).
create or replace function vt_config_json(p_profile uuid)
returns json
language sql stable
as $function$
  select json_build_object(
    'timezone', c.timezone, 'reset_hour', c.reset_hour,
    'monday_limit_minutes', c.monday_limit_minutes, 'tuesday_limit_minutes', c.tuesday_limit_minutes,
    'wednesday_limit_minutes', c.wednesday_limit_minutes, 'thursday_limit_minutes', c.thursday_limit_minutes,
    'friday_limit_minutes', c.friday_limit_minutes, 'saturday_limit_minutes', c.saturday_limit_minutes,
    'sunday_limit_minutes', c.sunday_limit_minutes, 'break_after_minutes', c.break_after_minutes, 'break_minutes', c.break_minutes,
    'weekly_limit_minutes', c.weekly_limit_minutes, 'bank_cap_minutes', c.bank_cap_minutes, 'bank_from', c.bank_from,
    'finish_grace_minutes', c.finish_grace_minutes,
    'previous_timezone', c.previous_timezone, 'previous_reset_hour', c.previous_reset_hour,
    'settings_effective_at', c.settings_effective_at, 'educational_exempt', c.educational_exempt,
    'allowed_hours', c.allowed_hours, 'educational_ignores_hours', c.educational_ignores_hours,
    'overrides', (select json_object_agg(o.date::text, o.windows) from viewing_time_overrides o
                   where o.profile_id = p_profile and o.date >= current_date - 2),
    'version', c.version, 'updated_at', c.updated_at)
  from viewing_time_configs c where c.profile_id = p_profile
$function$;
