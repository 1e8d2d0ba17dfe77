-- FROZEN: src/db/sql/vt_is_stale.sql as of round 2 (identical on main from 1882c38 to 223ab76), table and function names qualified with vt_r2.
-- Do not update it with the service: it is the raw baseline's yardstick (see ../README.md).
-- A session whose last beat is older than 5 minutes is stale: it ended at that beat (SPEC §3).
create or replace function vt_r2.vt_is_stale(p_last timestamptz, p_now timestamptz)
returns boolean
language sql immutable
as $function$
  select p_last < p_now - interval '300 seconds'
$function$;
