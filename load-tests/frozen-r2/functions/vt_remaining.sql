-- FROZEN: src/db/sql/vt_remaining.sql as of round 2 (identical on main from 1882c38 to 223ab76), table and function names qualified with vt_r2.
-- Do not update it with the service: it is the raw baseline's yardstick (see ../README.md).
-- Budget left on a day's balance: limit + bonus - used, never below 0; null when unlimited
-- (no limit, or unlimited today). The one definition of "remaining" (SPEC §3).
create or replace function vt_r2.vt_remaining(p_used integer, p_bonus integer, p_limit integer, p_unlimited boolean)
returns integer
language sql immutable
as $function$
  select case when p_limit is null or p_unlimited then null else greatest(0, p_limit * 60 + p_bonus - p_used) end
$function$;
