-- How much of p_seconds of viewing a day's balance takes: all of it for exempt educational viewing
-- (p_educational) or an unlimited day, otherwise never more than what is left of limit + bonus.
-- The one definition of the credit clamp.
create or replace function vt_grantable(p_seconds integer, p_educational boolean, p_used integer, p_bonus integer, p_limit integer, p_unlimited boolean)
returns integer
language sql immutable
as $function$
  select case when p_educational then p_seconds
              else least(p_seconds, coalesce(vt_remaining(p_used, p_bonus, p_limit, p_unlimited), p_seconds)) end
$function$;
