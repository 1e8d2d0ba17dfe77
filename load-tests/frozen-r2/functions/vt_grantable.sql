-- FROZEN: src/db/sql/vt_grantable.sql as of round 2 (identical on main from 1882c38 to 223ab76), table and function names qualified with vt_r2.
-- Do not update it with the service: it is the raw baseline's yardstick (see ../README.md).
-- How much of p_seconds of viewing a day's balance takes: all of it for exempt educational viewing
-- (p_educational) or an unlimited day, otherwise never more than what is left of limit + bonus.
-- The one definition of the credit clamp (SPEC §3 "Heartbeat credit").
create or replace function vt_r2.vt_grantable(p_seconds integer, p_educational boolean, p_used integer, p_bonus integer, p_limit integer, p_unlimited boolean)
returns integer
language sql immutable
as $function$
  select case when p_educational then p_seconds
              else least(p_seconds, coalesce(vt_r2.vt_remaining(p_used, p_bonus, p_limit, p_unlimited), p_seconds)) end
$function$;
